//! Eight messages at once in AVX2 registers, for CPUs without AVX-512 (and, for SHA-256,
//! without the SHA extensions).

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::vector::{vector_kernel, Vector};
use super::LaneBlock;

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
    unsafe fn message_word(blocks: *const LaneBlock, word: usize) -> Self {
        let block_starts = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
        let words = blocks.cast::<i32>().add(word);
        let gathered = _mm256_i32gather_epi32::<4>(words.cast(), block_starts);
        let byte_swap = _mm256_broadcastsi128_si256(_mm_set_epi64x(
            0x0c0d_0e0f_0809_0a0b,
            0x0405_0607_0001_0203,
        ));
        Ymm(_mm256_shuffle_epi8(gathered, byte_swap))
    }
}
