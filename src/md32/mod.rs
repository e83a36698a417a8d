//! What SHA-256 and SM3 share: both are Merkle–Damgård hashes over 32-bit big-endian words, with
//! 64-byte blocks, the same padding and a 256-bit state. Only the compression function differs,
//! so one engine ([`Hasher`]) drives both: it pads, groups messages by length, fills the lanes of
//! a kernel, reuses the schedule of a padding block every message shares, splits batches across
//! rayon's threads and calibrates which kernel is fastest on this CPU. An [`Algorithm`] supplies
//! the compression, portable and written once for any vector of lanes.

#![allow(unsafe_code)]

pub(crate) mod calibration;
pub(crate) mod pages;
mod portable;

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx2;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod avx512;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
pub(crate) mod vector;

use std::marker::PhantomData;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::backend::{Backend, Execution, HashPath};
use crate::Error;
pub use calibration::Calibration;
pub(crate) use portable::NoNative;

/// A 32-byte digest (SHA-256 or SM3).
pub type Digest = [u8; 32];

/// The most lanes any kernel uses (AVX-512).
pub(crate) const MAX_LANES: usize = 16;

/// Below this many compressions a batch runs on the calling thread: splitting costs more than
/// it saves.
const PARALLEL_MIN_BLOCKS: usize = 4096;

/// The block each lane of a kernel compresses next: inside the caller's message where a whole
/// block of it is there to read, else a padded copy.
pub type Blocks<'a> = [&'a [u8; 64]; MAX_LANES];

mod sealed {
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A hash [`Hasher`] runs: SHA-256 ([`crate::sha256::Sha256`]) or SM3 ([`crate::sm3::Sm3`]).
/// Sealed: its functions are the crate's own kernels.
#[allow(private_bounds)]
pub trait Algorithm: Sealed + Sized + Send + Sync + 'static {
    /// The eight state words before the first block.
    const IV: [u32; 8];
    /// A block's expanded message, computed once for a block that every message of a batch
    /// shares (the padding after messages whose length is a multiple of 64 bytes).
    #[doc(hidden)]
    type Schedule: Copy + Send + Sync + 'static;
    /// The kernel on the CPU's dedicated instructions with several messages interleaved, and
    /// the same on one message; [`NoNative`] where the CPU has none for this hash.
    #[doc(hidden)]
    type Native: Kernel<Self>;
    #[doc(hidden)]
    type NativeOneLane: Kernel<Self>;

    #[doc(hidden)]
    fn native_supported() -> bool;

    #[doc(hidden)]
    fn schedule(block: &[u8; 64]) -> Self::Schedule;

    /// The portable compression of one block: the oracle of every other kernel.
    #[doc(hidden)]
    fn compress(state: &mut [u32; 8], block: &[u8; 64]);

    #[doc(hidden)]
    fn compress_scheduled(state: &mut [u32; 8], schedule: &Self::Schedule);

    /// Compresses `blocks[lane]` into each of `V::LANES` word-major lanes at `state`.
    ///
    /// # Safety
    /// The CPU runs `V`'s instructions; `state` holds 8 rows of `V::LANES` words.
    #[doc(hidden)]
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    unsafe fn compress_lanes<V: vector::Vector>(state: *mut u32, blocks: &Blocks<'_>);

    /// Compresses the one block whose schedule is `schedule` into every lane.
    ///
    /// # Safety
    /// As [`Algorithm::compress_lanes`].
    #[doc(hidden)]
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    unsafe fn compress_lanes_scheduled<V: vector::Vector>(
        state: *mut u32,
        schedule: &Self::Schedule,
    );

    /// The schedule of the padding block after a 64-byte message, kept for the process: single
    /// Merkle nodes sit on the proof-verification path.
    #[doc(hidden)]
    fn node_tail() -> &'static OnceLock<Self::Schedule>;

    #[doc(hidden)]
    fn calibration_cell() -> &'static OnceLock<Calibration>;

    /// Which compression the GPU kernels are built with for this hash.
    #[doc(hidden)]
    const ID: HashId;
}

/// The hashes the engine runs, for code that picks per hash at run time (the GPU kernels' shader
/// source, a Merkle flavor's engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashId {
    /// SHA-256.
    Sha256,
    /// SM3.
    Sm3,
}

