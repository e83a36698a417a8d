//! Every SHA-256 kernel this CPU has, forced one at a time, against the `sha2` crate, on one
//! thread and the same equal-length messages (16 MiB per length): the table behind the
//! calibrated choice `batchverify info` reports.
//!
//! Usage: `cargo run --release --example sha256_paths`. Prints MB/s, the best of five runs.

use std::time::Instant;

use batchverify::sha256::{calibration, supported_paths, Hasher};

const LENGTHS: [usize; 6] = [32, 64, 256, 1024, 4096, 65536];

fn best_rate(bytes: usize, mut run: impl FnMut()) -> f64 {
    let fastest = (0..5)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min);
    bytes as f64 / fastest / 1e6
}

fn main() {
    let paths = supported_paths();
    let calibration = calibration();
    println!(
        "calibrated: {} for short messages, {} for long ones",
        calibration.short, calibration.long
    );
    let mut header = format!("{:>8}", "bytes");
    for path in &paths {
        header += &format!(" {:>10}", path.to_string());
    }
    println!("{header} {:>10} (MB/s, one thread)", "sha2");
    for length in LENGTHS {
        let count = (16 << 20) / length;
        let messages: Vec<Vec<u8>> = (0..count)
            .map(|i| (0..length).map(|j| (i ^ j) as u8).collect())
            .collect();
        let bytes = count * length;
        let mut line = format!("{length:>8}");
        for &path in &paths {
            let hasher = Hasher::with_path(path)
                .expect("a supported path")
                .sequential();
            let rate = best_rate(bytes, || {
                std::hint::black_box(hasher.hash_many(&messages));
            });
            line += &format!(" {rate:>10.0}");
        }
        let rate = best_rate(bytes, || {
            use sha2::Digest as _;
            let digests: Vec<[u8; 32]> = messages
                .iter()
                .map(|m| sha2::Sha256::digest(m).into())
                .collect();
            std::hint::black_box(digests);
        });
        println!("{line} {rate:>10.0}");
    }
}
