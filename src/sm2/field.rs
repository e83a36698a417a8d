//! Arithmetic modulo SM2's prime p = 2^256 − 2^224 − 2^96 + 2^64 − 1, in Montgomery form with
//! four 64-bit limbs.
//!
//! The prime's low limb is 2^64 − 1, so −p⁻¹ mod 2^64 is 1 and each Montgomery reduction step
//! needs no multiplication to find its quotient digit; the multiplications by p's limbs are by
//! constants of the form 2^k − 1, which the compiler turns into shifts and subtractions.
//! Verification handles public data only, so the code branches on values freely.

/// p, little-endian limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
    0xffff_ffff_ffff_ffff,
    0xffff_fffe_ffff_ffff,
];

/// R² mod p (R = 2^256): multiplying by it enters Montgomery form.
const R2: [u64; 4] = [
    0x0000_0002_0000_0003,
    0x0000_0002_ffff_ffff,
    0x0000_0001_0000_0001,
    0x0000_0004_0000_0002,
];

/// An element of the field, in Montgomery form (a·R mod p) and fully reduced, so equal elements
/// have equal limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fe([u64; 4]);

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let wide = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (wide as u64, (wide >> 64) as u64)
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let wide = a as u128 + b as u128 + carry as u128;
    (wide as u64, (wide >> 64) as u64)
}

#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let wide = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (wide as u64, (wide >> 127) as u64)
}

/// `a - b` and whether it borrowed.
#[inline(always)]
pub(crate) fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut out = [0; 4];
    let mut borrow = 0;
    for i in 0..4 {
        (out[i], borrow) = sbb(a[i], b[i], borrow);
    }
    (out, borrow != 0)
}

/// `a + b` and whether it carried.
#[inline(always)]
pub(crate) fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut out = [0; 4];
    let mut carry = 0;
    for i in 0..4 {
        (out[i], carry) = adc(a[i], b[i], carry);
    }
    (out, carry != 0)
}

/// Big-endian bytes to little-endian limbs.
pub(crate) fn limbs_from_bytes(bytes: &[u8; 32]) -> [u64; 4] {
    core::array::from_fn(|i| {
        let at = 32 - 8 * (i + 1);
        u64::from_be_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    })
}

