//! The SHA-256 rounds written once for any vector of 32-bit lanes, one message per lane: the
//! AVX2 (8 lanes) and AVX-512 (16 lanes) kernels supply the vector operations.

use super::{LaneBlock, K, MAX_LANES};

/// Operations on a vector of `LANES` 32-bit words, one message per lane.
///
/// Every function is `unsafe` because it runs instructions the CPU must support; the kernels
/// built on it only run them with a token made after feature detection.
pub(crate) trait Vector: Copy {
    const LANES: usize;
    unsafe fn splat(word: u32) -> Self;
    unsafe fn add(a: Self, b: Self) -> Self;
    /// Σ0 of FIPS 180-4.
    unsafe fn big_sigma0(x: Self) -> Self;
    /// Σ1 of FIPS 180-4.
    unsafe fn big_sigma1(x: Self) -> Self;
    /// σ0 of FIPS 180-4.
    unsafe fn small_sigma0(x: Self) -> Self;
    /// σ1 of FIPS 180-4.
    unsafe fn small_sigma1(x: Self) -> Self;
    unsafe fn choose(e: Self, f: Self, g: Self) -> Self;
    unsafe fn majority(a: Self, b: Self, c: Self) -> Self;
    /// `LANES` words from `src`.
    unsafe fn load(src: *const u32) -> Self;
    /// `LANES` words to `dst`.
    unsafe fn store(self, dst: *mut u32);
    /// Big-endian word `word` of each of the `LANES` consecutive blocks at `blocks`.
    unsafe fn message_word(blocks: *const LaneBlock, word: usize) -> Self;
}

macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $wk:expr) => {
        let t1 = V::add(
            V::add($h, V::big_sigma1($e)),
            V::add(V::choose($e, $f, $g), $wk),
        );
        let t2 = V::add(V::big_sigma0($a), V::majority($a, $b, $c));
        $d = V::add($d, t1);
        $h = V::add(t1, t2);
    };
}

/// Runs the 64 rounds on the word-major state at `state` (8 rows of `LANES` words), with
/// `wk(t)` giving `W[t] + K[t]` for every lane.
#[inline(always)]
unsafe fn rounds<V: Vector>(state: *mut u32, wk: impl Fn(usize) -> V) {
    let row = |i: usize| state.wrapping_add(i * V::LANES);
    let initial = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| V::load(row(i)));
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = initial;
    // Eight rounds rotate the roles of a..h back to where they started, so the names can stay.
    for t in (0..64).step_by(8) {
        round!(a, b, c, d, e, f, g, h, wk(t));
        round!(h, a, b, c, d, e, f, g, wk(t + 1));
        round!(g, h, a, b, c, d, e, f, wk(t + 2));
        round!(f, g, h, a, b, c, d, e, wk(t + 3));
        round!(e, f, g, h, a, b, c, d, wk(t + 4));
        round!(d, e, f, g, h, a, b, c, wk(t + 5));
        round!(c, d, e, f, g, h, a, b, wk(t + 6));
        round!(b, c, d, e, f, g, h, a, wk(t + 7));
    }
    for (i, (start, end)) in initial
        .into_iter()
        .zip([a, b, c, d, e, f, g, h])
        .enumerate()
    {
        V::add(start, end).store(row(i));
    }
}

/// Compresses the first `LANES` blocks into the word-major `state`.
#[inline(always)]
pub(crate) unsafe fn compress<V: Vector>(state: *mut u32, blocks: &[LaneBlock; MAX_LANES]) {
    const { assert!(V::LANES <= MAX_LANES) };
    let mut w = [V::splat(0); 64];
    for (t, w_t) in w.iter_mut().enumerate().take(16) {
        *w_t = V::message_word(blocks.as_ptr(), t);
    }
    for t in 16..64 {
        w[t] = V::add(
            V::add(V::small_sigma1(w[t - 2]), w[t - 7]),
            V::add(V::small_sigma0(w[t - 15]), w[t - 16]),
        );
    }
    rounds::<V>(state, |t| V::add(w[t], V::splat(K[t])));
}

/// Compresses the same block, given as its schedule plus constants, into every lane.
#[inline(always)]
pub(crate) unsafe fn compress_scheduled<V: Vector>(state: *mut u32, wk: &[u32; 64]) {
    rounds::<V>(state, |t| V::splat(wk[t]));
}

/// The kernel boilerplate shared by the vector paths: word-major state of `$lanes` messages,
/// run only with `$token`, which exists once `$detected` said the CPU has `$features`.
macro_rules! vector_kernel {
    ($kernel:ident, $token:ident, $vector:ty, $lanes:literal, $features:literal, $detected:expr) => {
        /// Made only once the kernel's features were detected.
        #[derive(Clone, Copy)]
        pub(crate) struct $token(());

        impl super::Kernel for $kernel {
            const LANES: usize = $lanes;
            type State = [[u32; $lanes]; 8];
            type Token = $token;

            fn detect() -> Option<$token> {
                $detected.then_some($token(()))
            }

            fn init() -> Self::State {
                super::IV.map(|word| [word; $lanes])
            }

            fn compress(
                _: $token,
                state: &mut Self::State,
                blocks: &[super::LaneBlock; super::MAX_LANES],
            ) {
                #[target_feature(enable = $features)]
                unsafe fn run(
                    state: &mut [[u32; $lanes]; 8],
                    blocks: &[super::LaneBlock; super::MAX_LANES],
                ) {
                    // SAFETY: the CPU has `$features`, and `blocks` holds every lane.
                    unsafe {
                        super::multilane::compress::<$vector>(state.as_mut_ptr().cast(), blocks)
                    }
                }
                // SAFETY: the token exists, so the CPU has `$features`.
                unsafe { run(state, blocks) }
            }

            fn compress_scheduled(_: $token, state: &mut Self::State, wk: &[u32; 64]) {
                #[target_feature(enable = $features)]
                unsafe fn run(state: &mut [[u32; $lanes]; 8], wk: &[u32; 64]) {
                    // SAFETY: the CPU has `$features`.
                    unsafe {
                        super::multilane::compress_scheduled::<$vector>(
                            state.as_mut_ptr().cast(),
                            wk,
                        )
                    }
                }
                // SAFETY: the token exists, so the CPU has `$features`.
                unsafe { run(state, wk) }
            }

            fn lane(state: &Self::State, lane: usize) -> [u32; 8] {
                state.map(|row| row[lane])
            }
        }
    };
}
pub(crate) use vector_kernel;
