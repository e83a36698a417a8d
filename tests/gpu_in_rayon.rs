//! A checked GPU root asked for by a rayon worker finishes. It sizes the global pool to one
//! thread, so it runs alone in its own process.
#![cfg(feature = "gpu")]

mod common;

use batchverify::merkle::{Merkle, BITCOIN};
use batchverify::Backend;

/// Failed before (it hung): the CPU's mutation scan ran on a thread of its own, its parallel
/// part queued for the pool's one worker, which was the caller, waiting for that thread.
#[test]
fn a_gpu_root_from_the_only_rayon_worker_finishes() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .unwrap();
    // Over 4,096 leaves, so that the scan's first level runs in parallel.
    let leaves: Vec<[u8; 32]> = (0..8192u32)
        .map(|i| batchverify::sha256::hash(&i.to_le_bytes()))
        .collect();
    let on_gpu = Merkle::new(BITCOIN).with_backend(Backend::Gpu);
    let (report, ()) = rayon::join(|| on_gpu.root_report(&leaves).unwrap(), || ());
    assert_eq!(report.execution.backend, Backend::Gpu, "{report:?}");
    let cpu = Merkle::new(BITCOIN).with_backend(Backend::Cpu);
    assert_eq!(
        (report.root, report.mutated),
        cpu.root_and_mutation(&leaves).unwrap()
    );
}
