//! GPU == CPU, byte for byte. Runs on any adapter wgpu finds, Mesa's lavapipe included; without
//! one the tests skip with a message, unless `BATCHVERIFY_REQUIRE_GPU=1` (CI), where they fail.
#![cfg(feature = "gpu")]

mod common;

use batchverify::gpu::{GpuContext, GpuOptions};
use batchverify::merkle::{
    self, Digest, Flavor, HashFn, Merkle, OddNode, BITCOIN, FISCO_BCOS, RFC6962, SSZ,
};
use batchverify::sha256::Hasher;
use batchverify::Backend;
use rand::{RngExt, SeedableRng};

fn random_leaves(n: usize, seed: u64) -> Vec<Digest> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random()).collect()
}

const FLAVORS: [Flavor; 4] = [BITCOIN, RFC6962, SSZ, SSZ.with_limit(1 << 20)];

/// The SM3 kernels and the hash-alone odd rule: FISCO BCOS, an RFC 6962 log over SM3, the
/// hash-alone rule over SHA256d, and with a node prefix (the kernel's general byte path).
const SM3_AND_LONE_FLAVORS: [Flavor; 5] = [
    FISCO_BCOS,
    RFC6962.with_hash(HashFn::Sm3),
    SSZ.with_hash(HashFn::Sm3),
    FISCO_BCOS.with_hash(HashFn::Sha256d),
    Flavor {
        node_prefix: b"fisco",
        odd: OddNode::HashAlone,
        ..RFC6962
    },
];

/// The GPU root through the public dispatch, checked to have run on the GPU.
fn gpu_root(flavor: Flavor, leaves: &[Digest]) -> (Digest, bool) {
    let report = Merkle::new(flavor)
        .with_backend(Backend::Gpu)
        .root_report(leaves)
        .unwrap();
    if !leaves.is_empty() {
        assert_eq!(
            report.execution.backend,
            Backend::Gpu,
            "{flavor} with {} leaves fell back: {:?}",
            leaves.len(),
            report.execution.fallback
        );
        assert!(report.execution.adapter.is_some());
    }
    (report.root, report.mutated)
}

fn cpu_root(flavor: Flavor, leaves: &[Digest]) -> (Digest, bool) {
    Merkle::new(flavor)
        .with_backend(Backend::Cpu)
        .root_and_mutation(leaves)
        .unwrap()
}