/// Whether `a < b` as integers.
pub(crate) fn less_than(a: &[u64; 4], b: &[u64; 4]) -> bool {
    sub_limbs(a, b).1
}

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 4]);
    /// R mod p: one, in Montgomery form.
    pub(crate) const ONE: Fe = Fe([
        0x0000_0000_0000_0001,
        0x0000_0000_ffff_ffff,
        0x0000_0000_0000_0000,
        0x0000_0001_0000_0000,
    ]);

    /// Montgomery form of `limbs`, which must be below p.
    pub(crate) const fn from_montgomery(limbs: [u64; 4]) -> Fe {
        Fe(limbs)
    }

    /// The element an integer below p names.
    pub(crate) fn from_limbs(limbs: &[u64; 4]) -> Option<Fe> {
        less_than(limbs, &P).then(|| Fe(*limbs).mul(&Fe(R2)))
    }

    /// A big-endian encoding, `None` when it is not below p.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        Fe::from_limbs(&limbs_from_bytes(bytes))
    }

    /// The integer in [0, p) this element is.
    pub(crate) fn to_limbs(self) -> [u64; 4] {
        self.mul(&Fe([1, 0, 0, 0])).0
    }

    pub(crate) fn to_bytes(self) -> [u8; 32] {
        let limbs = self.to_limbs();
        let mut out = [0; 32];
        for (i, limb) in limbs.iter().enumerate() {
            out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }

    /// Whether the integer this element is, is odd (the `y` parity of a compressed key).
    pub(crate) fn is_odd(&self) -> bool {
        self.to_limbs()[0] & 1 == 1
    }

    /// `sum` less p when the addition carried or left it at least p. Masks, not branches:
    /// which way it goes is a coin toss, and a mispredicted branch costs more than the limbs.
    #[inline(always)]
    fn reduce_once(sum: [u64; 4], carried: bool) -> Fe {
        let (reduced, borrowed) = sub_limbs(&sum, &P);
        let keep_sum = 0u64.wrapping_sub(u64::from(!carried & borrowed));
        Fe(core::array::from_fn(|i| {
            (sum[i] & keep_sum) | (reduced[i] & !keep_sum)
        }))
    }

    #[inline(always)]
    pub(crate) fn add(&self, other: &Fe) -> Fe {
        let (sum, carried) = add_limbs(&self.0, &other.0);
        Fe::reduce_once(sum, carried)
    }

    #[inline(always)]
    pub(crate) fn sub(&self, other: &Fe) -> Fe {
        let (difference, borrowed) = sub_limbs(&self.0, &other.0);
        let mask = 0u64.wrapping_sub(u64::from(borrowed));
        Fe(add_limbs(&difference, &P.map(|limb| limb & mask)).0)
    }

    #[inline(always)]
    pub(crate) fn double(&self) -> Fe {
        self.add(self)
    }

    #[inline(always)]
    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// Montgomery multiplication: the 512-bit product, then [`montgomery_reduce`].
    #[inline(always)]
    pub(crate) fn mul(&self, other: &Fe) -> Fe {
        let (a, b) = (&self.0, &other.0);
        let mut t = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0;
            for j in 0..4 {
                (t[i + j], carry) = mac(t[i + j], a[i], b[j], carry);
            }
            t[i + 4] = carry;
        }
        montgomery_reduce(t)
    }

    /// Squaring as a multiplication: a dedicated squaring (10 word products, not 16) measured
    /// no faster here, the chain's latency being the reduction's.
    #[inline(always)]
    pub(crate) fn square(&self) -> Fe {
        self.mul(self)
    }

    /// `self^exponent` (a public exponent), four bits at a time.
    fn pow(&self, exponent: &[u64; 4]) -> Fe {
        let mut powers = [Fe::ONE; 16];
        for i in 1..16 {
            powers[i] = powers[i - 1].mul(self);
        }
        let mut acc = Fe::ONE;
        for limb in exponent.iter().rev() {
            for nibble in (0..16).rev() {
                for _ in 0..4 {
                    acc = acc.square();
                }
                let digit = (limb >> (4 * nibble)) & 0xf;
                if digit != 0 {
                    acc = acc.mul(&powers[digit as usize]);
                }
            }
        }
        acc
    }

    /// The inverse by Fermat's little theorem; zero stays zero.
    pub(crate) fn invert(&self) -> Fe {
        let mut p_minus_2 = P;
        p_minus_2[0] -= 2;
        self.pow(&p_minus_2)
    }

    /// A square root, when there is one: p ≡ 3 (mod 4), so it is self^((p+1)/4).
    pub(crate) fn sqrt(&self) -> Option<Fe> {
        // (p + 1) / 4, little-endian limbs.
        const EXPONENT: [u64; 4] = [
            0x4000_0000_0000_0000,
            0xffff_ffff_c000_0000,
            0xffff_ffff_ffff_ffff,
            0x3fff_ffff_bfff_ffff,
        ];
        let root = self.pow(&EXPONENT);
        (root.square() == *self).then_some(root)
    }
}

/// t·R⁻¹ mod p for a 512-bit t below p·R, one limb at a time. −p⁻¹ ≡ 1 (mod 2^64), so each
/// step's quotient digit is the low limb itself.
#[inline(always)]
fn montgomery_reduce(mut t: [u64; 8]) -> Fe {
    let mut top = 0;
    for i in 0..4 {
        let m = t[i];
        let mut carry = 0;
        for j in 0..4 {
            (t[i + j], carry) = mac(t[i + j], m, P[j], carry);
        }
        (t[i + 4], top) = adc(t[i + 4], carry, top);
    }
    Fe::reduce_once([t[4], t[5], t[6], t[7]], top != 0)
}

impl crate::ec_tables::FieldElement for Fe {
    const ONE: Fe = Fe::ONE;

    fn mul(&self, other: &Fe) -> Fe {
        Fe::mul(self, other)
    }

