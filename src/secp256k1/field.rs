//! Arithmetic modulo secp256k1's prime p = 2^256 - 2^32 - 977, for the BIP-340 batch sums.
//!
//! k256 keeps its field type private, and its complete point formulas cost about twice the
//! multiplications a sum needs; these functions let [`super::msm`] use the cheaper
//! Jacobian formulas. Everything here handles public data only, so it is variable time.
//!
//! An element is four 64-bit limbs, little-endian, holding any value below 2^256 congruent to
//! the element (so p itself and a few values above it stand for small elements); `normalize`
//! gives the representative below p, which comparisons and encodings use. Because
//! 2^256 = p + C with C = 2^32 + 977, a carry out of the top limb is folded back as C.
//! Square roots (the long chains of squarings) convert to five 52-bit limbs, `Fe52`.

/// 2^256 mod p.
const C: u64 = 0x1_0000_03D1;

/// p, little-endian limbs.
const P: [u64; 4] = [
    0xFFFF_FFFE_FFFF_FC2F,
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFF_FFFF_FFFF,
];

/// An element of the field (see the module docs for the representation).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fe([u64; 4]);

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let wide = u128::from(acc) + u128::from(a) * u128::from(b) + u128::from(carry);
    (wide as u64, (wide >> 64) as u64)
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let wide = u128::from(a) + u128::from(b) + u128::from(carry);
    (wide as u64, (wide >> 64) as u64)
}

impl Fe {
    pub(super) const ZERO: Fe = Fe([0; 4]);
    pub(super) const ONE: Fe = Fe([1, 0, 0, 0]);

    /// The element of little-endian limbs (any value below 2^256).
    pub(super) const fn from_limbs(limbs: [u64; 4]) -> Fe {
        Fe(limbs)
    }

