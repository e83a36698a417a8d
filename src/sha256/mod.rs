//! SHA-256 (FIPS 180-4): one message, many messages at once, and the 64-byte Merkle node.
//!
//! Many independent messages are what make SHA-256 fast: the SHA extensions interleave several
//! messages to hide the latency of `sha256rnds2`, and the AVX2 and AVX-512 paths put one
//! message in each 32-bit lane (8 or 16 at a time). The path is picked at run time from the
//! CPU's features ([`best_path`]); [`Hasher::with_path`] forces one, so every path can be tested
//! against the portable oracle on any machine that supports it. Results never depend on the
//! path or on how work is split across threads.
//!
//! ```
//! use batchverify::sha256;
//!
//! let digests = sha256::hash_many(&[&b"abc"[..], b""]);
//! assert_eq!(digests[0], sha256::hash(b"abc"));
//! assert_eq!(
//!     digests[1][..4],
//!     [0xe3, 0xb0, 0xc4, 0x42] // SHA-256 of the empty string starts e3b0c442
//! );
//! ```

#![allow(unsafe_code)]

mod calibration;
mod portable;
#[cfg(all(test, feature = "gpu"))]
pub(crate) use portable::schedule_with_constants as portable_schedule_with_constants;

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx2;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx512;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod multilane;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod shani;

use rayon::prelude::*;

pub use crate::backend::HashPath;
use crate::backend::{Backend, Execution};
use crate::Error;

/// A SHA-256 digest.
pub type Digest = [u8; 32];

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The most lanes any kernel uses (AVX-512).
const MAX_LANES: usize = 16;

/// How many messages the SHA extensions interleave: four keep `sha256rnds2` busy on current
/// Intel and AMD cores (BENCHMARKS.md has the comparison).
const SHA_NI_LANES: usize = 4;

/// Below this many compressions a batch runs on the calling thread: splitting costs more than
/// it saves.
const PARALLEL_MIN_BLOCKS: usize = 4096;

/// One message block, aligned so a kernel's lanes sit in consecutive cache lines.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct LaneBlock(pub(crate) [u8; 64]);

/// A compression function over `LANES` independent messages.
///
/// Its instructions may not exist on every CPU, so compressing takes a [`Kernel::Token`], which
/// only [`Kernel::detect`] makes, after finding the features: safe code cannot reach an
/// instruction the CPU lacks. Blocks come as a full [`MAX_LANES`] array, so every lane a kernel
/// reads exists.
pub(crate) trait Kernel {
    const LANES: usize;
    type State: Copy;
    /// Proof that this CPU runs the kernel's instructions.
    type Token: Copy;

    /// The token, when the CPU has the features.
    fn detect() -> Option<Self::Token>;

    fn init() -> Self::State;

    /// Compresses `blocks[lane]` into each lane's state.
    fn compress(token: Self::Token, state: &mut Self::State, blocks: &[LaneBlock; MAX_LANES]);

    /// Compresses one block, given as its schedule with round constants, into every lane.
    fn compress_scheduled(token: Self::Token, state: &mut Self::State, wk: &[u32; 64]);

    fn lane(state: &Self::State, lane: usize) -> [u32; 8];
}

pub use calibration::{calibration, Calibration};

/// The code paths this CPU can run, in the order a kernel must beat by a clear margin to be
/// chosen ([`calibration`] times them). AVX-512 comes first because on Intel cores the
/// `sha256rnds2` unit's throughput, not its latency, is the limit, so sixteen lanes of
/// ordinary vector code hash about 1.8x as many Merkle nodes per second (BENCHMARKS.md).
pub fn supported_paths() -> Vec<HashPath> {
    let mut paths = Vec::new();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if avx512_supported() {
            paths.push(HashPath::Avx512);
        }
        if sha_ni_supported() {
            paths.push(HashPath::ShaNi);
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            paths.push(HashPath::Avx2);
        }
    }
    paths.push(HashPath::Portable);
    paths
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn sha_ni_supported() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("sha") && has!("ssse3") && has!("sse4.1")
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn avx512_supported() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("avx512f") && has!("avx512bw")
}

