//! Intel SHA extensions with `N` independent messages interleaved. One `sha256rnds2` depends on
//! the previous one, so a single message leaves the unit idle between rounds; interleaving
//! messages fills those gaps.

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::{Sha256, IV, K};
use crate::md32::{Algorithm, Blocks, Kernel, MAX_LANES};

/// `N` messages interleaved.
pub struct ShaNi<const N: usize>;

/// Made only once `sha`, `ssse3` and `sse4.1` were detected.
#[derive(Clone, Copy)]
pub struct ShaNiToken(());

impl<const N: usize> Kernel<Sha256> for ShaNi<N> {
    const LANES: usize = N;
    type State = [[u32; 8]; N];
    type Token = ShaNiToken;

    fn detect() -> Option<ShaNiToken> {
        Sha256::native_supported().then_some(ShaNiToken(()))
    }

    fn init() -> Self::State {
        [IV; N]
    }

    fn compress(_: ShaNiToken, state: &mut Self::State, blocks: &Blocks<'_>) {
        const { assert!(N <= MAX_LANES) };
        // SAFETY: the token exists, so the CPU has the features.
        unsafe { compress_blocks::<N>(state, blocks) }
    }

    fn compress_scheduled(_: ShaNiToken, state: &mut Self::State, wk: &[u32; 64]) {
        // SAFETY: as above.
        unsafe { compress_scheduled::<N>(state, wk) }
    }

    fn lane(state: &Self::State, lane: usize) -> [u32; 8] {
        state[lane]
    }
}

/// Big-endian word order within each 32-bit lane.
#[inline(always)]
unsafe fn byte_swap_mask() -> __m128i {
    _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203)
}

/// Splits `a..h` into the `ABEF` / `CDGH` register pair `sha256rnds2` works on.
#[inline(always)]
unsafe fn load_state(state: &[u32; 8]) -> (__m128i, __m128i) {
    // SAFETY: `state` is 32 readable bytes; unaligned loads are allowed.
    let (dcba, hgfe) = unsafe {
        (
            _mm_loadu_si128(state.as_ptr().cast()),
            _mm_loadu_si128(state.as_ptr().add(4).cast()),
        )
    };
    let cdab = _mm_shuffle_epi32(dcba, 0xb1);
    let efgh = _mm_shuffle_epi32(hgfe, 0x1b);
    (
        _mm_alignr_epi8(cdab, efgh, 8),
        _mm_blend_epi16(efgh, cdab, 0xf0),
    )
}

#[inline(always)]
unsafe fn store_state(state: &mut [u32; 8], abef: __m128i, cdgh: __m128i) {
    let feba = _mm_shuffle_epi32(abef, 0x1b);
    let dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    let dcba = _mm_blend_epi16(feba, dchg, 0xf0);
    let hgef = _mm_alignr_epi8(dchg, feba, 8);
    // SAFETY: `state` is 32 writable bytes.
    unsafe {
        _mm_storeu_si128(state.as_mut_ptr().cast(), dcba);
        _mm_storeu_si128(state.as_mut_ptr().add(4).cast(), hgef);
    }
}

/// Four rounds from four words of `W + K`.
#[inline(always)]
unsafe fn rounds4(abef: &mut __m128i, cdgh: &mut __m128i, wk: __m128i) {
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

#[inline(always)]
unsafe fn round_constants(group: usize) -> __m128i {
    // SAFETY: `group < 16`, so the four words are inside `K`.
    unsafe { _mm_loadu_si128(K.as_ptr().add(4 * group).cast()) }
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn compress_blocks<const N: usize>(state: &mut [[u32; 8]; N], blocks: &Blocks<'_>) {
    let mask = byte_swap_mask();
    let mut abef = [_mm_setzero_si128(); N];
    let mut cdgh = [_mm_setzero_si128(); N];
    let mut w = [[_mm_setzero_si128(); 4]; N];
    for lane in 0..N {
        (abef[lane], cdgh[lane]) = load_state(&state[lane]);
        let data = blocks[lane].as_ptr();
        for (i, word) in w[lane].iter_mut().enumerate() {
            // SAFETY: a block is 64 bytes, so `data + 16 * i` for `i < 4` is in bounds.
            *word = _mm_shuffle_epi8(_mm_loadu_si128(data.add(16 * i).cast()), mask);
        }
    }
    let saved = (abef, cdgh);
    for group in 0..16 {
        let k = round_constants(group);
        for lane in 0..N {
            let slot = group % 4;
            if group >= 4 {
                // W[4g..4g+4] from the four previous groups, held in the same ring.
                let [w0, w1, w2, w3] = [
                    w[lane][slot],
                    w[lane][(slot + 1) % 4],
                    w[lane][(slot + 2) % 4],
                    w[lane][(slot + 3) % 4],
                ];
                let partial =
                    _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
                w[lane][slot] = _mm_sha256msg2_epu32(partial, w3);
            }
            rounds4(
                &mut abef[lane],
                &mut cdgh[lane],
                _mm_add_epi32(w[lane][slot], k),
            );
        }
    }
    for lane in 0..N {
        store_state(
            &mut state[lane],
            _mm_add_epi32(abef[lane], saved.0[lane]),
            _mm_add_epi32(cdgh[lane], saved.1[lane]),
        );
    }
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn compress_scheduled<const N: usize>(state: &mut [[u32; 8]; N], wk: &[u32; 64]) {
    let mut abef = [_mm_setzero_si128(); N];
    let mut cdgh = [_mm_setzero_si128(); N];
    for lane in 0..N {
        (abef[lane], cdgh[lane]) = load_state(&state[lane]);
    }
    let saved = (abef, cdgh);
    for group in 0..16 {
        // SAFETY: `group < 16`, so the four words are inside `wk`.
        let wk4 = _mm_loadu_si128(wk.as_ptr().add(4 * group).cast());
        for lane in 0..N {
            rounds4(&mut abef[lane], &mut cdgh[lane], wk4);
        }
    }
    for lane in 0..N {
        store_state(
            &mut state[lane],
            _mm_add_epi32(abef[lane], saved.0[lane]),
            _mm_add_epi32(cdgh[lane], saved.1[lane]),
        );
    }
}
