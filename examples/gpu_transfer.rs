//! Where the GPU's end-to-end Merkle root spends its time, for a machine with a GPU: the host's
//! own copy rate (what filling staging memory costs at best), the upload (fill and transfer,
//! finished by a kernel-only root), and the end-to-end root that overlaps them.
//!
//! Usage: `cargo run --release --example gpu_transfer -- [LOG2_LEAVES]` (default 24). Prints
//! the median of five runs of each, in GB/s of leaves and in million nodes per second.

use std::time::{Duration, Instant};

use batchverify::merkle::{Digest, SSZ};
use rayon::prelude::*;

/// The median of five timed runs after a warm-up; a run that fails or gives a wrong root ends
/// the program, since timing it would measure nothing.
fn median(what: &str, mut run: impl FnMut() -> bool) -> Duration {
    let mut times = Vec::with_capacity(5);
    for round in 0..6 {
        let started = Instant::now();
        if !run() {
            eprintln!("gpu_transfer: {what} failed or gave a wrong root");
            std::process::exit(1);
        }
        if round > 0 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    times[2]
}

fn main() {
    let log2: u32 = match std::env::args().nth(1).map(|arg| arg.parse()) {
        None => 24,
        Some(Ok(log2)) if (10..=25).contains(&log2) => log2,
        Some(_) => {
            eprintln!("usage: gpu_transfer [LOG2_LEAVES, 10 to 25]");
            std::process::exit(2);
        }
    };
    let context = match batchverify::gpu::shared() {
        Ok(context) => context,
        Err(error) => {
            eprintln!("gpu_transfer: {error}");
            std::process::exit(1);
        }
    };
    let count = 1usize << log2;
    let leaves: Vec<Digest> = (0..count as u64)
        .into_par_iter()
        .map(|i| batchverify::sha256::hash(&i.to_le_bytes()))
        .collect();
    let want = batchverify::merkle::Merkle::new(SSZ)
        .with_backend(batchverify::Backend::Cpu)
        .root(&leaves)
        .expect("an SSZ tree of this size");
    let mut copy = vec![[0u8; 32]; count];
    let host_copy = median("the host copy", || {
        copy.par_chunks_mut(1 << 15)
            .zip(leaves.par_chunks(1 << 15))
            .for_each(|(to, from)| to.copy_from_slice(from));
        copy[count - 1] == leaves[count - 1]
    });
    let upload_then_kernels = median("the upload", || {
        context.upload(&leaves).is_ok_and(|resident| {
            context
                .merkle_root_resident(&SSZ, &resident)
                .is_ok_and(|(root, _)| root == want)
        })
    });
    let resident = match context.upload(&leaves) {
        Ok(resident) => resident,
        Err(error) => {
            eprintln!("gpu_transfer: {error}");
            std::process::exit(1);
        }
    };
    let kernels = median("the kernel-only root", || {
        context
            .merkle_root_resident(&SSZ, &resident)
            .is_ok_and(|(root, _)| root == want)
    });
    let end_to_end = median("the end-to-end root", || {
        context
            .merkle_root(&SSZ, &leaves)
            .is_ok_and(|(root, _)| root == want)
    });
    let bytes = (32 * count) as f64;
    println!(
        "{} leaves on {} with {} threads",
        count,
        context.adapter().name,
        rayon::current_num_threads()
    );
    for (what, took) in [
        ("host copy (parallel memcpy)", host_copy),
        ("upload, then kernel-only root", upload_then_kernels),
        ("kernel-only root", kernels),
        ("end-to-end root (overlapped)", end_to_end),
    ] {
        let seconds = took.as_secs_f64();
        println!(
            "{what:32} {:9.2} ms {:7.1} GB/s {:8.0} M nodes/s",
            seconds * 1e3,
            bytes / seconds / 1e9,
            (count - 1) as f64 / seconds / 1e6
        );
    }
}