/// The fastest way through a single message: the SHA extensions on one lane when the CPU has
/// them (vector kernels would leave all but one lane idle).
fn best_single_message_kernel() -> KernelChoice {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if sha_ni_supported() {
        return KernelChoice::ShaNiOneLane;
    }
    KernelChoice::Path(HashPath::Portable)
}

/// The path [`hash_many`], [`hash_pairs`] and [`Hasher::new`] use on this CPU for Merkle nodes
/// and other messages of up to two compressions (119 bytes): the fastest [`calibration`]
/// measured. Longer messages take [`Calibration::long`].
pub fn best_path() -> HashPath {
    calibration().short
}

/// SHA-256 of one message on the best path.
pub fn hash(data: &[u8]) -> Digest {
    Hasher::new().hash(data)
}

/// SHA-256 of each message, in order, on the best path and all of rayon's threads.
pub fn hash_many<M: AsRef<[u8]> + Sync>(messages: &[M]) -> Vec<Digest> {
    Hasher::new().hash_many(messages)
}

/// The Merkle node fast path: digest `i` is SHA-256(`children[2i]` ‖ `children[2i + 1]`).
/// An odd trailing child is ignored.
pub fn hash_pairs(children: &[Digest]) -> Vec<Digest> {
    Hasher::new().hash_pairs(children)
}