/// A compression function over `LANES` independent messages.
///
/// Its instructions may not exist on every CPU, so compressing takes a [`Kernel::Token`], which
/// only [`Kernel::detect`] makes, after finding the features: safe code cannot reach an
/// instruction the CPU lacks. Blocks come as a full [`MAX_LANES`] array, so every lane a kernel
/// reads exists.
pub trait Kernel<A: Algorithm> {
    /// Messages per call.
    const LANES: usize;
    /// The state of every lane.
    type State: Copy;
    /// Proof that this CPU runs the kernel's instructions.
    type Token: Copy;

    /// The token, when the CPU has the features.
    fn detect() -> Option<Self::Token>;

    /// Every lane at the initial value.
    fn init() -> Self::State;

    /// Compresses `blocks[lane]` into each lane's state.
    fn compress(token: Self::Token, state: &mut Self::State, blocks: &Blocks<'_>);

    /// Compresses one block, given as its schedule, into every lane.
    fn compress_scheduled(token: Self::Token, state: &mut Self::State, schedule: &A::Schedule);

    /// One lane's state words.
    fn lane(state: &Self::State, lane: usize) -> [u32; 8];

    /// The digests of lanes `0..out.len()`, all at once where the kernel can transpose its
    /// state faster than reading it a lane at a time.
    fn digests(token: Self::Token, state: &Self::State, out: &mut [Digest]) {
        let _ = token;
        for (lane, digest) in out.iter_mut().enumerate() {
            *digest = state_bytes(Self::lane(state, lane));
        }
    }
}

/// The code paths this CPU can run for `A`, in the order a kernel must beat by a clear margin
/// to be chosen ([`calibration::calibration`] times them). AVX-512 comes first because on Intel
/// cores the `sha256rnds2` unit's throughput, not its latency, is the limit, so sixteen lanes of
/// ordinary vector code hash about 1.8x as many SHA-256 Merkle nodes per second
/// (BENCHMARKS.md).
pub(crate) fn supported_paths<A: Algorithm>() -> Vec<HashPath> {
    let mut paths = Vec::new();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if avx512_supported() {
            paths.push(HashPath::Avx512);
        }
        if A::native_supported() {
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
fn avx512_supported() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("avx512f") && has!("avx512bw")
}

/// The fastest way through a single message: the dedicated instructions on one lane when the
/// CPU has them (vector kernels would leave all but one lane idle).
fn best_single_message_kernel<A: Algorithm>() -> KernelChoice {
    if A::native_supported() {
        KernelChoice::NativeOneLane
    } else {
        KernelChoice::Path(HashPath::Portable)
    }
}

/// A hash engine for `A` bound to one code path and threading mode: [`crate::sha256::Hasher`]
/// and [`crate::sm3::Hasher`].
pub struct Hasher<A: Algorithm> {
    path: HashPath,
    /// The path for messages longer than two compressions.
    long_path: HashPath,
    /// The kernel for one message at a time (`hash`, Merkle nodes on proof paths).
    single: KernelChoice,
    parallel: bool,
    backend: Backend,
    algorithm: PhantomData<A>,
}

impl<A: Algorithm> Clone for Hasher<A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Algorithm> Copy for Hasher<A> {}

impl<A: Algorithm> PartialEq for Hasher<A> {
    fn eq(&self, other: &Self) -> bool {
        (
            self.path,
            self.long_path,
            self.single,
            self.parallel,
            self.backend,
        ) == (
            other.path,
            other.long_path,
            other.single,
            other.parallel,
            other.backend,
        )
    }
}

impl<A: Algorithm> Eq for Hasher<A> {}

impl<A: Algorithm> core::fmt::Debug for Hasher<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hasher")
            .field("algorithm", &core::any::type_name::<A>())
            .field("path", &self.path)
            .field("long_path", &self.long_path)
            .field("single", &self.single)
            .field("parallel", &self.parallel)
            .field("backend", &self.backend)
            .finish()
    }
}