    fn invert(&self) -> Fe {
        Fe::invert(self)
    }

    fn same(&self, other: &Fe) -> bool {
        self == other
    }
}

/// The operations the `field_arithmetic` fuzz target checks against big integers, on
/// big-endian values below p.
#[cfg(fuzzing)]
pub(crate) fn fuzz_operations(a: &[u8; 32], b: &[u8; 32]) -> Option<crate::fuzzing::FieldResults> {
    let (x, y) = (Fe::from_bytes(a)?, Fe::from_bytes(b)?);
    Some(crate::fuzzing::FieldResults {
        sum: x.add(&y).to_bytes(),
        difference: x.sub(&y).to_bytes(),
        product: x.mul(&y).to_bytes(),
        square: x.square().to_bytes(),
        negation: x.neg().to_bytes(),
        inverse: x.invert().to_bytes(),
        square_root: x.sqrt().map(Fe::to_bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use rand::{RngExt, SeedableRng};

    fn modulus() -> BigUint {
        BigUint::from_bytes_le(&P.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>())
    }

    fn big(fe: Fe) -> BigUint {
        BigUint::from_bytes_be(&fe.to_bytes())
    }

    fn random(rng: &mut impl rand::Rng) -> (Fe, BigUint) {
        let p = modulus();
        let value = BigUint::from_bytes_be(&rng.random::<[u8; 32]>()) % &p;
        let mut bytes = [0u8; 32];
        let be = value.to_bytes_be();
        bytes[32 - be.len()..].copy_from_slice(&be);
        (Fe::from_bytes(&bytes).expect("below p"), value)
    }

    #[test]
    fn the_constants_are_what_their_names_say() {
        let p = modulus();
        let r = BigUint::from(1u8) << 256;
        assert_eq!(big(Fe::ONE), BigUint::from(1u8));
        assert_eq!(
            BigUint::from_bytes_le(&R2.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>()),
            (&r * &r) % &p
        );
        assert_eq!(
            p,
            (&r - (BigUint::from(1u8) << 224) - (BigUint::from(1u8) << 96)
                + (BigUint::from(1u8) << 64))
                - 1u8
        );
    }

    #[test]
    fn arithmetic_matches_big_integers() {
        let p = modulus();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5302);
        let edges = [
            Fe::ZERO,
            Fe::ONE,
            Fe::ONE.neg(),
            Fe::ONE.neg().sub(&Fe::ONE),
        ];
        for round in 0..2000 {
            let (a, big_a) = match round {
                0..4 => (edges[round], big(edges[round])),
                _ => random(&mut rng),
            };
            let (b, big_b) = match round {
                4..8 => (edges[round - 4], big(edges[round - 4])),
                _ => random(&mut rng),
            };
            assert_eq!(big(a.add(&b)), (&big_a + &big_b) % &p);
            assert_eq!(big(a.sub(&b)), (&big_a + &p - &big_b) % &p);
            assert_eq!(big(a.mul(&b)), (&big_a * &big_b) % &p);
            assert_eq!(big(a.neg()), (&p - &big_a) % &p);
            if !a.is_zero() {
                assert_eq!(a.mul(&a.invert()), Fe::ONE);
            }
            let square = a.square();
            let root = square.sqrt().expect("a square has a root");
            assert!(root == a || root == a.neg());
        }
    }

    #[test]
    fn encodings_at_or_above_p_are_refused() {
        let mut bytes = [0u8; 32];
        for (i, limb) in P.iter().enumerate() {
            bytes[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        assert!(Fe::from_bytes(&bytes).is_none());
        bytes[31] -= 1;
        assert_eq!(Fe::from_bytes(&bytes), Some(Fe::ONE.neg()));
    }

    #[test]
    fn batch_inversion_inverts_each_element() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let elements: Vec<Fe> = (0..17).map(|_| random(&mut rng).0).collect();
        let mut inverted = elements.clone();
        crate::ec_tables::invert_all(&mut inverted);
        for (a, inverse) in elements.iter().zip(&inverted) {
            assert_eq!(a.mul(inverse), Fe::ONE);
        }
    }
}
