//! Eight field elements at once in AVX-512 registers, one 51-bit limb of every lane per
//! register. `vpmadd52luq`/`vpmadd52huq` multiply the low 52 bits of two limbs and add the low
//! or high half of the 104-bit product, so limbs may grow to 52 bits between reductions.

// Index loops over the limb arrays, not iterators, for the reason `carry_once` gives.
#![allow(clippy::needless_range_loop)]

use core::arch::x86_64::*;

use super::{FieldLanes, Limbs, Pair, LIMB_MASK, MAX_LANES, TWO_P};

/// Made only once AVX-512 F and IFMA were detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IfmaToken(());

impl IfmaToken {
    pub(super) fn detect() -> Option<IfmaToken> {
        (std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma"))
        .then_some(IfmaToken(()))
    }
}

/// Sixteen lanes: two registers' worth, so that one group's multiplications wait less on the
/// other's (measured: see BENCHMARKS.md).
pub(crate) type Lanes = Pair<F51x8>;

/// Eight elements mod p: `limbs[i]` holds limb `i` of each lane, below 2^52.
#[derive(Clone, Copy)]
pub(crate) struct F51x8([__m512i; 5]);

pub(super) fn x_coordinates(_: IfmaToken, encodings: &[[u8; 32]], xs: &mut [Option<[u8; 32]>]) {
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn run(encodings: &[[u8; 32]], xs: &mut [Option<[u8; 32]>]) {
        // SAFETY: the CPU has AVX-512 F and IFMA.
        unsafe { super::x_coordinates_in::<Lanes>(encodings, xs) }
    }
    assert!(encodings.len() == Lanes::LANES && xs.len() == Lanes::LANES);
    // SAFETY: the token exists, so the CPU has AVX-512 F and IFMA.
    unsafe { run(encodings, xs) }
}

pub(super) fn in_prime_subgroup(_: IfmaToken, xs: &[Limbs], ys: &[Limbs], out: &mut [bool]) {
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn run(xs: &[Limbs], ys: &[Limbs], out: &mut [bool]) {
        // SAFETY: the CPU has AVX-512 F and IFMA.
        unsafe { super::in_prime_subgroup_in::<Lanes>(xs, ys, out) }
    }
    assert!(xs.len() == Lanes::LANES && ys.len() == Lanes::LANES && out.len() == Lanes::LANES);
    // SAFETY: the token exists, so the CPU has AVX-512 F and IFMA.
    unsafe { run(xs, ys, out) }
}

#[cfg(test)]
pub(super) fn pow_p58(_: IfmaToken, inputs: &[Limbs], out: &mut [Limbs]) {
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn run(inputs: &[Limbs], out: &mut [Limbs]) {
        // SAFETY: the CPU has AVX-512 F and IFMA.
        unsafe { super::pow_p58_in(Lanes::from_limbs(inputs)).to_limbs(out) }
    }
    assert!(inputs.len() == Lanes::LANES && out.len() == Lanes::LANES);
    // SAFETY: the token exists, so the CPU has AVX-512 F and IFMA.
    unsafe { run(inputs, out) }
}

#[inline(always)]
unsafe fn splat(value: u64) -> __m512i {
    _mm512_set1_epi64(value as i64)
}

#[inline(always)]
unsafe fn times_19(x: __m512i) -> __m512i {
    _mm512_add_epi64(
        _mm512_add_epi64(_mm512_slli_epi64::<4>(x), _mm512_slli_epi64::<1>(x)),
        x,
    )
}

/// Limbs below 2^52 from limbs below 2^63: every carry moves up one limb at once (the top
/// one, times 19, to the bottom), leaving each limb below 2^51 + 19 * 2^12.
///
/// The hot functions here use loops rather than closures: a closure is a function of its own,
/// outside the `target_feature` function these are inlined into.
#[inline(always)]
unsafe fn carry_once(x: [__m512i; 5]) -> [__m512i; 5] {
    let mask = splat(LIMB_MASK);
    let mut out = x;
    for i in 0..5 {
        let carry = _mm512_srli_epi64::<51>(x[(i + 4) % 5]);
        let carry = if i == 0 { times_19(carry) } else { carry };
        out[i] = _mm512_add_epi64(_mm512_and_si512(x[i], mask), carry);
    }
    out
}

/// The product whose 52-bit halves were summed into `lo[k]` (weight 2^(51k)) and `hi[k]`
/// (weight 2^(51k + 52)), each sum below 2^56, reduced to limbs below 2^52.
#[inline(always)]
unsafe fn reduce_product(lo: [__m512i; 9], hi: [__m512i; 9]) -> F51x8 {
    // Column m of the product in radix 2^51 is the low halves of column m and twice the high
    // halves of column m - 1, below 2^57; 2^255 = 19 mod p folds columns 5..9 onto 0..4.
    let mut columns = [_mm512_setzero_si512(); 10];
    columns[..9].copy_from_slice(&lo);
    for m in 1..10 {
        columns[m] = _mm512_add_epi64(columns[m], _mm512_slli_epi64::<1>(hi[m - 1]));
    }
    let mut folded = [_mm512_setzero_si512(); 5];
    for m in 0..5 {
        folded[m] = _mm512_add_epi64(columns[m], times_19(columns[m + 5]));
    }
    F51x8(carry_once(carry_once(folded)))
}

impl FieldLanes for F51x8 {
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn splat(limbs: &Limbs) -> Self {
        let mut out = [_mm512_setzero_si512(); 5];
        for i in 0..5 {
            out[i] = splat(limbs[i]);
        }
        F51x8(out)
    }

