//! One field element at a time with 64-bit limbs and 128-bit products: the lane arithmetic
//! on every CPU, for the subgroup test where there are no SIMD lanes (curve25519-dalek has no
//! public field arithmetic to run it on).

use super::{FieldLanes, Limbs, LIMB_MASK, TWO_P};

/// One element mod p in five limbs below 2^52.
#[derive(Clone, Copy)]
pub(crate) struct F51x1(Limbs);

/// One carry from every limb at once (the top one, times 19, to the bottom), from limbs below
/// 2^63 to limbs below 2^51 + 19 * 2^12.
#[inline(always)]
fn carry_once(x: Limbs) -> Limbs {
    let mut out = x;
    for i in 0..5 {
        let carry = x[(i + 4) % 5] >> 51;
        out[i] = (x[i] & LIMB_MASK) + if i == 0 { 19 * carry } else { carry };
    }
    out
}

impl FieldLanes for F51x1 {
    const LANES: usize = 1;

    #[inline(always)]
    unsafe fn splat(limbs: &Limbs) -> Self {
        F51x1(*limbs)
    }

    #[inline(always)]
    unsafe fn from_limbs(limbs: &[Limbs]) -> Self {
        F51x1(limbs[0])
    }

    #[inline(always)]
    unsafe fn to_limbs(self, out: &mut [Limbs]) {
        out[0] = self.0;
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        F51x1(carry_once(core::array::from_fn(|i| self.0[i] + other.0[i])))
    }

    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        F51x1(carry_once(core::array::from_fn(|i| {
            self.0[i] + TWO_P[i] - other.0[i]
        })))
    }

    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        let (a, b) = (self.0, other.0);
        // Column k gathers the products a_i b_j with i + j = k or (times 19, as 2^255 = 19)
        // i + j = k + 5; each product is below 2^104 * 19, so five fit 128 bits.
        let mut columns = [0u128; 5];
        for i in 0..5 {
            for j in 0..5 {
                let product = u128::from(a[i]) * u128::from(b[j]);
                columns[(i + j) % 5] += if i + j < 5 { product } else { 19 * product };
            }
        }
        F51x1(carry_columns(columns))
    }

    #[inline(always)]
    unsafe fn square(self) -> Self {
        let a = self.0;
        // As `mul`, each cross product computed once and counted twice.
        let mut columns = [0u128; 5];
        for i in 0..5 {
            for j in i..5 {
                let product = u128::from(a[i]) * u128::from(a[j]);
                let product = if i == j { product } else { 2 * product };
                columns[(i + j) % 5] += if i + j < 5 { product } else { 19 * product };
            }
        }
        F51x1(carry_columns(columns))
    }
}

/// Limbs below 2^52 from columns below 2^111.
#[inline(always)]
fn carry_columns(mut columns: [u128; 5]) -> Limbs {
    let mask = u128::from(LIMB_MASK);
    for k in 0..4 {
        columns[k + 1] += columns[k] >> 51;
        columns[k] &= mask;
    }
    columns[0] += 19 * (columns[4] >> 51);
    columns[4] &= mask;
    columns[1] += columns[0] >> 51;
    columns[0] &= mask;
    columns.map(|column| column as u64)
}