/// GPU == CPU roots for every flavor on sizes 0..=300 and 2^k − 1, 2^k, 2^k + 1 for k in
/// 9..=`max_log`.
fn roots_match_on_awkward_sizes(flavors: &[Flavor], max_log: u32, seed: u64) {
    let mut sizes: Vec<usize> = (0..=300).collect();
    for k in 9..=max_log {
        sizes.extend([(1 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    let leaves = random_leaves((1 << max_log) + 1, seed);
    for &flavor in flavors {
        for &size in &sizes {
            let leaves = &leaves[..size];
            assert_eq!(
                gpu_root(flavor, leaves),
                cpu_root(flavor, leaves),
                "{flavor}, {size} leaves"
            );
        }
    }
}

#[test]
fn every_flavor_matches_the_cpu_on_sizes_0_to_300_and_around_powers_of_two() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    roots_match_on_awkward_sizes(&FLAVORS, 18, 1);
}

#[test]
fn sm3_and_hash_alone_flavors_match_the_cpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    roots_match_on_awkward_sizes(&SM3_AND_LONE_FLAVORS, 14, 11);
    let leaves = random_leaves(4097, 12);
    for flavor in SM3_AND_LONE_FLAVORS {
        for size in [1, 3, 100, 513, 4097] {
            let leaves = &leaves[..size];
            let gpu = Merkle::new(flavor)
                .with_backend(Backend::Gpu)
                .tree(leaves)
                .unwrap();
            assert_eq!(gpu.execution().backend, Backend::Gpu, "{flavor}, {size}");
            let cpu = Merkle::new(flavor)
                .with_backend(Backend::Cpu)
                .tree(leaves)
                .unwrap();
            assert_eq!(gpu.levels(), cpu.levels(), "{flavor}, {size} leaves");
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let gpu = batchverify::sm3::Hasher::new().with_backend(Backend::Gpu);
    let cpu = batchverify::sm3::Hasher::new().with_backend(Backend::Cpu);
    for length in [0, 1, 55, 56, 64, 65, 120, 1000, 16_447] {
        let count = if length > 10_000 { 5 } else { 333 };
        let messages: Vec<Vec<u8>> = (0..count)
            .map(|_| (0..length).map(|_| rng.random()).collect())
            .collect();
        let (digests, execution) = gpu.hash_many_report(&messages);
        assert_eq!(execution.backend, Backend::Gpu, "{:?}", execution.fallback);
        assert_eq!(digests, cpu.hash_many(&messages), "{length} bytes");
        assert_eq!(
            Merkle::new(FISCO_BCOS)
                .with_backend(Backend::Gpu)
                .leaf_hashes(&messages)
                .unwrap(),
            digests
        );
    }
}

#[test]
fn random_sizes_and_repeated_leaves_match_the_cpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    for round in 0..20 {
        let size = rng.random_range(301..5000);
        let mut leaves = random_leaves(size, 100 + round);
        // Equal siblings exercise Bitcoin's mutation flag on the GPU.
        if round % 2 == 0 {
            let at = 2 * rng.random_range(0..size / 2);
            leaves[at + 1] = leaves[at];
        }
        for flavor in FLAVORS {
            assert_eq!(
                gpu_root(flavor, &leaves),
                cpu_root(flavor, &leaves),
                "{flavor}, {size} leaves, round {round}"
            );
        }
    }
}

#[test]
fn trees_of_many_upload_pieces_match_the_cpu_around_every_piece_boundary() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let context = GpuContext::new(&GpuOptions {
        max_buffer_bytes: Some(64 * 32),
        ..GpuOptions::default()
    })
    .unwrap();
    assert_eq!(context.merkle_chunk_leaves(), 64);
    assert_eq!(context.merkle_piece_leaves(), 64);
    let leaves = random_leaves(1000, 4);
    for flavor in FLAVORS {
        // The staging ring has three buffers: 193 leaves and more reuse one.
        for size in [63, 64, 65, 127, 128, 129, 191, 192, 193, 200, 640, 1000] {
            let leaves = &leaves[..size];
            assert_eq!(
                context.merkle_root(&flavor, leaves).unwrap(),
                cpu_root(flavor, leaves),
                "{flavor}, {size} leaves in pieces of 64"
            );
        }
    }
    let twins = [leaves[0], leaves[0]].repeat(100);
    assert_eq!(
        context.merkle_root(&BITCOIN, &twins).unwrap(),
        cpu_root(BITCOIN, &twins)
    );
    assert!(cpu_root(BITCOIN, &twins).1);
}

/// Pieces larger than one dispatch's subtree (2^9 leaves) come back as several nodes each,
/// and a last piece of a few leaves as one node lower down, which the CPU lifts.
#[test]
fn roots_of_pieces_of_several_subtrees_match_the_cpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let context = GpuContext::new(&GpuOptions {
        max_buffer_bytes: Some(2048 * 32),
        ..GpuOptions::default()
    })
    .unwrap();
    assert_eq!(context.merkle_piece_leaves(), 2048);
    let leaves = random_leaves(6200, 9);
    for flavor in FLAVORS.iter().chain(&SM3_AND_LONE_FLAVORS) {
        for size in [2047, 2049, 2300, 2560, 2561, 4096 + 255, 4096 + 257, 6200] {
            let leaves = &leaves[..size];
            assert_eq!(
                context.merkle_root(flavor, leaves).unwrap(),
                cpu_root(*flavor, leaves),
                "{flavor}, {size} leaves in pieces of 2048"
            );
        }
    }
    // Equal halves across a piece boundary: mutated, found by the CPU from the leaves.
    let halves = leaves[..2048].repeat(2);
    assert_eq!(
        context.merkle_root(&BITCOIN, &halves).unwrap(),
        (cpu_root(BITCOIN, &halves).0, true)
    );
}

#[test]
fn trees_built_on_the_gpu_keep_the_same_levels() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let mut leaves = random_leaves((1 << 18) + 1, 8);
    leaves[101] = leaves[100];
    for flavor in FLAVORS {
        // 2^18 + 1 leaves take three dispatches of up to nine levels.
        for size in [
            1,
            2,
            3,
            5,
            8,
            100,
            103,
            511,
            512,
            513,
            1000,
            4097,
            (1 << 18) + 1,
        ] {
            let leaves = &leaves[..size];
            let gpu = Merkle::new(flavor)
                .with_backend(Backend::Gpu)
                .tree(leaves)
                .unwrap();
            assert_eq!(
                gpu.execution().backend,
                Backend::Gpu,
                "{flavor}, {size}: {:?}",
                gpu.execution().fallback
            );
            let cpu = Merkle::new(flavor)
                .with_backend(Backend::Cpu)
                .tree(leaves)
                .unwrap();
            assert_eq!(cpu.execution().backend, Backend::Cpu);
            assert_eq!(gpu.levels(), cpu.levels(), "{flavor}, {size} leaves");
            assert_eq!((gpu.root(), gpu.mutated()), (cpu.root(), cpu.mutated()));
            let last = size as u64 - 1;
            assert_eq!(gpu.proof(last).unwrap(), cpu.proof(last).unwrap());
        }
    }
}

