//! Sixteen messages at once in AVX-512 registers; `vprord` and `vpternlogd` make a round about
//! half the instructions of the AVX2 one.

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::vector::{vector_kernel, Vector};
use super::{Blocks, Digest};

/// Sixteen lanes.
pub(crate) struct Avx512;

vector_kernel!(
    Avx512,
    Avx512Token,
    Zmm,
    16,
    "avx512f,avx512bw",
    super::avx512_supported()
);

#[derive(Clone, Copy)]
pub(crate) struct Zmm(__m512i);

/// `vpternlogd` truth tables over (a, b, c) = (0xf0, 0xcc, 0xaa).
const XOR3: i32 = 0x96;
const CHOOSE: i32 = 0xca;
const MAJORITY: i32 = 0xe8;

impl Vector for Zmm {
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn splat(word: u32) -> Self {
        Zmm(_mm512_set1_epi32(word as i32))
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        Zmm(_mm512_add_epi32(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor(a: Self, b: Self) -> Self {
        Zmm(_mm512_xor_si512(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor3(a: Self, b: Self, c: Self) -> Self {
        Zmm(_mm512_ternarylogic_epi32::<XOR3>(a.0, b.0, c.0))
    }
    #[inline(always)]
    unsafe fn choose(e: Self, f: Self, g: Self) -> Self {
        Zmm(_mm512_ternarylogic_epi32::<CHOOSE>(e.0, f.0, g.0))
    }
    #[inline(always)]
    unsafe fn majority(a: Self, b: Self, c: Self) -> Self {
        Zmm(_mm512_ternarylogic_epi32::<MAJORITY>(a.0, b.0, c.0))
    }
    #[inline(always)]
    unsafe fn rotate_right<const RIGHT: i32, const LEFT: i32>(x: Self) -> Self {
        Zmm(_mm512_ror_epi32::<RIGHT>(x.0))
    }
    #[inline(always)]
    unsafe fn shift_right<const BITS: i32>(x: Self) -> Self {
        // The immediate form takes a `u32` count where AVX2's takes an `i32`; LLVM turns this
        // constant count back into the immediate instruction.
        Zmm(_mm512_srl_epi32(x.0, _mm_cvtsi32_si128(BITS)))
    }
    #[inline(always)]
    unsafe fn load(src: *const u32) -> Self {
        Zmm(_mm512_loadu_si512(src.cast()))
    }
    #[inline(always)]
    unsafe fn store(self, dst: *mut u32) {
        _mm512_storeu_si512(dst.cast(), self.0)
    }
    #[inline(always)]
    unsafe fn message_words(blocks: &Blocks<'_>) -> [Self; 16] {
        // A 16 x 16 transpose of the blocks as loaded: on AMD Zen 4 sixteen gathers of one word
        // per lane cost more than the shuffles. Plain loops, not closures: a closure is a
        // function of its own, without this one's target features.
        let mut rows = [_mm512_setzero_si512(); 16];
        for (lane, row) in rows.iter_mut().enumerate() {
            *row = _mm512_loadu_si512(blocks[lane].as_ptr().cast());
        }
        // Chunk c of `quads[4i + k]` is word 4c + k of rows (lanes) 4i .. 4i + 4.
        let quads = columns_by_four(&rows);
        // `halves[h][k]`: chunks 0 and 2 (h = 0) or 1 and 3 (h = 1) of word k's quads, for rows
        // 0-7, and `halves[h][4 + k]` the same for rows 8-15.
        let mut halves = [[_mm512_setzero_si512(); 8]; 2];
        for upper in [0, 4] {
            for k in 0..4 {
                let (x, y) = (quads[2 * upper + k], quads[2 * upper + 4 + k]);
                halves[0][upper + k] = _mm512_shuffle_i32x4::<0x88>(x, y);
                halves[1][upper + k] = _mm512_shuffle_i32x4::<0xdd>(x, y);
            }
        }
        let mut words = [Zmm(_mm512_setzero_si512()); 16];
        for k in 0..4 {
            for h in 0..2 {
                let (low, high) = (halves[h][k], halves[h][4 + k]);
                // Word 4c + k for chunk c = h, then c = h + 2.
                words[4 * h + k] = Zmm(swap_bytes(_mm512_shuffle_i32x4::<0x88>(low, high)));
                words[4 * (h + 2) + k] = Zmm(swap_bytes(_mm512_shuffle_i32x4::<0xdd>(low, high)));
            }
        }
        words
    }
    #[inline(always)]
    unsafe fn store_digests(state: *const u32, out: *mut Digest) {
        let mut rows = [_mm512_setzero_si512(); 8];
        for (word, row) in rows.iter_mut().enumerate() {
            *row = _mm512_loadu_si512(state.add(16 * word).cast());
        }
        // Chunk c of `quads[4g + k]` is words 4g .. 4g + 4 of lane 4c + k.
        let quads = columns_by_four(&rows);
        for k in 0..4 {
            let (low, high) = (quads[k], quads[4 + k]);
            // Chunks (0, 1) then (2, 3) of both halves, reordered so each 256-bit half is one
            // lane's digest: lanes k and 4 + k, then 8 + k and 12 + k.
            for (pair, selected) in [
                _mm512_shuffle_i32x4::<0x44>(low, high),
                _mm512_shuffle_i32x4::<0xee>(low, high),
            ]
            .into_iter()
            .enumerate()
            {
                let digests = swap_bytes(_mm512_shuffle_i32x4::<0xd8>(selected, selected));
                let lane = 8 * pair + k;
                _mm256_storeu_si256(out.add(lane).cast(), _mm512_castsi512_si256(digests));
                _mm256_storeu_si256(
                    out.add(lane + 4).cast(),
                    _mm512_extracti64x4_epi64::<1>(digests),
                );
            }
        }
    }
}

/// The first two steps of transposing `ROWS` rows of 32-bit words: 128-bit chunk c of
/// `result[4i + k]` holds column 4c + k of rows 4i .. 4i + 4.
#[inline(always)]
unsafe fn columns_by_four<const ROWS: usize>(rows: &[__m512i; ROWS]) -> [__m512i; ROWS] {
    let mut pairs = [_mm512_setzero_si512(); ROWS];
    for i in (0..ROWS).step_by(2) {
        pairs[i] = _mm512_unpacklo_epi32(rows[i], rows[i + 1]);
        pairs[i + 1] = _mm512_unpackhi_epi32(rows[i], rows[i + 1]);
    }
    let mut quads = [_mm512_setzero_si512(); ROWS];
    for i in (0..ROWS).step_by(4) {
        quads[i] = _mm512_unpacklo_epi64(pairs[i], pairs[i + 2]);
        quads[i + 1] = _mm512_unpackhi_epi64(pairs[i], pairs[i + 2]);
        quads[i + 2] = _mm512_unpacklo_epi64(pairs[i + 1], pairs[i + 3]);
        quads[i + 3] = _mm512_unpackhi_epi64(pairs[i + 1], pairs[i + 3]);
    }
    quads
}

/// Big-endian to native order within each 32-bit word.
#[inline(always)]
unsafe fn swap_bytes(x: __m512i) -> __m512i {
    let byte_swap =
        _mm512_broadcast_i32x4(_mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203));
    _mm512_shuffle_epi8(x, byte_swap)
}