    /// The element of a big-endian 32-byte value, or `None` when the value is not below p (or
    /// is not 32 bytes).
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Fe> {
        let bytes: &[u8; 32] = bytes.try_into().ok()?;
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let start = 32 - 8 * (i + 1);
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[start..start + 8]);
            *limb = u64::from_be_bytes(word);
        }
        (!at_least_p(&limbs)).then_some(Fe(limbs))
    }

    /// The big-endian encoding of the representative below p.
    pub(super) fn to_bytes(self) -> [u8; 32] {
        let limbs = self.normalize().0;
        let mut bytes = [0u8; 32];
        for (i, limb) in limbs.iter().enumerate() {
            let start = 32 - 8 * (i + 1);
            bytes[start..start + 8].copy_from_slice(&limb.to_be_bytes());
        }
        bytes
    }

    /// The representative below p.
    #[inline]
    pub(super) fn normalize(self) -> Fe {
        if at_least_p(&self.0) {
            let (r0, borrow) = self.0[0].overflowing_sub(P[0]);
            let mut limbs = [r0, 0, 0, 0];
            let mut borrow = borrow;
            for i in 1..4 {
                let (d, b1) = self.0[i].overflowing_sub(P[i]);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                limbs[i] = d;
                borrow = b1 || b2;
            }
            Fe(limbs)
        } else {
            self
        }
    }

    #[inline]
    pub(super) fn is_zero(self) -> bool {
        self.normalize().0 == [0; 4]
    }

    pub(super) fn is_odd(self) -> bool {
        self.normalize().0[0] & 1 == 1
    }

    #[inline]
    pub(super) fn equals(self, other: Fe) -> bool {
        self.normalize().0 == other.normalize().0
    }

    #[inline]
    pub(super) fn add(self, other: Fe) -> Fe {
        let (r0, carry) = adc(self.0[0], other.0[0], 0);
        let (r1, carry) = adc(self.0[1], other.0[1], carry);
        let (r2, carry) = adc(self.0[2], other.0[2], carry);
        let (r3, carry) = adc(self.0[3], other.0[3], carry);
        fold([r0, r1, r2, r3], carry)
    }

    #[inline]
    pub(super) fn sub(self, other: Fe) -> Fe {
        let mut limbs = [0u64; 4];
        let mut borrow = false;
        for (i, limb) in limbs.iter_mut().enumerate() {
            let (d, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *limb = d;
            borrow = b1 || b2;
        }
        // A borrow took 2^256 too many, which is C too many modulo p; the subtraction of C can
        // wrap once more, and then once more C is due.
        while borrow {
            let (d, b) = limbs[0].overflowing_sub(C);
            limbs[0] = d;
            borrow = b;
            let mut i = 1;
            while borrow && i < 4 {
                let (d, b) = limbs[i].overflowing_sub(1);
                limbs[i] = d;
                borrow = b;
                i += 1;
            }
        }
        Fe(limbs)
    }

    #[inline]
    pub(super) fn neg(self) -> Fe {
        Fe::ZERO.sub(self)
    }

    #[inline]
    pub(super) fn double(self) -> Fe {
        self.add(self)
    }

    #[inline(always)]
    pub(super) fn mul(self, other: Fe) -> Fe {
        let a = &self.0;
        let b = &other.0;
        let mut wide = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0;
            for j in 0..4 {
                let (low, high) = mac(wide[i + j], a[i], b[j], carry);
                wide[i + j] = low;
                carry = high;
            }
            wide[i + 4] = carry;
        }
        reduce(wide)
    }

    #[inline(always)]
    pub(super) fn square(self) -> Fe {
        let a = &self.0;
        // The off-diagonal products once, doubled, then the squares on the diagonal.
        let mut wide = [0u64; 8];
        for i in 0..3 {
            let mut carry = 0;
            for j in (i + 1)..4 {
                let (low, high) = mac(wide[i + j], a[i], a[j], carry);
                wide[i + j] = low;
                carry = high;
            }
            wide[i + 4] = carry;
        }
        let mut top = 0;
        for limb in wide.iter_mut() {
            let next = *limb >> 63;
            *limb = (*limb << 1) | top;
            top = next;
        }
        let mut carry = 0;
        for i in 0..4 {
            let (low, high) = mac(wide[2 * i], a[i], a[i], carry);
            wide[2 * i] = low;
            let (low, high) = adc(wide[2 * i + 1], high, 0);
            wide[2 * i + 1] = low;
            carry = high;
        }
        reduce(wide)
    }

    /// `self^(p - 2)`, the inverse of a non-zero element (zero for zero): for the affine
    /// tables of keys and of G, one per table.
    pub(super) fn invert(self) -> Fe {
        // p - 2 in binary is 223 ones, a zero, 22 ones, then 0000101101.
        let x = [Fe52::from(self)];
        let [blocks] = power_blocks(x);
        let t = mul_lanes(square_lanes([blocks.x223], 23), [blocks.x22]);
        let t = mul_lanes(square_lanes(t, 5), x);
        let t = mul_lanes(square_lanes(t, 3), [blocks.x2]);
        let [t] = mul_lanes(square_lanes(t, 2), x);
        t.into()
    }

    /// The square roots of many elements, `None` where there is none: `x^((p + 1) / 4)` (p is
    /// 3 mod 4), checked by squaring. Each root is a chain of 255 dependent squarings, so one chain leaves the multiplier waiting on its own results;
    /// four chains run side by side fill those waits, for about the time of two.
    pub(super) fn sqrt_many(values: &[Fe]) -> Vec<Option<Fe>> {
        let mut roots = Vec::with_capacity(values.len());
        for group in values.chunks(SQRT_LANES) {
            let mut lanes = [Fe52::from(Fe::ONE); SQRT_LANES];
            for (lane, value) in lanes.iter_mut().zip(group) {
                *lane = Fe52::from(*value);
            }
            let candidates = sqrt_candidates(lanes);
            for (candidate, value) in candidates.iter().zip(group) {
                let root = Fe::from(*candidate);
                roots.push(root.square().equals(*value).then_some(root));
            }
        }
        roots
    }
}