/// A SHA-256 engine bound to one code path and threading mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hasher {
    path: HashPath,
    /// The path for messages longer than two compressions.
    long_path: HashPath,
    /// The kernel for one message at a time (`hash`, Merkle nodes on proof paths).
    single: KernelChoice,
    parallel: bool,
    backend: Backend,
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl Hasher {
    /// The best path for this CPU, using rayon's threads for large batches.
    pub fn new() -> Self {
        let calibration = calibration();
        Hasher {
            path: calibration.short,
            long_path: calibration.long,
            single: best_single_message_kernel(),
            parallel: true,
            backend: Backend::configured(),
        }
    }

    /// Forces the CPU `path` for batches and single messages alike (so the backend is
    /// [`Backend::Cpu`], whatever `BATCHVERIFY_BACKEND` says; `with_backend` changes it);
    /// [`Error::UnsupportedPath`] if this CPU cannot run it.
    pub fn with_path(path: HashPath) -> Result<Self, Error> {
        if supported_paths().contains(&path) {
            let single = match path {
                HashPath::ShaNi => KernelChoice::ShaNiOneLane,
                other => KernelChoice::Path(other),
            };
            Ok(Hasher {
                path,
                long_path: path,
                single,
                parallel: true,
                backend: Backend::Cpu,
            })
        } else {
            Err(Error::UnsupportedPath { path })
        }
    }

    /// Runs every batch on the calling thread.
    pub fn sequential(self) -> Self {
        Hasher {
            parallel: false,
            ..self
        }
    }

    /// Runs [`Hasher::hash_many`] (and the Merkle roots of a [`crate::merkle::Merkle`] built on
    /// this hasher) on `backend`. The default is [`Backend::from_env`] ([`Backend::Cpu`] after
    /// [`Hasher::with_path`]). Batches the GPU cannot take (messages of different lengths) run
    /// on the CPU.
    pub fn with_backend(self, backend: Backend) -> Self {
        Hasher { backend, ..self }
    }

    /// The backend [`Hasher::hash_many`] asks for.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The CPU code path this hasher runs for Merkle nodes and messages of up to two
    /// compressions (119 bytes).
    pub fn path(&self) -> HashPath {
        self.path
    }

    /// The CPU code path this hasher runs for batches of `length`-byte messages.
    pub fn path_for_length(&self, length: usize) -> HashPath {
        if block_count(length) > calibration::SHORT_BLOCKS {
            self.long_path
        } else {
            self.path
        }
    }

    /// SHA-256 of one message.
    pub fn hash(&self, data: &[u8]) -> Digest {
        let mut out = [[0; 32]];
        let job = Job {
            prefix: &[],
            double: false,
        };
        self.single.run(&job, &|_| data, 0..1, &mut out, None);
        out[0]
    }

    /// One Merkle node: `job.prefix ‖ left ‖ right`, hashed as `job` says.
    pub(crate) fn node(&self, job: &Job<'_>, left: &Digest, right: &Digest) -> Digest {
        let mut body = [0u8; 64];
        body[..32].copy_from_slice(left);
        body[32..].copy_from_slice(right);
        let mut out = [[0; 32]];
        let tail = uniform_tail_schedule(job.prefix.len() + 64);
        self.single
            .run(job, &|_| &body[..], 0..1, &mut out, tail.as_ref());
        out[0]
    }

    /// SHA-256 of each message, in order.
    pub fn hash_many<M: AsRef<[u8]> + Sync>(&self, messages: &[M]) -> Vec<Digest> {
        self.hash_many_report(messages).0
    }

    /// [`Hasher::hash_many`], and whether the CPU or the GPU computed it.
    pub fn hash_many_report<M: AsRef<[u8]> + Sync>(
        &self,
        messages: &[M],
    ) -> (Vec<Digest>, Execution) {
        let job = Job {
            prefix: &[],
            double: false,
        };
        self.hash_messages_placed(&job, messages)
    }

    /// [`Hasher::hash_messages`] on this hasher's backend.
    pub(crate) fn hash_messages_placed<M: AsRef<[u8]> + Sync>(
        &self,
        job: &Job<'_>,
        messages: &[M],
    ) -> (Vec<Digest>, Execution) {
        let mut out = vec![[0; 32]; messages.len()];
        #[cfg(feature = "gpu")]
        let execution =
            match crate::gpu::attempt(self.backend, crate::gpu::GpuWork::Hashing, |context| {
                context.hash_messages(job.prefix, job.double, messages, &mut out)
            }) {
                Ok(((), execution)) => return (out, execution),
                Err(execution) => execution,
            };
        #[cfg(not(feature = "gpu"))]
        let execution = crate::backend::cpu_only(self.backend);
        self.hash_messages(job, messages, &mut out);
        (out, execution)
    }

    /// Digest `i` is SHA-256(`children[2i]` ‖ `children[2i + 1]`); an odd trailing child is
    /// ignored.
    pub fn hash_pairs(&self, children: &[Digest]) -> Vec<Digest> {
        let mut out = vec![[0; 32]; children.len() / 2];
        self.hash_pairs_into(
            &Job {
                prefix: &[],
                double: false,
            },
            children,
            &mut out,
        );
        out
    }

    /// Hashes `prefix ‖ children[2i] ‖ children[2i + 1]` into `out[i]` (twice when `double`).
    pub(crate) fn hash_pairs_into(&self, job: &Job<'_>, children: &[Digest], out: &mut [Digest]) {
        debug_assert!(children.len() / 2 >= out.len());
        let bytes = children.as_flattened();
        let body = |i: usize| &bytes[64 * i..64 * i + 64];
        let tail = uniform_tail_schedule(job.prefix.len() + 64);
        self.run_split(job, &body, out, 2, tail.as_ref());
    }

    /// Hashes `prefix ‖ messages[i]` into `out[i]` (twice when `double`).
    pub(crate) fn hash_messages<M: AsRef<[u8]> + Sync>(
        &self,
        job: &Job<'_>,
        messages: &[M],
        out: &mut [Digest],
    ) {
        debug_assert_eq!(messages.len(), out.len());
        let Some(first) = messages.first() else {
            return;
        };
        let first_len = first.as_ref().len();
        let blocks_per = |len: usize| block_count(job.prefix.len() + len);
        if messages.iter().all(|m| m.as_ref().len() == first_len) {
            let body = |i: usize| messages[i].as_ref();
            let tail = uniform_tail_schedule(job.prefix.len() + first_len);
            self.run_split(job, &body, out, blocks_per(first_len), tail.as_ref());
            return;
        }
        // Lanes of one kernel call must wait for their longest message, so messages of similar
        // length go together.
        let mut order: Vec<usize> = (0..messages.len()).collect();
        order.sort_by_key(|&i| blocks_per(messages[i].as_ref().len()));
        let total_blocks: usize = messages.iter().map(|m| blocks_per(m.as_ref().len())).sum();
        let mut sorted = vec![[0; 32]; messages.len()];
        let body = |i: usize| messages[order[i]].as_ref();
        let average = total_blocks.div_ceil(messages.len());
        self.run_split(job, &body, &mut sorted, average, None);
        for (digest, &i) in sorted.into_iter().zip(&order) {
            out[i] = digest;
        }
    }

    /// Splits `out` into chunks across rayon's threads when the work is large enough.
    fn run_split<'a, F>(
        &self,
        job: &Job<'_>,
        body: &F,
        out: &mut [Digest],
        blocks_per_message: usize,
        tail: Option<&[u32; 64]>,
    ) where
        F: Fn(usize) -> &'a [u8] + Sync,
    {
        let n = out.len();
        let path = KernelChoice::Path(if blocks_per_message > calibration::SHORT_BLOCKS {
            self.long_path
        } else {
            self.path
        });
        if !self.parallel || n * blocks_per_message < PARALLEL_MIN_BLOCKS {
            path.run(job, body, 0..n, out, tail);
            return;
        }
        let pieces = 4 * rayon::current_num_threads();
        let chunk = n.div_ceil(pieces).next_multiple_of(MAX_LANES);
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(piece, slots)| {
                let start = piece * chunk;
                path.run(job, body, start..start + slots.len(), slots, tail);
            });
    }
}

