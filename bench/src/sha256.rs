//! SHA-256: `hash_many` against the `sha2` crate hashing one message at a time.

use std::sync::Arc;

use batchverify::gpu::GpuContext;
use batchverify::sha256::{Digest, Hasher};
use batchverify::Backend;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::case::SHA256_MESSAGES;
use crate::{Case, Spec, Sweep};

/// `count` random messages of `len` bytes, separately allocated as callers hold them.
pub fn messages(count: usize, len: usize) -> Vec<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(len as u64);
    (0..count)
        .map(|_| (0..len).map(|_| rng.random()).collect())
        .collect()
}

/// The peer: `sha2` one message at a time, messages spread over the threads.
pub fn sha2_loop(messages: &[Vec<u8>]) -> Vec<Digest> {
    use sha2::Digest as _;
    messages
        .par_iter()
        .map(|m| sha2::Sha256::digest(m).into())
        .collect()
}

/// Ours with the kernel the calibration chose, then (in the batch-size sweep) every kernel this
/// CPU has, forced, so the table shows whether the choice was right; the GPU's; the peer.
pub(crate) fn cases(spec: &Spec, count: usize, gpu: Option<&Arc<GpuContext>>) -> Vec<Case> {
    let len = spec.size;
    let inputs = Arc::new(messages(count, len));
    let want = Arc::new(sha2_loop(&inputs));
    // Stays on the CPU whatever `Auto` would choose for this size.
    let hasher = Hasher::new().with_backend(Backend::Cpu);
    let path = hasher.path_for_length(len).to_string();
    let mut cases = vec![Case::new("batchverify", "hash_many", {
        let (inputs, want) = (inputs.clone(), want.clone());
        move || hasher.hash_many(&inputs) == *want
    })
    .path(path)];
    if spec.sweep == Sweep::BatchSize {
        for kernel in batchverify::sha256::supported_paths() {
            let hasher = Hasher::with_path(kernel)
                .expect("a supported kernel")
                .with_backend(Backend::Cpu);
            let (inputs, want) = (inputs.clone(), want.clone());
            cases.push(
                Case::new(
                    "batchverify",
                    &format!("hash_many, {kernel} kernel forced"),
                    move || hasher.hash_many(&inputs) == *want,
                )
                .path(kernel),
            );
        }
    }
    if let Some(context) = gpu.filter(|_| spec.sweep == Sweep::BatchSize) {
        let context = context.clone();
        let adapter = context.adapter().name.clone();
        let (inputs, want) = (inputs.clone(), want.clone());
        cases.push(
            Case::new("batchverify", "hash_many", move || {
                context
                    .hash_many(&inputs)
                    .is_ok_and(|digests| digests == *want)
            })
            .on_gpu(&adapter),
        );
    }
    cases.push(Case::new("sha2", "digest loop", move || sha2_loop(&inputs) == *want).baseline());
    cases
}

/// `sha2::compress256` over one long chain of dependent blocks.
pub(crate) fn floor() -> Case {
    let blocks = vec![[0x5au8; 64]; SHA256_MESSAGES];
    let sha = batchverify::cpu_info().features.contains(&"sha");
    Case::new("sha2", "compress256 chain", move || {
        let mut state = [0u32; 8];
        sha2::block_api::compress256(&mut state, std::hint::black_box(&blocks));
        std::hint::black_box(state) != [0; 8]
    })
    .path(if sha { "sha-ni" } else { "software" })
}
