//! `batchverify merkle`: roots of real Bitcoin blocks and the RFC 6962 reference tree, proofs
//! round-tripping through `proof` and `verify`, and errors that name the line.

mod common;

use std::process::Output;

use common::{batchverify, batchverify_with_env, bench, vectors_dir};

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn bitcoin_block_root_in_display_order_and_its_mutated_twin() {
    let Some(dir) = vectors_dir() else { return };
    let txids = std::fs::read_to_string(dir.join("bitcoin-blocks/block99960.txids.txt")).unwrap();
    let args = ["merkle", "root", "--flavor", "bitcoin", "--display-order"];
    let out = batchverify(&args, &txids);
    assert_eq!(out.status.code(), Some(0));
    let root = "34d5a57822efa653019edfee29b9586a0d0d807572275b45f39a7e9c25614bf9";
    assert_eq!(stdout(&out), format!("{root}\nmutated: false\n"));
    let last = txids.lines().last().unwrap();
    let out = batchverify(&args, &format!("{txids}{last}\n"));
    assert_eq!(stdout(&out), format!("{root}\nmutated: true\n"));
}

#[test]
fn rfc6962_raw_leaves_give_the_reference_root() {
    let Some(dir) = vectors_dir() else { return };
    let text =
        std::fs::read_to_string(dir.join("ct-rfc6962/reference_tree_8_leaves.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let leaves: Vec<&str> = reference["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // With --raw an empty line is an empty leaf, like the reference's first one.
    let out = batchverify(
        &["merkle", "root", "--flavor", "rfc6962", "--raw"],
        &leaves.join("\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    let want = reference["root_hash_by_tree_size_hex"][8].as_str().unwrap();
    assert_eq!(stdout(&out).trim(), want);
}

#[test]
fn proofs_round_trip_and_tampering_is_caught() {
    let leaves: Vec<String> = (0u8..11).map(|i| hex::encode([i; 32])).collect();
    let input = leaves.join("\n");
    for flavor in ["bitcoin", "rfc6962", "ssz"] {
        let out = batchverify(
            &["merkle", "proof", "--flavor", flavor, "--index", "0,5,10"],
            &input,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let proofs = stdout(&out);
        assert_eq!(proofs.lines().count(), 3);
        let out = batchverify(&["merkle", "verify", "--flavor", flavor], &proofs);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            stdout(&out)
                .lines()
                .filter(|l| l.contains("\"valid\":true"))
                .count(),
            3
        );
        let tampered = proofs.replacen("\"index\":5", "\"index\":4", 1);
        let out = batchverify(&["merkle", "verify", "--flavor", flavor], &tampered);
        assert_eq!(out.status.code(), Some(1));
        let verdicts: Vec<serde_json::Value> = stdout(&out)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            verdicts[1],
            serde_json::json!({"index": 1, "line": 2, "leaf_index": 4, "valid": false})
        );
    }
}

#[test]
fn each_proof_is_checked_under_its_own_flavor() {
    let leaves: Vec<String> = (0u8..6).map(|i| hex::encode([i; 32])).collect();
    let proof = |flavor: &str| {
        let args = ["merkle", "proof", "--flavor", flavor, "--index", "2"];
        stdout(&batchverify(&args, &leaves.join("\n")))
    };
    // Without --flavor, every proof uses the flavor it names.
    let mixed = format!("{}\n{}", proof("bitcoin"), proof("ssz"));
    let out = batchverify(&["merkle", "verify"], &mixed);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A --flavor that contradicts a proof is an error for that proof, not a silent false.
    let out = batchverify(&["merkle", "verify", "--flavor", "rfc6962"], &mixed);
    assert_eq!(out.status.code(), Some(1));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(
        first["error"],
        "flavor: the proof is for bitcoin, --flavor says rfc6962"
    );
    // A proof that names no flavor needs --flavor.
    let unnamed = proof("ssz").replace("\"flavor\":\"ssz\",", "");
    assert!(!unnamed.contains("flavor"));
    let out = batchverify(&["merkle", "verify", "--flavor", "ssz"], &unnamed);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = batchverify(&["merkle", "verify"], &unnamed);
    assert!(stdout(&out).contains("flavor: missing"));
}

#[test]
fn bad_input_names_the_line_and_exits_two() {
    let good = hex::encode([1u8; 32]);
    let out = batchverify(
        &["merkle", "root", "--flavor", "ssz"],
        &format!("{good}\n\n{good}ff\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3: expected a 32-byte leaf hash"));
    let out = batchverify(&["merkle", "root", "--flavor", "rfc6962"], "zz\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: invalid hex"));
    let out = batchverify(
        &["merkle", "root", "--flavor", "ssz", "--raw"],
        &format!("{good}\n0102\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("line 2: expected 32 bytes of leaf data, got 2"));
    let out = batchverify(
        &["merkle", "proof", "--flavor", "ssz", "--index", "1"],
        &good,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("out of range"));
    let out = batchverify(&["merkle", "root", "--flavor", "sha3"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = batchverify(&["merkle", "verify", "--flavor", "ssz"], "{\"root\": 1}\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"error\""));
}

#[test]
fn leaves_and_proofs_may_carry_the_0x_prefix() {
    let leaves: Vec<String> = (0u8..5).map(|i| hex::encode([i; 32])).collect();
    let prefixed: Vec<String> = leaves.iter().map(|leaf| format!("0x{leaf}")).collect();
    let args = ["merkle", "root", "--flavor", "rfc6962"];
    let plain = batchverify(&args, &leaves.join("\n"));
    let with_prefix = batchverify(&args, &prefixed.join("\n"));
    assert_eq!(with_prefix.status.code(), Some(0));
    assert_eq!(stdout(&with_prefix), stdout(&plain));
    let proof = batchverify(
        &["merkle", "proof", "--flavor", "rfc6962", "--index", "3"],
        &leaves.join("\n"),
    );
    let mut record: serde_json::Value = serde_json::from_str(stdout(&proof).trim()).unwrap();
    for field in ["root", "leaf_hash"] {
        record[field] = format!("0x{}", record[field].as_str().unwrap()).into();
    }
    let out = batchverify(
        &["merkle", "verify", "--flavor", "rfc6962"],
        &record.to_string(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn empty_input_gives_the_empty_root() {
    let out = batchverify(&["merkle", "root", "--flavor", "rfc6962"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out).trim(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

/// Whether the GPU tests can run: an adapter exists, or skip loudly (fail under
/// `BATCHVERIFY_REQUIRE_GPU=1`).
fn gpu_present() -> bool {
    if !batchverify::gpu::adapters().is_empty() {
        return true;
    }
    assert!(
        std::env::var("BATCHVERIFY_REQUIRE_GPU").map_or(true, |v| v != "1"),
        "BATCHVERIFY_REQUIRE_GPU=1 but no GPU adapter"
    );
    eprintln!("SKIPPED: no GPU adapter");
    false
}

fn leaf_lines(count: u32) -> String {
    (0..count).map(|i| format!("{:064x}\n", i * 7919)).collect()
}

#[test]
fn gpu_and_cpu_backends_print_the_same_root_and_say_where_it_ran() {
    if !gpu_present() {
        return;
    }
    let leaves = leaf_lines(3001);
    for flavor in ["bitcoin", "rfc6962", "ssz"] {
        let cpu = batchverify(
            &["merkle", "root", "--flavor", flavor, "--backend", "cpu"],
            &leaves,
        );
        let gpu = batchverify(
            &["merkle", "root", "--flavor", flavor, "--backend", "gpu"],
            &leaves,
        );
        assert_eq!(gpu.status.code(), Some(0));
        assert_eq!(stdout(&gpu), stdout(&cpu), "{flavor}");
        let stderr = String::from_utf8_lossy(&gpu.stderr);
        assert!(stderr.contains("computed on the GPU ("), "{stderr}");
    }
}

#[test]
fn backend_from_the_environment_and_bad_values() {
    let leaves = leaf_lines(5);
    let run = |value: &str| {
        let args = ["merkle", "root", "--flavor", "ssz"];
        batchverify_with_env(&args, &leaves, &[("BATCHVERIFY_BACKEND", value)])
    };
    let bad = run("quantum");
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("BATCHVERIFY_BACKEND") && stderr.contains("quantum"),
        "{stderr}"
    );
    let cpu = run("cpu");
    assert_eq!(cpu.status.code(), Some(0));
    assert!(cpu.stderr.is_empty(), "the CPU streams and says nothing");
    if gpu_present() {
        let gpu = run("gpu");
        assert_eq!(stdout(&gpu), stdout(&cpu));
        assert!(String::from_utf8_lossy(&gpu.stderr).contains("computed on the GPU"));
    }
    let flag = batchverify(
        &["merkle", "root", "--flavor", "ssz", "--backend", "sideways"],
        &leaves,
    );
    assert_eq!(flag.status.code(), Some(2));
}

#[test]
fn every_peer_tree_computes_the_same_root_as_ours_at_any_size() {
    // A peer whose root differs is reported and left out of the table. rs_merkle builds on one
    // thread, so it has rows only in one-thread runs.
    let sizes = ["1", "2", "3", "255", "256", "257", "1000", "4097", "70000"];
    for threads in ["1", "2", "3"] {
        let args = [
            "--suite",
            "merkle",
            "--backend",
            "cpu",
            "--threads",
            threads,
            "--sweep",
            "batch-size",
        ];
        let (out, report) = bench(&[&args[..], &["--sizes", &sizes.join(",")]].concat());
        let rows: Vec<(String, String)> = report["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let row = format!("{} {}", r["implementation"], r["operation"]);
                (r["batch_size"].to_string(), row)
            })
            .collect();
        for size in sizes {
            let mut peers = vec!["node-by-node tree", "cache-sized subtrees, buffers reused"];
            if threads == "1" {
                peers.push("rs_merkle");
            }
            for peer in peers {
                assert!(
                    rows.iter()
                        .any(|(at, row)| at == size && row.contains(peer)),
                    "{peer} at {size} leaves, {threads} threads: {rows:?}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

#[test]
fn bench_shows_gpu_rows_end_to_end_and_kernel_only() {
    if !gpu_present() {
        return;
    }
    let args = [
        "--suite",
        "merkle",
        "--sweep",
        "batch-size",
        "--sizes",
        "1024",
    ];
    let (out, _) = bench(&[&args[..], &["--backend", "gpu"]].concat());
    let table = stdout(&out);
    assert!(table.contains("root (ssz), end-to-end [gpu]"), "{table}");
    assert!(table.contains("root (ssz), kernel-only [gpu]"), "{table}");
    assert!(table.contains("(gpu rows: "), "{table}");
    assert!(table.contains("tree (ssz) [gpu]"), "{table}");
    assert!(
        table
            .lines()
            .any(|line| line.contains("tree (ssz) [") && !line.contains("[gpu]")),
        "{table}"
    );
    assert!(table.contains("(Auto crossover, measured: "), "{table}");
    assert!(table.contains("sha2 node-by-node tree"), "{table}");
    let (cpu_only, _) = bench(&[&args[..], &["--backend", "cpu"]].concat());
    assert!(!stdout(&cpu_only).contains("[gpu]"));
}
