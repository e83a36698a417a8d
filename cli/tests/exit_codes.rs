//! The CLI's contract: exit 0 when all records are valid, 1 when any is invalid or malformed,
//! 2 on usage errors or an unreadable file; no panic on any of them.

mod common;

use std::io::Write;

use common::{batchverify, bench};

fn record(seed: u8, message: &[u8]) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let signature = ed25519_dalek::Signer::sign(&key, message).to_bytes();
    format!(
        r#"{{"public_key": "{}", "message": "{}", "signature": "{}"}}"#,
        hex::encode(key.verifying_key().to_bytes()),
        hex::encode(message),
        hex::encode(signature)
    )
}

#[test]
fn all_valid_exits_zero() {
    let input = format!("{}\n{}\n", record(1, b"x"), record(2, b""));
    let out = batchverify(&["verify", "ed25519", "--policy", "strict"], &input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"index\":0,\"line\":1,\"valid\":true}\n{\"index\":1,\"line\":2,\"valid\":true}\n"
    );
}

#[test]
fn invalid_or_malformed_exits_one_and_keeps_going() {
    let input = format!("not json\n{}\n", record(3, b"y"));
    let out = batchverify(&["verify", "ed25519", "--policy", "zip215", "-"], &input);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("\"error\""));
    assert_eq!(lines[1], "{\"index\":1,\"line\":2,\"valid\":true}");
}

#[test]
fn file_argument_is_read() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{}", record(4, b"z")).unwrap();
    let path = file.path().to_str().unwrap();
    let out = batchverify(&["verify", "ed25519", "--policy", "zip215", path], "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unreadable_file_and_usage_errors_exit_two() {
    let out = batchverify(
        &[
            "verify",
            "ed25519",
            "--policy",
            "strict",
            "/nonexistent/records.jsonl",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));

    let out = batchverify(&["verify", "ed25519", "--policy", "lax"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = batchverify(&["bench", "--suite", "nope"], "");
    assert_eq!(out.status.code(), Some(2));
    for sizes in ["0", "1,268435457", "99999999999999999999"] {
        let out = batchverify(&["bench", "--sizes", sizes], "");
        assert_eq!(out.status.code(), Some(2), "--sizes {sizes}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[test]
fn info_names_the_code_paths() {
    let out = batchverify(&["info"], "");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = batchverify::cpu_info().ed25519.to_string();
    assert!(text.contains(&format!("ed25519:   {expected}")), "{text}");
    assert!(text.contains("threads:"));
    assert!(text.contains("backend:   "), "{text}");
    let adapters = batchverify::gpu::adapters();
    assert_eq!(
        text.lines().filter(|line| line.starts_with("gpu:")).count(),
        adapters.len().max(1),
        "{text}"
    );
    for adapter in adapters {
        assert!(text.contains(&adapter.name), "{text}");
    }
}

#[test]
fn info_names_the_calibrated_sha256_kernels() {
    let out = batchverify(&["info"], "");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("sha256:")).unwrap();
    // Each process calibrates on its own, so the choice is one of this CPU's kernels, and the
    // rates name every kernel but the portable one.
    let kernels: Vec<String> = batchverify::sha256::supported_paths()
        .iter()
        .map(ToString::to_string)
        .collect();
    let chosen = |after: &str| {
        let rest = &line[line.find(after).unwrap() + after.len()..];
        rest.split_whitespace().next().unwrap().to_string()
    };
    assert!(kernels.contains(&chosen("sha256:")), "{line}");
    assert!(kernels.contains(&chosen("119 bytes, ")), "{line}");
    for kernel in kernels.iter().filter(|k| k.as_str() != "portable") {
        assert!(line.contains(&format!("{kernel} ")), "{line}");
    }
}

#[test]
fn a_reader_that_closes_early_ends_info_and_bench_without_a_panic() {
    for args in [
        &["info"][..],
        &["bench", "--suite", "sha256", "--sizes", "64"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_batchverify"))
            .args(args)
            .args(if args[0] == "bench" {
                &["--min-time-ms", "1"][..]
            } else {
                &[]
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the child has written anything: its first line meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn probing_the_gpu_without_a_runtime_dir_prints_no_loader_noise() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_batchverify"))
        .arg("info")
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
}

#[test]
fn bench_writes_json_records_with_the_peer_in_both_regimes() {
    let (_, report) = bench(&[
        "--suite",
        "ed25519",
        "--sizes",
        "8",
        "--threads",
        "1",
        "--sweep",
        "batch-size",
    ]);
    let records = report["records"].as_array().unwrap();
    // Both workloads in both regimes, four implementations each.
    assert_eq!(records.len(), 16);
    for record in records {
        assert!(record["items_per_second"].as_f64().unwrap() > 0.0);
        assert!(record["p99_seconds"].as_f64() >= record["p50_seconds"].as_f64());
    }
    for workload in ["distinct keys", "1000 signers"] {
        for regime in ["cold", "warm"] {
            let peers = records
                .iter()
                .filter(|r| r["workload"] == workload && r["regime"] == regime)
                .filter(|r| r["baseline"] == true)
                .count();
            // dalek's verify_batch and its verify_strict loop: rows divide by the faster.
            assert_eq!(peers, 2, "the peers of {workload}, {regime}");
        }
    }
    assert!(report["machine"]["cores"].as_u64().unwrap() >= 1);
}

#[test]
fn bench_rows_run_on_equal_threads_and_line_up() {
    let (out, report) = bench(&[
        "--suite",
        "bls",
        "--sizes",
        "2",
        "--threads",
        "2",
        "--sweep",
        "batch-size",
    ]);
    let records = report["records"].as_array().unwrap();
    // Two workloads, each cold and warm: ours, blst's multi-verify, blst's loop.
    assert_eq!(records.len(), 12);
    for record in records {
        assert_eq!(record["threads"], 2, "{record}");
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    let table: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("suite") || l.starts_with("bls"))
        .collect();
    assert_eq!(table.len(), 13, "{stdout}");
    let header_end = table[0].find("vs peer").unwrap() + "vs peer".len();
    for line in &table {
        assert_eq!(line.len(), header_end, "misaligned: {line:?}");
    }
}