    #[inline(always)]
    unsafe fn from_limbs(limbs: &[Limbs]) -> Self {
        let mut columns = [[0u64; MAX_LANES]; 5];
        for (lane, element) in limbs.iter().take(8).enumerate() {
            for (column, limb) in columns.iter_mut().zip(element) {
                column[lane] = *limb;
            }
        }
        let mut out = [_mm512_setzero_si512(); 5];
        for i in 0..5 {
            // Reads the 64 bytes of `columns[i]`; the unaligned load accepts any address.
            out[i] = _mm512_loadu_si512(columns[i].as_ptr().cast());
        }
        F51x8(out)
    }

    #[inline(always)]
    unsafe fn to_limbs(self, out: &mut [Limbs]) {
        let mut columns = [[0u64; MAX_LANES]; 5];
        for i in 0..5 {
            // Writes the 64 bytes of `columns[i]`; the unaligned store accepts any address.
            _mm512_storeu_si512(columns[i].as_mut_ptr().cast(), self.0[i]);
        }
        for (lane, element) in out.iter_mut().take(8).enumerate() {
            for i in 0..5 {
                element[i] = columns[i][lane];
            }
        }
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        let mut sum = self.0;
        for i in 0..5 {
            sum[i] = _mm512_add_epi64(self.0[i], other.0[i]);
        }
        F51x8(carry_once(sum))
    }

    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        let mut difference = self.0;
        for i in 0..5 {
            let minuend = _mm512_add_epi64(self.0[i], splat(TWO_P[i]));
            difference[i] = _mm512_sub_epi64(minuend, other.0[i]);
        }
        F51x8(carry_once(difference))
    }

    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        let (a, b) = (self.0, other.0);
        let mut lo = [_mm512_setzero_si512(); 9];
        let mut hi = [_mm512_setzero_si512(); 9];
        for i in 0..5 {
            for j in 0..5 {
                lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], a[i], b[j]);
                hi[i + j] = _mm512_madd52hi_epu64(hi[i + j], a[i], b[j]);
            }
        }
        reduce_product(lo, hi)
    }

    #[inline(always)]
    unsafe fn square(self) -> Self {
        let a = self.0;
        let mut lo = [_mm512_setzero_si512(); 9];
        let mut hi = [_mm512_setzero_si512(); 9];
        for i in 0..5 {
            for j in i + 1..5 {
                lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], a[i], a[j]);
                hi[i + j] = _mm512_madd52hi_epu64(hi[i + j], a[i], a[j]);
            }
        }
        // Each cross product appears twice: doubling the sums rather than the inputs keeps
        // the multiplier's operands below 2^52.
        for k in 0..9 {
            lo[k] = _mm512_slli_epi64::<1>(lo[k]);
            hi[k] = _mm512_slli_epi64::<1>(hi[k]);
        }
        for i in 0..5 {
            lo[2 * i] = _mm512_madd52lo_epu64(lo[2 * i], a[i], a[i]);
            hi[2 * i] = _mm512_madd52hi_epu64(hi[2 * i], a[i], a[i]);
        }
        reduce_product(lo, hi)
    }
}