impl crate::ec_tables::FieldElement for Fe {
    const ONE: Fe = Fe::ONE;

    fn mul(&self, other: &Fe) -> Fe {
        Fe::mul(*self, *other)
    }

    fn invert(&self) -> Fe {
        Fe::invert(*self)
    }

    fn same(&self, other: &Fe) -> bool {
        self.equals(*other)
    }
}

/// Whether little-endian limbs hold a value of at least p.
#[inline]
fn at_least_p(limbs: &[u64; 4]) -> bool {
    limbs[3] == P[3] && limbs[2] == P[2] && limbs[1] == P[1] && limbs[0] >= P[0]
}

/// `limbs + carry * 2^256`, folded below 2^256.
#[inline]
fn fold(mut limbs: [u64; 4], mut carry: u64) -> Fe {
    while carry != 0 {
        let (r0, c) = mac(limbs[0], carry, C, 0);
        limbs[0] = r0;
        let (r1, c) = adc(limbs[1], c, 0);
        let (r2, c) = adc(limbs[2], 0, c);
        let (r3, c) = adc(limbs[3], 0, c);
        limbs[1] = r1;
        limbs[2] = r2;
        limbs[3] = r3;
        carry = c;
    }
    Fe(limbs)
}

/// A 512-bit product reduced below 2^256: the high half times C added to the low half.
#[inline]
fn reduce(wide: [u64; 8]) -> Fe {
    let (r0, carry) = mac(wide[0], wide[4], C, 0);
    let (r1, carry) = mac(wide[1], wide[5], C, carry);
    let (r2, carry) = mac(wide[2], wide[6], C, carry);
    let (r3, carry) = mac(wide[3], wide[7], C, carry);
    fold([r0, r1, r2, r3], carry)
}

/// An element as five limbs of 52 bits (the top one 48), as libsecp256k1's `field_5x52` keeps
/// them, for exponentiations. A product of two limbs fits in 104 bits, so its multiplication
/// adds partial products in 128-bit sums without carry chains; that makes a chain of
/// squarings (a square root is 255 of them) about a third faster than `Fe`'s. `Fe`'s own
/// additions stay faster than these limbs' would (they would need a carry pass each), so
/// points use `Fe` and exponentiations convert.
#[derive(Clone, Copy)]
struct Fe52([u64; 5]);

/// 52 bits.
const M52: u64 = 0xF_FFFF_FFFF_FFFF;

/// 2^260 mod p (C at the top limb's position).
const R52: u64 = 0x10_0000_3D10;

impl From<Fe> for Fe52 {
    fn from(fe: Fe) -> Fe52 {
        let w = fe.0;
        Fe52([
            w[0] & M52,
            (w[0] >> 52 | w[1] << 12) & M52,
            (w[1] >> 40 | w[2] << 24) & M52,
            (w[2] >> 28 | w[3] << 36) & M52,
            w[3] >> 16,
        ])
    }
}

impl From<Fe52> for Fe {
    /// Carried into canonical limbs (a product's top limb can exceed its 48 bits a little):
    /// the value stays below 2^256 after one fold of the top as C.
    fn from(fe: Fe52) -> Fe {
        let [mut t0, mut t1, mut t2, mut t3, mut t4] = fe.0;
        let top = t4 >> 48;
        t4 &= 0xFFFF_FFFF_FFFF;
        t0 += top * C;
        t1 += t0 >> 52;
        t0 &= M52;
        t2 += t1 >> 52;
        t1 &= M52;
        t3 += t2 >> 52;
        t2 &= M52;
        t4 += t3 >> 52;
        t3 &= M52;
        let words = [
            t0 | t1 << 52,
            t1 >> 12 | t2 << 40,
            t2 >> 24 | t3 << 28,
            t3 >> 36 | t4 << 16,
        ];
        // A top limb above 48 bits after the fold holds 2^256, which the shift above dropped:
        // fold it back as C.
        fold(words, t4 >> 48)
    }
}

