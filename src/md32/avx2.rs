//! Eight messages at once in AVX2 registers, for CPUs without AVX-512 (and, for SHA-256,
//! without the SHA extensions).

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::vector::{vector_kernel, Vector};
use super::{Blocks, Digest};

/// Eight lanes.
pub(crate) struct Avx2;

vector_kernel!(
    Avx2,
    Avx2Token,
    Ymm,
    8,
    "avx2",
    std::arch::is_x86_feature_detected!("avx2")
);

#[derive(Clone, Copy)]
pub(crate) struct Ymm(__m256i);

impl Vector for Ymm {
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn splat(word: u32) -> Self {
        Ymm(_mm256_set1_epi32(word as i32))
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        Ymm(_mm256_add_epi32(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor(a: Self, b: Self) -> Self {
        Ymm(_mm256_xor_si256(a.0, b.0))
    }
    #[inline(always)]
    unsafe fn xor3(a: Self, b: Self, c: Self) -> Self {
        Ymm(_mm256_xor_si256(_mm256_xor_si256(a.0, b.0), c.0))
    }
    #[inline(always)]
    unsafe fn choose(e: Self, f: Self, g: Self) -> Self {
        Ymm(_mm256_xor_si256(
            _mm256_and_si256(e.0, f.0),
            _mm256_andnot_si256(e.0, g.0),
        ))
    }
    #[inline(always)]
    unsafe fn majority(a: Self, b: Self, c: Self) -> Self {
        let (a, b, c) = (a.0, b.0, c.0);
        Ymm(_mm256_xor_si256(
            _mm256_and_si256(a, b),
            _mm256_and_si256(c, _mm256_xor_si256(a, b)),
        ))
    }
    #[inline(always)]
    unsafe fn rotate_right<const RIGHT: i32, const LEFT: i32>(x: Self) -> Self {
        Ymm(_mm256_or_si256(
            _mm256_srli_epi32::<RIGHT>(x.0),
            _mm256_slli_epi32::<LEFT>(x.0),
        ))
    }
    #[inline(always)]
    unsafe fn shift_right<const BITS: i32>(x: Self) -> Self {
        Ymm(_mm256_srli_epi32::<BITS>(x.0))
    }
    #[inline(always)]
    unsafe fn load(src: *const u32) -> Self {
        Ymm(_mm256_loadu_si256(src.cast()))
    }
    #[inline(always)]
    unsafe fn store(self, dst: *mut u32) {
        _mm256_storeu_si256(dst.cast(), self.0)
    }
    #[inline(always)]
    unsafe fn message_words(blocks: &Blocks<'_>) -> [Self; 16] {
        // Two 8 x 8 transposes (words 0-7 and 8-15) of the blocks as loaded, cheaper than
        // sixteen gathers. Plain loops, not closures: a closure is a function of its own,
        // without this one's target features.
        let mut words = [Ymm(_mm256_setzero_si256()); 16];
        for half in 0..2 {
            let mut rows = [_mm256_setzero_si256(); 8];
            for (lane, row) in rows.iter_mut().enumerate() {
                *row = _mm256_loadu_si256(blocks[lane].as_ptr().cast::<__m256i>().add(half));
            }
            // Chunk c of `quads[4i + k]` is word 4c + k of rows (lanes) 4i .. 4i + 4.
            let quads = columns_by_four(&rows);
            for k in 0..4 {
                let (low, high) = (quads[k], quads[4 + k]);
                words[8 * half + k] = Ymm(swap_bytes(_mm256_permute2x128_si256::<0x20>(low, high)));
                words[8 * half + 4 + k] =
                    Ymm(swap_bytes(_mm256_permute2x128_si256::<0x31>(low, high)));
            }
        }
        words
    }
    #[inline(always)]
    unsafe fn store_digests(state: *const u32, out: *mut Digest) {
        let mut rows = [_mm256_setzero_si256(); 8];
        for (word, row) in rows.iter_mut().enumerate() {
            *row = _mm256_loadu_si256(state.add(8 * word).cast());
        }
        // Chunk c of `quads[4g + k]` is words 4g .. 4g + 4 of lane 4c + k.
        let quads = columns_by_four(&rows);
        for k in 0..4 {
            let (low, high) = (quads[k], quads[4 + k]);
            let first = _mm256_permute2x128_si256::<0x20>(low, high);
            let second = _mm256_permute2x128_si256::<0x31>(low, high);
            _mm256_storeu_si256(out.add(k).cast(), swap_bytes(first));
            _mm256_storeu_si256(out.add(4 + k).cast(), swap_bytes(second));
        }
    }
}

/// The first two steps of an 8 x 8 transpose of 32-bit words: 128-bit chunk c of
/// `result[4i + k]` holds column 4c + k of rows 4i .. 4i + 4.
#[inline(always)]
unsafe fn columns_by_four(rows: &[__m256i; 8]) -> [__m256i; 8] {
    let mut pairs = [_mm256_setzero_si256(); 8];
    for i in (0..8).step_by(2) {
        pairs[i] = _mm256_unpacklo_epi32(rows[i], rows[i + 1]);
        pairs[i + 1] = _mm256_unpackhi_epi32(rows[i], rows[i + 1]);
    }
    let mut quads = [_mm256_setzero_si256(); 8];
    for i in (0..8).step_by(4) {
        quads[i] = _mm256_unpacklo_epi64(pairs[i], pairs[i + 2]);
        quads[i + 1] = _mm256_unpackhi_epi64(pairs[i], pairs[i + 2]);
        quads[i + 2] = _mm256_unpacklo_epi64(pairs[i + 1], pairs[i + 3]);
        quads[i + 3] = _mm256_unpackhi_epi64(pairs[i + 1], pairs[i + 3]);
    }
    quads
}

/// Big-endian to native order within each 32-bit word.
#[inline(always)]
unsafe fn swap_bytes(x: __m256i) -> __m256i {
    let byte_swap =
        _mm256_broadcastsi128_si256(_mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203));
    _mm256_shuffle_epi8(x, byte_swap)
}