impl<A: Algorithm> Default for Hasher<A> {
    fn default() -> Self {
        Hasher::new()
    }
}

impl<A: Algorithm> Hasher<A> {
    /// The best path for this CPU, using rayon's threads for large batches.
    pub fn new() -> Self {
        let calibration = calibration::calibration::<A>();
        Hasher {
            path: calibration.short,
            long_path: calibration.long,
            single: best_single_message_kernel::<A>(),
            parallel: true,
            backend: Backend::configured(),
            algorithm: PhantomData,
        }
    }

    /// Forces the CPU `path` for batches and single messages alike (so the backend is
    /// [`Backend::Cpu`], whatever `BATCHVERIFY_BACKEND` says; `with_backend` changes it);
    /// [`Error::UnsupportedPath`] if this CPU cannot run it for this hash.
    pub fn with_path(path: HashPath) -> Result<Self, Error> {
        if supported_paths::<A>().contains(&path) {
            let single = match path {
                HashPath::ShaNi => KernelChoice::NativeOneLane,
                other => KernelChoice::Path(other),
            };
            Ok(Hasher {
                path,
                long_path: path,
                single,
                parallel: true,
                backend: Backend::Cpu,
                algorithm: PhantomData,
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

    /// The digest of one message.
    pub fn hash(&self, data: &[u8]) -> Digest {
        self.hash_job(&Job::PLAIN, data)
    }

    /// `job.prefix ‖ data`, hashed as `job` says, on the single-message kernel.
    pub(crate) fn hash_job(&self, job: &Job<'_>, data: &[u8]) -> Digest {
        let mut out = [[0; 32]];
        self.single
            .run::<A, _>(job, &|_| data, 0..1, &mut out, None);
        out[0]
    }

    /// Whether batches use rayon's threads.
    pub(crate) fn is_parallel(&self) -> bool {
        self.parallel
    }

    /// One Merkle node: `job.prefix ‖ left ‖ right`, hashed as `job` says.
    pub(crate) fn node(&self, job: &Job<'_>, left: &Digest, right: &Digest) -> Digest {
        let mut body = [0u8; 64];
        body[..32].copy_from_slice(left);
        body[32..].copy_from_slice(right);
        let mut out = [[0; 32]];
        let tail = uniform_tail_schedule::<A>(job.prefix.len() + 64);
        self.single
            .run::<A, _>(job, &|_| &body[..], 0..1, &mut out, tail.as_ref());
        out[0]
    }

    /// The digest of each message, in order.
    pub fn hash_many<M: AsRef<[u8]> + Sync>(&self, messages: &[M]) -> Vec<Digest> {
        self.hash_many_report(messages).0
    }

    /// [`Hasher::hash_many`], and whether the CPU or the GPU computed it.
    pub fn hash_many_report<M: AsRef<[u8]> + Sync>(
        &self,
        messages: &[M],
    ) -> (Vec<Digest>, Execution) {
        self.hash_messages_placed(&Job::PLAIN, messages)
    }

    /// [`Hasher::hash_messages`] on this hasher's backend.
    pub(crate) fn hash_messages_placed<M: AsRef<[u8]> + Sync>(
        &self,
        job: &Job<'_>,
        messages: &[M],
    ) -> (Vec<Digest>, Execution) {
        let mut out = pages::zeroed_digests(messages.len());
        #[cfg(feature = "gpu")]
        let execution =
            match crate::gpu::attempt(self.backend, crate::gpu::GpuWork::Hashing, |context| {
                context.hash_messages::<A, M>(job.prefix, job.double, messages, &mut out)
            }) {
                Ok(((), execution)) => return (out, execution),
                Err(execution) => execution,
            };
        #[cfg(not(feature = "gpu"))]
        let execution = crate::backend::cpu_only(self.backend);
        self.hash_messages(job, messages, &mut out);
        (out, execution)
    }

    /// Digest `i` is the hash of `children[2i]` ‖ `children[2i + 1]`; an odd trailing child is
    /// ignored.
    pub fn hash_pairs(&self, children: &[Digest]) -> Vec<Digest> {
        let mut out = pages::zeroed_digests(children.len() / 2);
        self.hash_pairs_into(&Job::PLAIN, children, &mut out);
        out
    }

    /// Hashes `prefix ‖ children[2i] ‖ children[2i + 1]` into `out[i]` (twice when `double`).
    pub(crate) fn hash_pairs_into(&self, job: &Job<'_>, children: &[Digest], out: &mut [Digest]) {
        debug_assert!(children.len() / 2 >= out.len());
        let bytes = children.as_flattened();
        let body = |i: usize| &bytes[64 * i..64 * i + 64];
        let tail = uniform_tail_schedule::<A>(job.prefix.len() + 64);
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
            let tail = uniform_tail_schedule::<A>(job.prefix.len() + first_len);
            self.run_split(job, &body, out, blocks_per(first_len), tail.as_ref());
            return;
        }
        // Lanes of one kernel call must wait for their longest message, so messages of similar
        // length go together.
        let mut order: Vec<usize> = (0..messages.len()).collect();
        order.sort_by_key(|&i| blocks_per(messages[i].as_ref().len()));
        let total_blocks: usize = messages.iter().map(|m| blocks_per(m.as_ref().len())).sum();
        let mut sorted = pages::zeroed_digests(messages.len());
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
        tail: Option<&A::Schedule>,
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
            path.run::<A, F>(job, body, 0..n, out, tail);
            return;
        }
        let pieces = 4 * rayon::current_num_threads();
        let chunk = n.div_ceil(pieces).next_multiple_of(MAX_LANES);
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(piece, slots)| {
                let start = piece * chunk;
                path.run::<A, F>(job, body, start..start + slots.len(), slots, tail);
            });
    }
}

/// The module-level functions of a hash built on this engine (`sha256::hash`, `sm3::hash_many`,
/// …), for the algorithm `$algorithm` named `$name` in their documentation.
macro_rules! module_functions {
    ($algorithm:ty, $name:literal) => {
        /// The code paths this CPU can run, in the order a kernel must beat by a clear margin to
        /// be chosen ([`calibration`] times them).
        pub fn supported_paths() -> Vec<HashPath> {
            md32::supported_paths::<$algorithm>()
        }

        #[doc = concat!("What this process measured of each ", $name, " kernel, and which it chose.")]
        pub fn calibration() -> &'static Calibration {
            md32::calibration::calibration::<$algorithm>()
        }

        /// The path [`hash_many`], [`hash_pairs`] and [`Hasher::new`] use on this CPU for Merkle
        /// nodes and other messages of up to two compressions (119 bytes): the fastest
        /// [`calibration`] measured. Longer messages take [`Calibration::long`].
        pub fn best_path() -> HashPath {
            calibration().short
        }

        #[doc = concat!($name, " of one message on the best path.")]
        pub fn hash(data: &[u8]) -> Digest {
            Hasher::new().hash(data)
        }

        #[doc = concat!($name, " of each message, in order, on the best path and all of rayon's threads.")]
        pub fn hash_many<M: AsRef<[u8]> + Sync>(messages: &[M]) -> Vec<Digest> {
            Hasher::new().hash_many(messages)
        }

        #[doc = concat!("The Merkle node fast path: digest `i` is ", $name, "(`children[2i]` ‖ `children[2i + 1]`). An odd trailing child is ignored.")]
        pub fn hash_pairs(children: &[Digest]) -> Vec<Digest> {
            Hasher::new().hash_pairs(children)
        }
    };
}
pub(crate) use module_functions;