impl Fe52 {
    /// libsecp256k1's `secp256k1_fe_mul_inner` (its 128-bit integer version).
    fn mul(self, other: Fe52) -> Fe52 {
        let [a0, a1, a2, a3, a4] = self.0;
        let b = &other.0;
        let w = |x: u64, y: u64| u128::from(x) * u128::from(y);
        let mut d = w(a0, b[3]) + w(a1, b[2]) + w(a2, b[1]) + w(a3, b[0]);
        let mut c = w(a4, b[4]);
        d += w(R52, c as u64);
        c >>= 64;
        let t3 = d as u64 & M52;
        d >>= 52;
        d += w(a0, b[4]) + w(a1, b[3]) + w(a2, b[2]) + w(a3, b[1]) + w(a4, b[0]);
        d += w(R52 << 12, c as u64);
        let mut t4 = d as u64 & M52;
        d >>= 52;
        let tx = t4 >> 48;
        t4 &= M52 >> 4;
        c = w(a0, b[0]);
        d += w(a1, b[4]) + w(a2, b[3]) + w(a3, b[2]) + w(a4, b[1]);
        let mut u0 = d as u64 & M52;
        d >>= 52;
        u0 = (u0 << 4) | tx;
        c += w(u0, R52 >> 4);
        let r0 = c as u64 & M52;
        c >>= 52;
        c += w(a0, b[1]) + w(a1, b[0]);
        d += w(a2, b[4]) + w(a3, b[3]) + w(a4, b[2]);
        c += w(d as u64 & M52, R52);
        d >>= 52;
        let r1 = c as u64 & M52;
        c >>= 52;
        c += w(a0, b[2]) + w(a1, b[1]) + w(a2, b[0]);
        d += w(a3, b[4]) + w(a4, b[3]);
        c += w(R52, d as u64);
        d >>= 64;
        let r2 = c as u64 & M52;
        c >>= 52;
        c += w(R52 << 12, d as u64) + u128::from(t3);
        let r3 = c as u64 & M52;
        c >>= 52;
        c += u128::from(t4);
        Fe52([r0, r1, r2, r3, c as u64])
    }

    /// libsecp256k1's `secp256k1_fe_sqr_inner` (its 128-bit integer version).
    fn square(self) -> Fe52 {
        let [mut a0, a1, a2, a3, mut a4] = self.0;
        let w = |x: u64, y: u64| u128::from(x) * u128::from(y);
        let mut d = w(a0 * 2, a3) + w(a1 * 2, a2);
        let mut c = w(a4, a4);
        d += w(R52, c as u64);
        c >>= 64;
        let t3 = d as u64 & M52;
        d >>= 52;
        a4 *= 2;
        d += w(a0, a4) + w(a1 * 2, a3) + w(a2, a2);
        d += w(R52 << 12, c as u64);
        let mut t4 = d as u64 & M52;
        d >>= 52;
        let tx = t4 >> 48;
        t4 &= M52 >> 4;
        c = w(a0, a0);
        d += w(a1, a4) + w(a2 * 2, a3);
        let mut u0 = d as u64 & M52;
        d >>= 52;
        u0 = (u0 << 4) | tx;
        c += w(u0, R52 >> 4);
        let r0 = c as u64 & M52;
        c >>= 52;
        a0 *= 2;
        c += w(a0, a1);
        d += w(a2, a4) + w(a3, a3);
        c += w(d as u64 & M52, R52);
        d >>= 52;
        let r1 = c as u64 & M52;
        c >>= 52;
        c += w(a0, a2) + w(a1, a1);
        d += w(a3, a4);
        c += w(R52, d as u64);
        d >>= 64;
        let r2 = c as u64 & M52;
        c >>= 52;
        c += w(R52 << 12, d as u64) + u128::from(t3);
        let r3 = c as u64 & M52;
        c >>= 52;
        c += u128::from(t4);
        Fe52([r0, r1, r2, r3, c as u64])
    }
}