#[test]
fn resident_leaves_give_the_same_root() {
    let Some(context) = common::gpu_or_skip() else {
        return;
    };
    let leaves = random_leaves(5000, 5);
    let resident = context.upload(&leaves).unwrap();
    // Resident leaves own their buffer: freeing the reusable ones does not touch them.
    context.release_buffers();
    assert_eq!(resident.len(), 5000);
    for flavor in FLAVORS {
        assert_eq!(
            context.merkle_root_resident(&flavor, &resident).unwrap(),
            cpu_root(flavor, &leaves),
            "{flavor}"
        );
    }
}

#[test]
fn batch_hashing_matches_the_cpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let gpu = Hasher::new().with_backend(Backend::Gpu);
    let cpu = Hasher::new().with_backend(Backend::Cpu);
    // 16_447 and 70_001 bytes take two and five dispatches of 256 blocks per message.
    let lengths = [
        0, 1, 3, 4, 31, 32, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 16_447, 70_001,
    ];
    for length in lengths {
        let count = rng.random_range(1..if length > 10_000 { 8 } else { 700 });
        let messages: Vec<Vec<u8>> = (0..count)
            .map(|_| (0..length).map(|_| rng.random()).collect())
            .collect();
        let (digests, execution) = gpu.hash_many_report(&messages);
        assert_eq!(execution.backend, Backend::Gpu, "{:?}", execution.fallback);
        assert_eq!(
            digests,
            cpu.hash_many(&messages),
            "{count} messages of {length} bytes"
        );
        for flavor in [BITCOIN, RFC6962] {
            assert_eq!(
                Merkle::new(flavor)
                    .with_backend(Backend::Gpu)
                    .leaf_hashes(&messages)
                    .unwrap(),
                Merkle::new(flavor)
                    .with_backend(Backend::Cpu)
                    .leaf_hashes(&messages)
                    .unwrap(),
                "{flavor} leaves of {length} bytes"
            );
        }
    }
}

#[test]
fn batches_of_many_upload_pieces_hash_like_the_cpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    // 2 KiB buffers: a few messages per piece, 64 digests gathered per read-back, so the
    // staging ring wraps many times within a call.
    let context = GpuContext::new(&GpuOptions {
        max_buffer_bytes: Some(2048),
        ..GpuOptions::default()
    })
    .unwrap();
    let cpu = Hasher::new().with_backend(Backend::Cpu);
    let mut rng = rand::rngs::StdRng::seed_from_u64(10);
    for length in [0, 1, 55, 64, 100, 1000, 2048] {
        for count in [1, 7, 8, 9, 63, 64, 65, 300] {
            let messages: Vec<Vec<u8>> = (0..count)
                .map(|_| (0..length).map(|_| rng.random()).collect())
                .collect();
            assert_eq!(
                context.hash_many(&messages).unwrap(),
                cpu.hash_many(&messages),
                "{count} messages of {length} bytes"
            );
        }
    }
}

#[test]
fn custom_prefixes_up_to_32_bytes_run_on_the_gpu_and_longer_ones_fall_back() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let leaves = random_leaves(777, 9);
    for prefix in [&b"node:"[..], &[0xab; 32]] {
        let flavor = Flavor {
            node_prefix: prefix,
            ..RFC6962
        };
        assert_eq!(
            gpu_root(flavor, &leaves),
            cpu_root(flavor, &leaves),
            "{prefix:?}"
        );
        let data: Vec<[u8; 7]> = (0..300u16).map(|i| [i as u8; 7]).collect();
        let leaf_flavor = Flavor {
            leaf: merkle::LeafRule::Hash { prefix },
            ..BITCOIN
        };
        assert_eq!(
            Merkle::new(leaf_flavor)
                .with_backend(Backend::Gpu)
                .leaf_hashes(&data)
                .unwrap(),
            Merkle::new(leaf_flavor)
                .with_backend(Backend::Cpu)
                .leaf_hashes(&data)
                .unwrap()
        );
    }
    let long = Flavor {
        node_prefix: &[0xcd; 33],
        ..SSZ
    };
    let report = Merkle::new(long)
        .with_backend(Backend::Gpu)
        .root_report(&leaves)
        .unwrap();
    assert_eq!(report.root, cpu_root(long, &leaves).0);
    assert_eq!(report.execution.backend, Backend::Cpu);
    assert!(report
        .execution
        .fallback
        .unwrap()
        .contains("33-byte prefix"));
}