/// The per-process statics of an [`Algorithm`] impl: the 64-byte tail's schedule and the
/// calibration.
macro_rules! algorithm_statics {
    ($schedule:ty) => {
        fn node_tail() -> &'static OnceLock<$schedule> {
            static TAIL: OnceLock<$schedule> = OnceLock::new();
            &TAIL
        }

        fn calibration_cell() -> &'static OnceLock<Calibration> {
            static CALIBRATION: OnceLock<Calibration> = OnceLock::new();
            &CALIBRATION
        }
    };
}
pub(crate) use algorithm_statics;

/// What to hash around each message body.
pub(crate) struct Job<'a> {
    /// Bytes hashed before every body (RFC 6962's domain separation bytes).
    pub(crate) prefix: &'a [u8],
    /// Hash the digest once more (Bitcoin's SHA256d).
    pub(crate) double: bool,
}

impl Job<'static> {
    /// The message alone, hashed once.
    pub(crate) const PLAIN: Job<'static> = Job {
        prefix: &[],
        double: false,
    };
}

/// The kernel a call runs: a path's batch kernel, or the dedicated instructions on a single lane
/// (for one message, where interleaving has nothing to interleave).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KernelChoice {
    Path(HashPath),
    NativeOneLane,
}

impl KernelChoice {
    /// Hashes message `i` of `range` (body `body(i)`) into `out[i - range.start]`.
    fn run<'a, A: Algorithm, F>(
        self,
        job: &Job<'_>,
        body: &F,
        range: std::ops::Range<usize>,
        out: &mut [Digest],
        tail: Option<&A::Schedule>,
    ) where
        F: Fn(usize) -> &'a [u8] + Sync,
    {
        match self {
            KernelChoice::NativeOneLane => {
                run::<A, A::NativeOneLane, F>(job, body, range, out, tail)
            }
            KernelChoice::Path(HashPath::ShaNi) => {
                run::<A, A::Native, F>(job, body, range, out, tail)
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            KernelChoice::Path(HashPath::Avx512) => {
                run::<A, avx512::Avx512, F>(job, body, range, out, tail)
            }
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            KernelChoice::Path(HashPath::Avx2) => {
                run::<A, avx2::Avx2, F>(job, body, range, out, tail)
            }
            _ => run::<A, portable::Portable, F>(job, body, range, out, tail),
        }
    }
}