/// Square-root chains run side by side (see [`Fe::sqrt_many`]).
const SQRT_LANES: usize = 4;

/// The powers `x^(2^k - 1)` that the exponents of the inverse and the square root share.
#[derive(Clone, Copy)]
struct Blocks {
    x2: Fe52,
    x22: Fe52,
    x223: Fe52,
}

/// Every lane squared `times` times, lanes interleaved so that their chains overlap.
fn square_lanes<const N: usize>(mut lanes: [Fe52; N], times: usize) -> [Fe52; N] {
    for _ in 0..times {
        for lane in lanes.iter_mut() {
            *lane = lane.square();
        }
    }
    lanes
}

fn mul_lanes<const N: usize>(a: [Fe52; N], b: [Fe52; N]) -> [Fe52; N] {
    core::array::from_fn(|i| a[i].mul(b[i]))
}

/// For each lane x: x^(2^2 - 1), x^(2^22 - 1) and x^(2^223 - 1), by the addition chain
/// 1, [2], 3, 6, 9, 11, [22], 44, 88, 176, 220, [223].
fn power_blocks<const N: usize>(x: [Fe52; N]) -> [Blocks; N] {
    let x2 = mul_lanes(square_lanes(x, 1), x);
    let x3 = mul_lanes(square_lanes(x2, 1), x);
    let x6 = mul_lanes(square_lanes(x3, 3), x3);
    let x9 = mul_lanes(square_lanes(x6, 3), x3);
    let x11 = mul_lanes(square_lanes(x9, 2), x2);
    let x22 = mul_lanes(square_lanes(x11, 11), x11);
    let x44 = mul_lanes(square_lanes(x22, 22), x22);
    let x88 = mul_lanes(square_lanes(x44, 44), x44);
    let x176 = mul_lanes(square_lanes(x88, 88), x88);
    let x220 = mul_lanes(square_lanes(x176, 44), x44);
    let x223 = mul_lanes(square_lanes(x220, 3), x3);
    core::array::from_fn(|i| Blocks {
        x2: x2[i],
        x22: x22[i],
        x223: x223[i],
    })
}

/// `x^((p + 1) / 4)` per lane: (p + 1) / 4 in binary is 223 ones, a zero, 22 ones, then
/// 000011 and two zeros.
fn sqrt_candidates<const N: usize>(x: [Fe52; N]) -> [Fe52; N] {
    let blocks = power_blocks(x);
    let pick = |f: fn(&Blocks) -> Fe52| -> [Fe52; N] { core::array::from_fn(|i| f(&blocks[i])) };
    let root = mul_lanes(square_lanes(pick(|b| b.x223), 23), pick(|b| b.x22));
    let root = mul_lanes(square_lanes(root, 6), pick(|b| b.x2));
    square_lanes(root, 2)
}

