//! The vector operations the multi-message kernels are written in: one message per 32-bit lane,
//! eight lanes in AVX2, sixteen in AVX-512. SHA-256's and SM3's rounds are written once against
//! this trait ([`super::Algorithm::compress_lanes`]).

use super::{Blocks, Digest, MAX_LANES};

/// Operations on a vector of `LANES` 32-bit words, one message per lane.
///
/// Every function is `unsafe` because it runs instructions the CPU must support; the kernels
/// built on it only run them with a token made after feature detection.
pub trait Vector: Copy {
    const LANES: usize;
    unsafe fn splat(word: u32) -> Self;
    unsafe fn add(a: Self, b: Self) -> Self;
    unsafe fn xor(a: Self, b: Self) -> Self;
    unsafe fn xor3(a: Self, b: Self, c: Self) -> Self;
    /// `(e & f) ^ (!e & g)`, bit by bit.
    unsafe fn choose(e: Self, f: Self, g: Self) -> Self;
    /// The majority of `a`, `b` and `c`, bit by bit.
    unsafe fn majority(a: Self, b: Self, c: Self) -> Self;
    /// Rotation right by `RIGHT` bits; `LEFT` is `32 - RIGHT`, given because stable Rust cannot
    /// compute it from a const parameter and AVX2 needs both shifts.
    unsafe fn rotate_right<const RIGHT: i32, const LEFT: i32>(x: Self) -> Self;
    unsafe fn shift_right<const BITS: i32>(x: Self) -> Self;
    /// `LANES` words from `src`.
    unsafe fn load(src: *const u32) -> Self;
    /// `LANES` words to `dst`.
    unsafe fn store(self, dst: *mut u32);
    /// The sixteen big-endian words of the first `LANES` blocks: word `t` of lane `i` is lane
    /// `i` of the `t`-th vector.
    unsafe fn message_words(blocks: &Blocks<'_>) -> [Self; 16];
    /// The big-endian digest of each of the `LANES` lanes of the word-major `state` (8 rows of
    /// `LANES` words), into `out[0..LANES]`.
    unsafe fn store_digests(state: *const u32, out: *mut Digest);
}

/// The last sixteen message words of every lane, a ring each hash's rounds expand in place.
pub(crate) struct MessageRing<V>(pub(crate) [V; 16]);

impl<V: Vector> MessageRing<V> {
    /// The ring at the start of a block: its sixteen words.
    #[inline(always)]
    pub(crate) unsafe fn new(blocks: &Blocks<'_>) -> Self {
        const { assert!(V::LANES <= MAX_LANES) };
        MessageRing(V::message_words(blocks))
    }
}

/// `V::rotate_right` by a literal number of bits, with the complement worked out.
macro_rules! rotr {
    ($vector:ty, $x:expr, $bits:literal) => {
        <$vector>::rotate_right::<$bits, { 32 - $bits }>($x)
    };
}
pub(crate) use rotr;

/// `V::rotate_right` by the complement of a literal: rotation left.
macro_rules! rotl {
    ($vector:ty, $x:expr, $bits:literal) => {
        <$vector>::rotate_right::<{ 32 - $bits }, $bits>($x)
    };
}
pub(crate) use rotl;

/// Loads the word-major state at `state` (8 rows of `LANES` words).
#[inline(always)]
pub(crate) unsafe fn load_state<V: Vector>(state: *const u32) -> [V; 8] {
    [0, 1, 2, 3, 4, 5, 6, 7].map(|i| V::load(state.wrapping_add(i * V::LANES)))
}

/// Stores `rows` as the word-major state at `state`.
#[inline(always)]
pub(crate) unsafe fn store_state<V: Vector>(state: *mut u32, rows: [V; 8]) {
    for (i, row) in rows.into_iter().enumerate() {
        row.store(state.wrapping_add(i * V::LANES));
    }
}

/// The kernel boilerplate shared by the vector paths: word-major state of `$lanes` messages,
/// run only with `$token`, which exists once `$detected` said the CPU has `$features`.
macro_rules! vector_kernel {
    ($kernel:ident, $token:ident, $vector:ty, $lanes:literal, $features:literal, $detected:expr) => {
        /// Made only once the kernel's features were detected.
        #[derive(Clone, Copy)]
        pub(crate) struct $token(());

        impl<A: super::Algorithm> super::Kernel<A> for $kernel {
            const LANES: usize = $lanes;
            type State = [[u32; $lanes]; 8];
            type Token = $token;

            fn detect() -> Option<$token> {
                $detected.then_some($token(()))
            }

            fn init() -> Self::State {
                A::IV.map(|word| [word; $lanes])
            }

            fn compress(_: $token, state: &mut Self::State, blocks: &super::Blocks<'_>) {
                #[target_feature(enable = $features)]
                unsafe fn run<A: super::Algorithm>(
                    state: &mut [[u32; $lanes]; 8],
                    blocks: &super::Blocks<'_>,
                ) {
                    // SAFETY: the CPU has `$features`, and `blocks` holds every lane.
                    unsafe { A::compress_lanes::<$vector>(state.as_mut_ptr().cast(), blocks) }
                }
                // SAFETY: the token exists, so the CPU has `$features`.
                unsafe { run::<A>(state, blocks) }
            }

            fn compress_scheduled(_: $token, state: &mut Self::State, schedule: &A::Schedule) {
                #[target_feature(enable = $features)]
                unsafe fn run<A: super::Algorithm>(
                    state: &mut [[u32; $lanes]; 8],
                    schedule: &A::Schedule,
                ) {
                    // SAFETY: the CPU has `$features`.
                    unsafe {
                        A::compress_lanes_scheduled::<$vector>(state.as_mut_ptr().cast(), schedule)
                    }
                }
                // SAFETY: the token exists, so the CPU has `$features`.
                unsafe { run::<A>(state, schedule) }
            }

            fn lane(state: &Self::State, lane: usize) -> [u32; 8] {
                // `state.map` would copy every lane's rows to read one lane.
                core::array::from_fn(|row| state[row][lane])
            }

            fn digests(_: $token, state: &Self::State, out: &mut [super::Digest]) {
                #[target_feature(enable = $features)]
                unsafe fn run(state: &[[u32; $lanes]; 8], out: &mut [super::Digest]) {
                    let state = state.as_ptr().cast();
                    // SAFETY: the CPU has `$features`; each store writes `$lanes` digests
                    // into room for that many.
                    unsafe {
                        if out.len() == $lanes {
                            <$vector>::store_digests(state, out.as_mut_ptr());
                        } else {
                            let mut all = [[0; 32]; $lanes];
                            <$vector>::store_digests(state, all.as_mut_ptr());
                            out.copy_from_slice(&all[..out.len()]);
                        }
                    }
                }
                // SAFETY: the token exists, so the CPU has `$features`.
                unsafe { run(state, out) }
            }
        }
    };
}
pub(crate) use vector_kernel;