/// Compressions for a message of `len` bytes: the data, the 0x80 byte and the 64-bit length.
pub(crate) fn block_count(len: usize) -> usize {
    (len + 8) / 64 + 1
}

/// The padding block after a message of `len` bytes, when `len` is a multiple of 64.
pub(crate) fn padding_block(len: usize) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[0] = 0x80;
    block[56..].copy_from_slice(&(len as u64 * 8).to_be_bytes());
    block
}

/// When every message is `len` bytes and `len` is a multiple of 64, the last block is the same
/// padding for all of them: its schedule is computed once here instead of in every lane, and
/// for the 64-byte Merkle node once per process.
fn uniform_tail_schedule<A: Algorithm>(len: usize) -> Option<A::Schedule> {
    match len {
        64 => Some(*A::node_tail().get_or_init(|| A::schedule(&padding_block(64)))),
        _ if len.is_multiple_of(64) => Some(A::schedule(&padding_block(len))),
        _ => None,
    }
}

/// Block `index` of the padded message `prefix ‖ body ‖ …` when it lies whole inside `body`,
/// so a kernel can read it where it is.
fn whole_block<'a>(prefix: &[u8], body: &'a [u8], index: usize) -> Option<&'a [u8; 64]> {
    let start = 64 * index;
    if !prefix.is_empty() {
        return None;
    }
    body.get(start..start + 64)?.try_into().ok()
}

