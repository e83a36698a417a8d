//! A GPU that cannot be used never gives a wrong answer: the CPU computes the result, the caller
//! is told why, and a warning is logged. This binary makes the shared GPU context fail on
//! purpose (a buffer limit no adapter meets), so it runs alone in its own process.
#![cfg(feature = "gpu")]

use std::sync::{Mutex, OnceLock};

use batchverify::gpu::{self, GpuError, GpuOptions};
use batchverify::merkle::{Merkle, BITCOIN, RFC6962};
use batchverify::sha256::Hasher;
use batchverify::Backend;

/// Collects log records so the test can see the warning.
struct Recorder(Mutex<Vec<String>>);

impl log::Log for Recorder {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) && record.target().starts_with("batchverify") {
            self.0.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

fn recorder() -> &'static Recorder {
    static RECORDER: OnceLock<&'static Recorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder: &'static Recorder = Box::leak(Box::new(Recorder(Mutex::new(Vec::new()))));
        log::set_logger(recorder).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
        recorder
    })
}

#[test]
fn an_impossible_limit_falls_back_to_the_cpu_with_a_warning() {
    let recorder = recorder();
    let adapter_present = !gpu::adapters().is_empty();
    let impossible = gpu::wgpu::Limits {
        max_buffer_size: u64::MAX,
        max_compute_workgroup_storage_size: u32::MAX,
        ..gpu::wgpu::Limits::default()
    };
    let failure = gpu::init(&GpuOptions {
        required_limits: Some(impossible),
        ..GpuOptions::default()
    })
    .unwrap_err();
    if adapter_present {
        assert!(
            matches!(failure, GpuError::RequestDevice(_)),
            "expected the adapter to refuse the limits, got {failure}"
        );
    }

    let leaves: Vec<[u8; 32]> = (0..1000u32)
        .map(|i| {
            let mut leaf = [0; 32];
            leaf[..4].copy_from_slice(&i.to_le_bytes());
            leaf
        })
        .collect();
    for flavor in [BITCOIN, RFC6962] {
        let report = Merkle::new(flavor)
            .with_backend(Backend::Gpu)
            .root_report(&leaves)
            .unwrap();
        let cpu = Merkle::new(flavor)
            .with_backend(Backend::Cpu)
            .root_and_mutation(&leaves)
            .unwrap();
        assert_eq!((report.root, report.mutated), cpu, "{flavor}");
        assert_eq!(report.execution.backend, Backend::Cpu);
        assert_eq!(report.execution.adapter, None);
        let reason = report.execution.fallback.expect("a fallback reason");
        assert!(reason.contains(&failure.to_string()), "{reason}");
    }

    let (digests, execution) = Hasher::new()
        .with_backend(Backend::Gpu)
        .hash_many_report(&leaves);
    assert_eq!(
        digests,
        Hasher::new().with_backend(Backend::Cpu).hash_many(&leaves)
    );
    assert_eq!(execution.backend, Backend::Cpu);
    assert!(execution.fallback.is_some());

    let warnings = recorder.0.lock().unwrap();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings
        .iter()
        .all(|w| w.contains("computed on the CPU instead")));

    // Auto does not warn: no GPU is an ordinary machine, not a failure.
    drop(warnings);
    Merkle::new(BITCOIN)
        .with_backend(Backend::Auto)
        .root(&leaves)
        .unwrap();
    assert_eq!(recorder.0.lock().unwrap().len(), 3);
}
