//! SHA-256 and SM3: `hash_many` against the `sha2` and `sm3` crates hashing one message at a
//! time.

use std::sync::Arc;

use batchverify::gpu::GpuContext;
use batchverify::sha256::Digest;
use batchverify::{Backend, HashPath};
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

/// The hash a row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sm3,
}

/// The peer: `sha2` one message at a time, messages spread over the threads.
pub fn sha2_loop(messages: &[Vec<u8>]) -> Vec<Digest> {
    use sha2::Digest as _;
    messages
        .par_iter()
        .map(|m| sha2::Sha256::digest(m).into())
        .collect()
}

/// The SM3 peer: the `sm3` crate one message at a time, messages spread over the threads.
fn sm3_loop(messages: &[Vec<u8>]) -> Vec<Digest> {
    use sm3::Digest as _;
    messages
        .par_iter()
        .map(|m| sm3::Sm3::digest(m).into())
        .collect()
}

type HashMany = Box<dyn Fn(&[Vec<u8>]) -> Vec<Digest> + Send + Sync>;

/// Our CPU batch hasher for `hash` on the calibrated kernel or a forced one, and the kernel it
/// runs for `len`-byte messages. Stays on the CPU whatever `Auto` would choose for the size.
fn ours(hash: Hash, forced: Option<HashPath>, len: usize) -> (HashMany, HashPath) {
    match hash {
        Hash::Sha256 => {
            let hasher = forced
                .map_or_else(
                    || Ok(batchverify::sha256::Hasher::new()),
                    batchverify::sha256::Hasher::with_path,
                )
                .expect("a supported kernel")
                .with_backend(Backend::Cpu);
            let path = hasher.path_for_length(len);
            (Box::new(move |m| hasher.hash_many(m)), path)
        }
        Hash::Sm3 => {
            let hasher = forced
                .map_or_else(
                    || Ok(batchverify::sm3::Hasher::new()),
                    batchverify::sm3::Hasher::with_path,
                )
                .expect("a supported kernel")
                .with_backend(Backend::Cpu);
            let path = hasher.path_for_length(len);
            (Box::new(move |m| hasher.hash_many(m)), path)
        }
    }
}

/// Ours with the kernel the calibration chose, then (in the batch-size sweep) every kernel this
/// CPU has, forced, so the table shows whether the choice was right; the GPU's (SHA-256); the
/// peer.
pub(crate) fn cases(
    spec: &Spec,
    hash: Hash,
    count: usize,
    gpu: Option<&Arc<GpuContext>>,
) -> Vec<Case> {
    let len = spec.size;
    let inputs = Arc::new(messages(count, len));
    let peer_loop = match hash {
        Hash::Sha256 => sha2_loop,
        Hash::Sm3 => sm3_loop,
    };
    let want = Arc::new(peer_loop(&inputs));
    let (hash_many, path) = ours(hash, None, len);
    let mut cases = vec![Case::new("batchverify", "hash_many", {
        let (inputs, want) = (inputs.clone(), want.clone());
        move || hash_many(&inputs) == *want
    })
    .path(path)];
    if spec.sweep == Sweep::BatchSize {
        let kernels = match hash {
            Hash::Sha256 => batchverify::sha256::supported_paths(),
            Hash::Sm3 => batchverify::sm3::supported_paths(),
        };
        for kernel in kernels {
            let (hash_many, _) = ours(hash, Some(kernel), len);
            let (inputs, want) = (inputs.clone(), want.clone());
            cases.push(
                Case::new(
                    "batchverify",
                    &format!("hash_many, {kernel} kernel forced"),
                    move || hash_many(&inputs) == *want,
                )
                .path(kernel),
            );
        }
    }
    let gpu = gpu.filter(|_| spec.sweep == Sweep::BatchSize && hash == Hash::Sha256);
    if let Some(context) = gpu {
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
    let peer = match hash {
        Hash::Sha256 => "sha2",
        Hash::Sm3 => "sm3 (RustCrypto)",
    };
    cases.push(Case::new(peer, "digest loop", move || peer_loop(&inputs) == *want).baseline());
    cases
}

/// The bounds a Merkle tree's per-core rate is judged against, in compressions per second on
/// one thread: `sha2::compress256` over one long chain of dependent blocks (the SHA-NI floor,
/// each compression waiting on the one before), and each of our kernels on Merkle nodes whose
/// children sit in cache (the ceiling of its lanes; a node is two compressions).
pub(crate) fn floor_and_ceilings() -> Vec<Case> {
    let blocks = vec![[0x5au8; 64]; SHA256_MESSAGES];
    let sha = batchverify::cpu_info().features.contains(&"sha");
    let mut cases = vec![Case::new("sha2", "compress256 chain", move || {
        let mut state = [0u32; 8];
        sha2::block_api::compress256(&mut state, std::hint::black_box(&blocks));
        std::hint::black_box(state) != [0; 8]
    })
    .path(if sha { "sha-ni" } else { "software" })];
    // 256 children (8 KiB) hashed again and again: they stay in L1, and the digests fit a heap
    // block that is reused instead of fresh pages each call.
    const CHILDREN: usize = 256;
    let children: Arc<Vec<Digest>> = Arc::new(
        (0..CHILDREN)
            .map(|i| sha2_loop(&[i.to_le_bytes().to_vec()])[0])
            .collect(),
    );
    let want = Arc::new(sha2_loop(&[children[..2].as_flattened().to_vec()])[0]);
    for kernel in batchverify::sha256::supported_paths() {
        let hasher = batchverify::sha256::Hasher::with_path(kernel)
            .expect("a supported kernel")
            .sequential();
        let (children, want) = (children.clone(), want.clone());
        cases.push(
            Case::new("batchverify", "hash_pairs of nodes in L1", move || {
                (0..SHA256_MESSAGES / CHILDREN)
                    .all(|_| hasher.hash_pairs(std::hint::black_box(&children))[0] == *want)
            })
            .path(kernel),
        );
    }
    cases
}