#[test]
fn messages_of_different_lengths_fall_back_to_the_cpu_with_a_reason() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let messages = [&b"abc"[..], b"abcd"];
    let (digests, execution) = Hasher::new()
        .with_backend(Backend::Gpu)
        .hash_many_report(&messages);
    assert_eq!(
        digests,
        Hasher::new()
            .with_backend(Backend::Cpu)
            .hash_many(&messages)
    );
    assert_eq!(execution.backend, Backend::Cpu);
    assert!(execution.fallback.unwrap().contains("different lengths"));
}

#[test]
fn auto_never_picks_a_software_adapter() {
    let Some(context) = common::gpu_or_skip() else {
        return;
    };
    let leaves = random_leaves(batchverify::gpu_crossover(), 7);
    let report = Merkle::new(SSZ)
        .with_backend(Backend::Auto)
        .root_report(&leaves)
        .unwrap();
    let expected = if context.adapter().hardware {
        Backend::Gpu
    } else {
        Backend::Cpu
    };
    assert_eq!(report.execution.backend, expected);
    assert_eq!(report.execution.fallback, None);
    assert_eq!(report.root, cpu_root(SSZ, &leaves).0);
    let tree = Merkle::new(SSZ)
        .with_backend(Backend::Auto)
        .tree(&leaves)
        .unwrap();
    assert_eq!(tree.execution().backend, expected);
    assert_eq!(tree.root(), report.root);
    // Batch hashing stays on the CPU under `Auto`, whatever the adapter.
    let (_, hashing) = Hasher::new()
        .with_backend(Backend::Auto)
        .hash_many_report(&leaves);
    assert_eq!(hashing.backend, Backend::Cpu);
}

#[test]
fn rfc6962_reference_tree_on_the_gpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let Some((reference, data)) = common::rfc6962_reference_tree() else {
        return;
    };
    let gpu = Merkle::new(RFC6962).with_backend(Backend::Gpu);
    let leaves = gpu.leaf_hashes(&data).unwrap();
    assert_eq!(leaves, merkle::leaf_hashes(&data, &RFC6962).unwrap());
    let roots = reference["root_hash_by_tree_size_hex"].as_array().unwrap();
    assert_eq!(roots.len(), 9);
    for (size, want) in roots.iter().enumerate() {
        assert_eq!(
            gpu_root(RFC6962, &leaves[..size]).0.to_vec(),
            common::unhex(want),
            "size {size}"
        );
    }
}

#[test]
fn bitcoin_block_roots_on_the_gpu() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let Some(blocks) = common::read_json("bitcoin-blocks/blocks.json") else {
        return;
    };
    assert_eq!(blocks.as_array().unwrap().len(), 3);
    for block in blocks.as_array().unwrap() {
        let mut txids = common::block_txids(block["txids_file"].as_str().unwrap()).unwrap();
        let header_root = common::unhex(&block["merkle_root_header_internal_hex"]);
        let (root, mutated) = gpu_root(BITCOIN, &txids);
        assert_eq!(root.to_vec(), header_root, "{}", block["file"]);
        assert!(!mutated);
        if txids.len() % 2 == 1 {
            txids.push(*txids.last().unwrap());
            assert_eq!(gpu_root(BITCOIN, &txids), (root, true), "{}", block["file"]);
        }
    }
}

#[test]
fn a_device_that_does_not_answer_in_time_is_given_up_and_not_waited_on_again() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let context = GpuContext::new(&GpuOptions {
        wait_timeout: Some(std::time::Duration::ZERO),
        ..GpuOptions::default()
    })
    .unwrap();
    // Enough work that no adapter finishes it before the first wait looks.
    let leaves = random_leaves(1 << 18, 9);
    for attempt in ["first", "second"] {
        match context.merkle_root(&SSZ, &leaves) {
            Err(batchverify::gpu::GpuError::DeviceLost(reason)) => {
                assert!(reason.contains("no answer within"), "{attempt}: {reason}")
            }
            other => panic!("{attempt} call: {other:?}"),
        }
    }
}
