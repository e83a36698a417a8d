//! Sixteen messages at once in AVX-512 registers; `vprord` and `vpternlogd` make a round about
//! half the instructions of the AVX2 one.

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::vector::{vector_kernel, Vector};
use super::LaneBlock;

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
    unsafe fn message_word(blocks: *const LaneBlock, word: usize) -> Self {
        let block_starts = _mm512_setr_epi32(
            0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
        );
        let words = blocks.cast::<i32>().add(word);
        let gathered = _mm512_i32gather_epi32::<4>(block_starts, words.cast());
        let byte_swap =
            _mm512_broadcast_i32x4(_mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203));
        Zmm(_mm512_shuffle_epi8(gathered, byte_swap))
    }
}