/// The operations the `field_arithmetic` fuzz target checks against big integers, on big-endian
/// values below 2^256 (which `from_limbs` takes unreduced).
#[cfg(fuzzing)]
pub(crate) fn fuzz_operations(a: &[u8; 32], b: &[u8; 32]) -> crate::fuzzing::FieldResults {
    let element = |bytes: &[u8; 32]| {
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            *limb = u64::from_be_bytes(bytes[24 - 8 * i..32 - 8 * i].try_into().expect("8 bytes"));
        }
        Fe::from_limbs(limbs)
    };
    let (x, y) = (element(a), element(b));
    crate::fuzzing::FieldResults {
        sum: x.add(y).to_bytes(),
        difference: x.sub(y).to_bytes(),
        product: x.mul(y).to_bytes(),
        square: x.square().to_bytes(),
        negation: x.neg().to_bytes(),
        inverse: x.invert().to_bytes(),
        square_root: Fe::sqrt_many(&[x])[0].map(Fe::to_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use sha2::{Digest, Sha256};

    fn modulus() -> BigUint {
        BigUint::from_bytes_be(&[P[3], P[2], P[1], P[0]].map(u64::to_be_bytes).concat())
    }

    fn big(x: Fe) -> BigUint {
        BigUint::from_bytes_be(&x.to_bytes())
    }

    /// Elements from a seed, including the awkward ones: 0, 1, p - 1, and raw limbs at or
    /// above p (which stand for small elements).
    fn samples() -> Vec<Fe> {
        let mut out = vec![
            Fe::ZERO,
            Fe::ONE,
            Fe([P[0] - 1, P[1], P[2], P[3]]),
            Fe(P),
            Fe([P[0] + 5, P[1], P[2], P[3]]),
            Fe([u64::MAX; 4]),
            Fe([0, 0, 0, 1 << 63]),
        ];
        for seed in 0..200u32 {
            let digest: [u8; 32] = Sha256::digest(seed.to_le_bytes()).into();
            let mut limbs = [0u64; 4];
            for (i, limb) in limbs.iter_mut().enumerate() {
                *limb = u64::from_le_bytes(digest[8 * i..8 * i + 8].try_into().unwrap());
            }
            out.push(Fe(limbs));
        }
        out
    }

    fn raw(x: Fe) -> BigUint {
        BigUint::from_bytes_be(
            &[x.0[3], x.0[2], x.0[1], x.0[0]]
                .map(u64::to_be_bytes)
                .concat(),
        )
    }

    #[test]
    fn operations_match_big_integers() {
        let p = modulus();
        let elements = samples();
        for (i, &a) in elements.iter().enumerate() {
            let ra = raw(a) % &p;
            assert_eq!(big(a), ra, "normalize {i}");
            assert_eq!(big(a.square()), &ra * &ra % &p, "square {i}");
            let square52 = Fe::from(Fe52::from(a).square());
            assert_eq!(big(square52), &ra * &ra % &p, "52-bit square {i}");
            assert_eq!(big(a.neg()), (&p - &ra) % &p, "neg {i}");
            if !a.is_zero() {
                assert_eq!(big(a.invert().mul(a)), BigUint::from(1u8), "invert {i}");
            }
            for (j, &b) in elements.iter().enumerate().step_by(7) {
                let rb = raw(b) % &p;
                assert_eq!(big(a.mul(b)), &ra * &rb % &p, "mul {i} {j}");
                let product52 = Fe::from(Fe52::from(a).mul(Fe52::from(b)));
                assert_eq!(big(product52), &ra * &rb % &p, "52-bit mul {i} {j}");
                assert_eq!(big(a.add(b)), (&ra + &rb) % &p, "add {i} {j}");
                assert_eq!(big(a.sub(b)), (&ra + &p - &rb) % &p, "sub {i} {j}");
            }
        }
    }

    #[test]
    fn square_roots_exist_exactly_for_squares() {
        let p = modulus();
        for a in samples() {
            let square = a.square();
            let [root, negated] = Fe::sqrt_many(&[square, square.neg()])[..] else {
                panic!("one result per value");
            };
            let root = root.expect("a square has a root");
            assert!(root.square().equals(square));
            // -1 is not a square modulo p (p is 3 mod 4), so -a^2 has no root unless a = 0.
            assert_eq!(negated.is_some(), a.is_zero());
            assert!(big(root) < p);
        }
    }

    #[test]
    fn encodings_round_trip_and_reject_values_not_below_p() {
        for a in samples() {
            let bytes = a.to_bytes();
            assert!(Fe::from_bytes(&bytes).unwrap().equals(a));
        }
        let p_bytes = Fe(P).to_bytes();
        assert_eq!(p_bytes, [0; 32], "p is zero");
        let mut p_raw = [0xff; 32];
        p_raw[27] = 0xfe;
        p_raw[30] = 0xfc;
        p_raw[31] = 0x2f;
        assert!(Fe::from_bytes(&p_raw).is_none());
        p_raw[31] = 0x2e;
        assert!(Fe::from_bytes(&p_raw).is_some());
    }
}