/// Writes block `index` of the padded message `prefix ‖ body ‖ 0x80 ‖ 0… ‖ bit length`.
fn write_block(prefix: &[u8], body: &[u8], index: usize, dst: &mut [u8; 64]) {
    let start = 64 * index;
    let len = prefix.len() + body.len();
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
/// `out[i - range.start]`, then once more for a double hash.
fn run<'a, A: Algorithm, K: Kernel<A>, F>(
    job: &Job<'_>,
    body: &F,
    range: std::ops::Range<usize>,
    out: &mut [Digest],
    tail: Option<&A::Schedule>,
) where
    F: Fn(usize) -> &'a [u8],
{
    let Some(token) = K::detect() else {
        // Only reached for a path this CPU lacks, which no `Hasher` is built with.
        return run::<A, portable::Portable, F>(job, body, range, out, tail);
    };
    hash_once::<A, K, F>(token, job.prefix, body, range, out, tail);
    if job.double {
        // A stack copy per kernel group: no allocation on the single-node path of proofs.
        for group in out.chunks_mut(MAX_LANES) {
            let mut firsts = [[0u8; 32]; MAX_LANES];
            firsts[..group.len()].copy_from_slice(group);
            let digest = |i: usize| &firsts[i][..];
            hash_once::<A, K, _>(token, &[], &digest, 0..group.len(), group, None);
        }
    }
}

/// `K::LANES` messages at a time. `tail`, when given, is the shared last block of messages that
/// all have the same length.
fn hash_once<'a, A: Algorithm, K: Kernel<A>, F>(
    token: K::Token,
    prefix: &[u8],
    body: &F,
    range: std::ops::Range<usize>,
    out: &mut [Digest],
    tail: Option<&A::Schedule>,
) where
    F: Fn(usize) -> &'a [u8],
{
    let first = range.start;
    let mut padded = [[0u8; 64]; MAX_LANES];
    let mut group_start = range.start;
    while group_start < range.end {
        let group = group_start..(group_start + K::LANES).min(range.end);
        let lanes = group.len();
        let mut finish = [0; MAX_LANES];
        for (lane, i) in group.clone().enumerate() {
            finish[lane] = block_count(prefix.len() + body(i).len());
        }
        let rounds = finish[..lanes].iter().copied().max().unwrap_or(0);
        let finish_together = finish[..lanes].iter().all(|&f| f == rounds);
        let mut state = K::init();
        for index in 0..rounds {
            match tail {
                Some(schedule) if index + 1 == rounds => {
                    K::compress_scheduled(token, &mut state, schedule)
                }
                _ => {
                    // Lanes without a message, or past its end, compress zeros; no digest reads them.
                    let mut blocks: Blocks<'_> = [&[0; 64]; MAX_LANES];
                    let lanes = group.clone().zip(padded.iter_mut()).enumerate();
                    for (lane, (i, scratch)) in lanes {
                        if index < finish[lane] {
                            blocks[lane] = match whole_block(prefix, body(i), index) {
                                Some(block) => block,
                                None => {
                                    write_block(prefix, body(i), index, scratch);
                                    scratch
                                }
                            };
                        }
                    }
                    K::compress(token, &mut state, &blocks);
                }
            }
            if finish_together {
                if index + 1 == rounds {
                    K::digests(
                        token,
                        &state,
                        &mut out[group.start - first..group.end - first],
                    );
                }
            } else {
                for (lane, i) in group.clone().enumerate() {
                    if finish[lane] == index + 1 {
                        out[i - first] = state_bytes(K::lane(&state, lane));
                    }
                }
            }
        }
        group_start = group.end;
    }
}

/// Every kernel's token exists exactly where [`supported_paths`] lists its path.
#[cfg(all(test, any(target_arch = "x86", target_arch = "x86_64")))]
pub(crate) fn assert_tokens_match_paths<A: Algorithm>() {
    let paths = supported_paths::<A>();
    assert_eq!(
        <avx512::Avx512 as Kernel<A>>::detect().is_some(),
        paths.contains(&HashPath::Avx512)
    );
    assert_eq!(
        <avx2::Avx2 as Kernel<A>>::detect().is_some(),
        paths.contains(&HashPath::Avx2)
    );
    assert_eq!(
        A::Native::detect().is_some(),
        paths.contains(&HashPath::ShaNi)
    );
}