/// What to hash around each message body.
pub(crate) struct Job<'a> {
    /// Bytes hashed before every body (RFC 6962's domain separation bytes).
    pub(crate) prefix: &'a [u8],
    /// Hash the digest once more (Bitcoin's SHA256d).
    pub(crate) double: bool,
}

/// The kernel a call runs: a path's batch kernel, or SHA-NI on a single lane (for one message,
/// where interleaving has nothing to interleave).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KernelChoice {
    Path(HashPath),
    ShaNiOneLane,
}

impl KernelChoice {
    /// Hashes message `i` of `range` (body `body(i)`) into `out[i - range.start]`.
    fn run<'a, F>(
        self,
        job: &Job<'_>,
        body: &F,
        range: std::ops::Range<usize>,
        out: &mut [Digest],
        tail: Option<&[u32; 64]>,
    ) where
        F: Fn(usize) -> &'a [u8] + Sync,
    {
        match self {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            KernelChoice::ShaNiOneLane => run::<shani::ShaNi<1>, F>(job, body, range, out, tail),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            KernelChoice::Path(HashPath::ShaNi) => {
                run::<shani::ShaNi<SHA_NI_LANES>, F>(job, body, range, out, tail)
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            KernelChoice::Path(HashPath::Avx512) => {
                run::<avx512::Avx512, F>(job, body, range, out, tail)
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            KernelChoice::Path(HashPath::Avx2) => run::<avx2::Avx2, F>(job, body, range, out, tail),
            _ => run::<portable::Portable, F>(job, body, range, out, tail),
        }
    }
}

/// Compressions for a message of `len` bytes: the data, the 0x80 byte and the 64-bit length.
fn block_count(len: usize) -> usize {
    (len + 8) / 64 + 1
}

/// When every message is `len` bytes and `len` is a multiple of 64, the last block is the same
/// padding for all of them: its schedule is computed once here instead of in every lane, and
/// for the 64-byte Merkle node, whose single hashes sit on the proof-verification path, once
/// per process.
fn uniform_tail_schedule(len: usize) -> Option<[u32; 64]> {
    static AFTER_64_BYTES: std::sync::OnceLock<[u32; 64]> = std::sync::OnceLock::new();
    let padding = |len: usize| {
        let mut block = [0u8; 64];
        block[0] = 0x80;
        block[56..].copy_from_slice(&(len as u64 * 8).to_be_bytes());
        portable::schedule_with_constants(&block)
    };
    match len {
        64 => Some(*AFTER_64_BYTES.get_or_init(|| padding(64))),
        _ if len.is_multiple_of(64) => Some(padding(len)),
        _ => None,
    }
}

/// Writes block `index` of the padded message `prefix ‖ body ‖ 0x80 ‖ 0… ‖ bit length`.
fn write_block(prefix: &[u8], body: &[u8], index: usize, dst: &mut [u8; 64]) {
    let start = 64 * index;
    let len = prefix.len() + body.len();
    if prefix.is_empty() && start + 64 <= len {
        dst.copy_from_slice(&body[start..start + 64]);
        return;
    }
    dst.fill(0);
    for (segment, at) in [(prefix, 0), (body, prefix.len())] {
        let from = at.max(start);
        let to = (at + segment.len()).min(start + 64);
        if from < to {
            dst[from - start..to - start].copy_from_slice(&segment[from - at..to - at]);
        }
    }
    if (start..start + 64).contains(&len) {
        dst[len - start] = 0x80;
    }
    if index + 1 == block_count(len) {
        dst[56..].copy_from_slice(&(len as u64 * 8).to_be_bytes());
    }
}

fn state_bytes(state: [u32; 8]) -> Digest {
    let mut digest = [0; 32];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Hashes the messages of `range` with kernel `K`: `job.prefix ‖ body(i)` into
/// `out[i - range.start]`, then once more for SHA256d.
fn run<'a, K: Kernel, F>(
    job: &Job<'_>,
    body: &F,
    range: std::ops::Range<usize>,
    out: &mut [Digest],
    tail: Option<&[u32; 64]>,
) where
    F: Fn(usize) -> &'a [u8],
{
    let Some(token) = K::detect() else {
        // Only reached for a path this CPU lacks, which no `Hasher` is built with.
        return run::<portable::Portable, F>(job, body, range, out, tail);
    };
    hash_once::<K, F>(token, job.prefix, body, range, out, tail);
    if job.double {
        // A stack copy per kernel group: no allocation on the single-node path of proofs.
        for group in out.chunks_mut(MAX_LANES) {
            let mut firsts = [[0u8; 32]; MAX_LANES];
            firsts[..group.len()].copy_from_slice(group);
            let digest = |i: usize| &firsts[i][..];
            hash_once::<K, _>(token, &[], &digest, 0..group.len(), group, None);
        }
    }
}

/// `K::LANES` messages at a time. `tail`, when given, is the shared last block of messages that
/// all have the same length.
fn hash_once<'a, K: Kernel, F>(
    token: K::Token,
    prefix: &[u8],
    body: &F,
    range: std::ops::Range<usize>,
    out: &mut [Digest],
    tail: Option<&[u32; 64]>,
) where
    F: Fn(usize) -> &'a [u8],
{
    let first = range.start;
    let mut blocks = [LaneBlock([0; 64]); MAX_LANES];
    let mut group_start = range.start;
    while group_start < range.end {
        let group = group_start..(group_start + K::LANES).min(range.end);
        let mut lens = [0; MAX_LANES];
        for (lane, i) in group.clone().enumerate() {
            lens[lane] = prefix.len() + body(i).len();
        }
        let lanes = group.len();
        let finish = lens.map(block_count);
        let rounds = finish[..lanes].iter().copied().max().unwrap_or(0);
        let mut state = K::init();
        for index in 0..rounds {
            match tail {
                Some(wk) if index + 1 == rounds => K::compress_scheduled(token, &mut state, wk),
                _ => {
                    for (lane, i) in group.clone().enumerate() {
                        if index < finish[lane] {
                            write_block(prefix, body(i), index, &mut blocks[lane].0);
                        }
                    }
                    K::compress(token, &mut state, &blocks);
                }
            }
            for (lane, i) in group.clone().enumerate() {
                if finish[lane] == index + 1 {
                    out[i - first] = state_bytes(K::lane(&state, lane));
                }
            }
        }
        group_start = group.end;
    }
}

#[cfg(all(test, any(target_arch = "x86", target_arch = "x86_64")))]
mod tests {
    use super::*;

    #[test]
    fn kernel_tokens_exist_exactly_where_the_cpu_has_the_path() {
        let paths = supported_paths();
        assert_eq!(
            avx512::Avx512::detect().is_some(),
            paths.contains(&HashPath::Avx512)
        );
        assert_eq!(
            avx2::Avx2::detect().is_some(),
            paths.contains(&HashPath::Avx2)
        );
        assert_eq!(
            shani::ShaNi::<SHA_NI_LANES>::detect().is_some(),
            paths.contains(&HashPath::ShaNi)
        );
    }
}
