//! A lost GPU device is replaced: a context held across the loss fails with `DeviceLost` (and
//! the dispatch falls back to the CPU), and the next call through the shared context runs on a
//! new device. It destroys the shared device on purpose, so it runs alone in its own process.
#![cfg(feature = "gpu")]

mod common;

use std::sync::Arc;

use batchverify::gpu;
use batchverify::merkle::{Merkle, RFC6962};
use batchverify::Backend;

#[test]
fn a_lost_device_is_replaced_on_the_next_call() {
    let Some(first) = common::gpu_or_skip() else {
        return;
    };
    let leaves: Vec<[u8; 32]> = (0..777u32)
        .map(|i| {
            let mut leaf = [0; 32];
            leaf[..4].copy_from_slice(&i.to_le_bytes());
            leaf
        })
        .collect();
    let gpu = Merkle::new(RFC6962).with_backend(Backend::Gpu);
    let want = Merkle::new(RFC6962)
        .with_backend(Backend::Cpu)
        .root(&leaves)
        .unwrap();
    let before = gpu.root_report(&leaves).unwrap();
    assert_eq!(
        (before.root, before.execution.backend),
        (want, Backend::Gpu)
    );

    first.destroy();
    let report = gpu.root_report(&leaves).unwrap();
    assert_eq!(report.root, want);
    assert_eq!(
        report.execution.backend,
        Backend::Gpu,
        "the call after the loss runs on a new device: {:?}",
        report.execution.fallback
    );
    let second = gpu::shared().unwrap();
    assert!(
        !Arc::ptr_eq(&first, &second),
        "the lost context was replaced"
    );

    // A loss in the middle of use: the context held by the caller is dead, the shared one
    // comes back again.
    second.destroy();
    let error = second
        .merkle_root(&RFC6962, &leaves)
        .expect_err("a destroyed device computes nothing");
    assert!(matches!(error, gpu::GpuError::DeviceLost(_)), "{error}");
    let report = gpu.root_report(&leaves).unwrap();
    assert_eq!(
        (report.root, report.execution.backend),
        (want, Backend::Gpu)
    );
}
