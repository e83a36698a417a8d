//! Points of secp256k1 (y² = x³ + 7) and the multiscalar sums of BIP-340 batches.
//!
//! Sums add affine points into Jacobian buckets (Pippenger's method with signed windows):
//! the mixed addition costs 7 multiplications and 4 squarings, where k256's complete
//! projective formulas cost about twice that. The group has prime order and no point of
//! order 2, so the only special cases are the identity, doubling and a point plus its
//! negation; each is handled exactly, because adversarial batches can contain them (a repeated
//! `R`, a key equal to another item's `R`).

use std::sync::{LazyLock, OnceLock};

use k256::elliptic_curve::scalar::IsHigh as _;
use k256::Scalar;

use super::field::Fe;
use crate::ec_tables;

/// A point other than the identity, in affine coordinates. One cache line each, so that a
/// table entry costs one fetch (see `ec_tables`'s prefetching).
#[repr(align(64))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine {
    x: Fe,
    y: Fe,
}

/// The generator G.
const GENERATOR: Affine = Affine {
    x: Fe::from_limbs([
        0x59F2_815B_16F8_1798,
        0x029B_FCDB_2DCE_28D9,
        0x55A0_6295_CE87_0B07,
        0x79BE_667E_F9DC_BBAC,
    ]),
    y: Fe::from_limbs([
        0x9C47_D08F_FB10_D4B8,
        0xFD17_B448_A685_5419,
        0x5DA4_FBFC_0E11_08A8,
        0x483A_DA77_26A3_C465,
    ]),
};

impl Affine {
    /// BIP-340's `lift_x` of each x-coordinate: the point with that x and even y, or `None`
    /// when x is not below p or no point has it. The square roots are computed side by side.
    pub(crate) fn lift_x_many(xs: &[&[u8]]) -> Vec<Option<Affine>> {
        let parsed: Vec<Option<Fe>> = xs.iter().map(|x| Fe::from_bytes(x)).collect();
        let curve: Vec<Fe> = parsed
            .iter()
            .map(|x| {
                x.map_or(Fe::ZERO, |x| {
                    x.square().mul(x).add(Fe::from_limbs([7, 0, 0, 0]))
                })
            })
            .collect();
        parsed
            .into_iter()
            .zip(Fe::sqrt_many(&curve))
            .map(|(x, y)| {
                let (x, y) = (x?, y?);
                let y = if y.is_odd() { y.neg() } else { y };
                Some(Affine { x, y })
            })
            .collect()
    }

    /// The uncompressed SEC1 encoding `04 ‖ x ‖ y`.
    pub(crate) fn to_uncompressed(self) -> [u8; 65] {
        let mut out = [4u8; 65];
        out[1..33].copy_from_slice(&self.x.to_bytes());
        out[33..].copy_from_slice(&self.y.to_bytes());
        out
    }

    /// The point of an uncompressed SEC1 encoding that libsecp256k1 has already validated.
    pub(crate) fn from_validated_uncompressed(bytes: &[u8; 65]) -> Option<Affine> {
        Some(Affine {
            x: Fe::from_bytes(&bytes[1..33])?,
            y: Fe::from_bytes(&bytes[33..])?,
        })
    }

    fn neg(self) -> Affine {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }

    /// λ·P = (β·x, y): the endomorphism that lets a 256-bit scalar act as two of 128 bits.
    fn endomorphism(self) -> Affine {
        Affine {
            x: self.x.mul(BETA),
            y: self.y,
        }
    }
}

/// β, a cube root of unity mod p: (β·x, y) = λ·(x, y) for the matching cube root of unity λ
/// mod n (−λ is [`MINUS_LAMBDA`]; libsecp256k1's constants).
const BETA: Fe = Fe::from_limbs([
    0xC139_6C28_7195_01EE,
    0x9CF0_4975_12F5_8995,
    0x6E64_479E_AC34_34E9,
    0x7AE9_6A2B_657C_0710,
]);

/// The GLV decomposition's constants (libsecp256k1's `scalar_split_lambda`): round(2^384·b2/n)
/// and round(2^384·(−b1)/n) as little-endian limbs, then −b1 and b2 (both below 2^128) and −λ.
const G1: [u64; 4] = [
    0xE893_209A_45DB_B031,
    0x3DAA_8A14_71E8_CA7F,
    0xE86C_90E4_9284_EB15,
    0x3086_D221_A7D4_6BCD,
];
const G2: [u64; 4] = [
    0x1571_B4AE_8AC4_7F71,
    0x2212_08AC_9DF5_06C6,
    0x6F54_7FA9_0ABF_E4C4,
    0xE443_7ED6_010E_8828,
];
const MINUS_B1: u128 = 0xE443_7ED6_010E_8828_6F54_7FA9_0ABF_E4C3;
const B2: u128 = 0x3086_D221_A7D4_6BCD_E86C_90E4_9284_EB15;
const MINUS_LAMBDA: [u8; 32] = [
    0xAC, 0x9C, 0x52, 0xB3, 0x3F, 0xA3, 0xCF, 0x1F, 0x5A, 0xD9, 0xE3, 0xFD, 0x77, 0xED, 0x9B, 0xA4,
    0xA8, 0x80, 0xB9, 0xFC, 0x8E, 0xC7, 0x39, 0xC2, 0xE0, 0xCF, 0xC8, 0x10, 0xB5, 0x12, 0x83, 0xCF,
];

/// −λ mod n as a scalar (k256's scalars cannot be built in constants).
static MINUS_LAMBDA_SCALAR: LazyLock<Scalar> =
    LazyLock::new(|| crate::secp256k1::reduce(&MINUS_LAMBDA));

/// round(a·b / 2^384) for a below n and b below 2^256, which is below 2^128 for the GLV
/// constants (for larger a the rounding could carry out of the top limb).
fn mul_shift_384(a: &[u64; 4], b: &[u64; 4]) -> u128 {
    let mut wide = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let sum = u128::from(wide[i + j]) + u128::from(a[i]) * u128::from(b[j]) + carry;
            wide[i + j] = sum as u64;
            carry = sum >> 64;
        }
        wide[i + 4] = carry as u64;
    }
    (u128::from(wide[7]) << 64 | u128::from(wide[6])) + u128::from(wide[5] >> 63)
}

/// (k1, k2) with k = k1 + k2·λ (mod n), each below 2^128 in magnitude (as residues mod n: a
/// "negative" one lies just below n). libsecp256k1's `scalar_split_lambda_verify` proves the
/// bounds: |k1| < 0xa2a8918ca85bafe22016d0b917e4dd77 and |k2| <
/// 0x8a65287bd47179fb2be08846cea267ed, both under 2^128 and n/2.
fn split_lambda(k: &Scalar) -> (Scalar, Scalar) {
    let k_limbs = limbs(k);
    let c1 = Scalar::from(mul_shift_384(&k_limbs, &G1)) * Scalar::from(MINUS_B1);
    let c2 = Scalar::from(mul_shift_384(&k_limbs, &G2)) * -Scalar::from(B2);
    let k2 = c1 + c2;
    (k2 * *MINUS_LAMBDA_SCALAR + k, k2)
}

/// A term of a sum: its point and a scalar below 2^128 as little-endian limbs.
type ShortTerm = (Affine, [u64; 4]);

/// `scalar · point` as terms with scalars below 2^128: the point itself when the scalar is
/// short already, else its GLV halves on P and λP, each negated when its half is.
fn short_terms(point: Affine, scalar: &Scalar, terms: &mut Vec<ShortTerm>) {
    let whole = limbs(scalar);
    if whole[2] == 0 && whole[3] == 0 {
        terms.push((point, whole));
        return;
    }
    let (k1, k2) = split_lambda(scalar);
    for (point, half) in [(point, k1), (point.endomorphism(), k2)] {
        let (point, half) = if bool::from(half.is_high()) {
            (point.neg(), -half)
        } else {
            (point, half)
        };
        let half = limbs(&half);
        // Proven below 2^128 (see `split_lambda`), so checking in debug builds is enough.
        debug_assert!(half[2] == 0 && half[3] == 0, "GLV halves are below 2^128");
        if half != [0; 4] {
            terms.push((point, half));
        }
    }
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³), or the identity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
    identity: bool,
}

impl Jacobian {
    pub(crate) const IDENTITY: Jacobian = Jacobian {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
        identity: true,
    };

    pub(crate) fn is_identity(&self) -> bool {
        self.identity
    }

    fn from_affine(p: Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
            identity: false,
        }
    }

    /// Whether both are the same point: X1 Z2² = X2 Z1² and Y1 Z2³ = Y2 Z1³.
    pub(crate) fn equals(&self, other: &Jacobian) -> bool {
        if self.identity || other.identity {
            return self.identity == other.identity;
        }
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        self.x.mul(z2z2).equals(other.x.mul(z1z1))
            && self
                .y
                .mul(z2z2)
                .mul(other.z)
                .equals(other.y.mul(z1z1).mul(self.z))
    }

    pub(crate) fn neg(self) -> Jacobian {
        Jacobian {
            y: self.y.neg(),
            ..self
        }
    }

    /// dbl-2009-l (a = 0): 2 multiplications, 5 squarings.
    fn double(self) -> Jacobian {
        if self.identity {
            return self;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        let d = self.x.add(b).square().sub(a).sub(c).double();
        let e = a.double().add(a);
        let f = e.square();
        let x = f.sub(d.double());
        let y = e.mul(d.sub(x)).sub(c.double().double().double());
        let z = self.y.mul(self.z).double();
        Jacobian {
            x,
            y,
            z,
            identity: false,
        }
    }

    /// madd-2007-bl: `self + q` with q affine, 7 multiplications and 4 squarings.
    fn add_affine(self, q: &Affine) -> Jacobian {
        if self.identity {
            return Jacobian::from_affine(*q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(z1z1);
        let s2 = q.y.mul(self.z).mul(z1z1);
        let h = u2.sub(self.x);
        let r = s2.sub(self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(i);
        let v = self.x.mul(i);
        let x = r.square().sub(j).sub(v.double());
        let y = r.mul(v.sub(x)).sub(self.y.mul(j).double());
        let z = self.z.add(h).square().sub(z1z1).sub(hh);
        Jacobian {
            x,
            y,
            z,
            identity: false,
        }
    }

    /// add-2007-bl: `self + q`, 11 multiplications and 5 squarings.
    pub(crate) fn add(self, q: &Jacobian) -> Jacobian {
        if self.identity {
            return *q;
        }
        if q.identity {
            return self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(z2z2);
        let u2 = q.x.mul(z1z1);
        let s1 = self.y.mul(q.z).mul(z2z2);
        let s2 = q.y.mul(self.z).mul(z1z1);
        let h = u2.sub(u1);
        let r = s2.sub(s1).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::IDENTITY
            };
        }
        let i = h.double().square();
        let j = h.mul(i);
        let v = u1.mul(i);
        let x = r.square().sub(j).sub(v.double());
        let y = r.mul(v.sub(x)).sub(s1.mul(j).double());
        let z = self.z.add(q.z).square().sub(z1z1).sub(z2z2).mul(h);
        Jacobian {
            x,
            y,
            z,
            identity: false,
        }
    }
}

impl ec_tables::Point for Jacobian {
    type Affine = Affine;
    type Field = Fe;

    const IDENTITY: Jacobian = Jacobian::IDENTITY;

    fn from_affine(point: &Affine) -> Jacobian {
        Jacobian::from_affine(*point)
    }

    fn double(&self) -> Jacobian {
        Jacobian::double(*self)
    }

    fn add(&self, other: &Jacobian) -> Jacobian {
        Jacobian::add(*self, other)
    }

    fn add_affine(&self, other: &Affine) -> Jacobian {
        Jacobian::add_affine(*self, other)
    }

    fn neg(&self) -> Jacobian {
        Jacobian::neg(*self)
    }

    fn neg_affine(point: &Affine) -> Affine {
        point.neg()
    }

    fn is_identity(&self) -> bool {
        self.identity
    }

    fn coordinates(&self) -> (Fe, Fe, Fe) {
        (self.x, self.y, self.z)
    }

    fn affine(x: Fe, y: Fe) -> Affine {
        Affine { x, y }
    }
}

/// NAF window of G's table for ECDSA: 1,024 odd multiples per part, 512 KiB built once per
/// process (libsecp256k1's own tables of G are of that size). Against a window of 8 (32 KiB),
/// verification measured 6% faster.
const G_WINDOW: u32 = 12;
/// NAF window of a repeated ECDSA signer's table: 16 odd multiples per part (8 KiB). Against 5,
/// 9% faster verification for twice the memory; 7 was 3% faster again for twice the memory and
/// the build time.
const KEY_WINDOW: u32 = 6;

pub(crate) type Table = ec_tables::Table<Affine>;

/// A key's table for ECDSA verification.
pub(crate) fn key_table(point: &Affine) -> Table {
    Table::new::<Jacobian>(point, KEY_WINDOW)
}

/// `u1·G + u2·key` with the key's table.
pub(crate) fn double_mul(u1: &Scalar, u2: &Scalar, key: &Table) -> Jacobian {
    static G_TABLE: OnceLock<Table> = OnceLock::new();
    let g = G_TABLE.get_or_init(|| Table::new::<Jacobian>(&GENERATOR, G_WINDOW));
    let key = ec_tables::KeyMultiples::Table(key);
    ec_tables::double_mul(g, &limbs(u1), &limbs(u2), &key)
}

/// A scalar as little-endian 64-bit limbs.
fn limbs(scalar: &Scalar) -> [u64; 4] {
    let bytes = scalar.to_bytes();
    core::array::from_fn(|i| {
        let start = 32 - 8 * (i + 1);
        u64::from_be_bytes(bytes[start..start + 8].try_into().expect("8 bytes"))
    })
}

/// `[g_weight] G + Σ scalars[i] · points[i]`, by Pippenger's bucket method with signed
/// digits, every scalar of 128 bits or more first split in two by the GLV endomorphism (half
/// the windows, so half the bucket sums, for twice those terms). Variable time: the inputs
/// are public.
pub(crate) fn multiscalar(g_weight: &Scalar, points: &[Affine], scalars: &[Scalar]) -> Jacobian {
    let mut terms = Vec::with_capacity(2 * (points.len() + 1));
    short_terms(GENERATOR, g_weight, &mut terms);
    for (point, scalar) in points.iter().zip(scalars) {
        short_terms(*point, scalar, &mut terms);
    }
    let (window, _) = best_window(terms.len());
    let windows = window_count(window);
    let mut digits = vec![0i32; terms.len() * windows];
    for ((_, scalar), digits) in terms.iter().zip(digits.chunks_exact_mut(windows)) {
        signed_digits(scalar, window, digits);
    }
    let mut buckets = vec![Jacobian::IDENTITY; 1 << (window - 1)];
    let mut total = Jacobian::IDENTITY;
    for j in (0..windows).rev() {
        for _ in 0..window {
            total = total.double();
        }
        buckets.fill(Jacobian::IDENTITY);
        for ((point, _), digits) in terms.iter().zip(digits.chunks_exact(windows)) {
            let digit = digits[j];
            if digit > 0 {
                let bucket = &mut buckets[digit as usize - 1];
                *bucket = bucket.add_affine(point);
            } else if digit < 0 {
                let bucket = &mut buckets[(-digit) as usize - 1];
                *bucket = bucket.add_affine(&point.neg());
            }
        }
        let mut running = Jacobian::IDENTITY;
        for bucket in buckets.iter().rev() {
            running = running.add(bucket);
            total = total.add(&running);
        }
    }
    total
}

/// Signed window digits of a scalar below 2^128 (little-endian limbs), least significant
/// first: `Σ d_j 2^(c j)` with every `|d_j| <= 2^(c-1)`, which halves the buckets a window
/// needs.
fn signed_digits(limbs: &[u64; 4], window: usize, digits: &mut [i32]) {
    let half = 1i64 << (window - 1);
    let mut carry = 0i64;
    for (j, digit) in digits.iter_mut().enumerate() {
        let raw = window_bits(limbs, j * window, window) as i64 + carry;
        if raw >= half {
            *digit = (raw - 2 * half) as i32;
            carry = 1;
        } else {
            *digit = raw as i32;
            carry = 0;
        }
    }
}

fn window_bits(limbs: &[u64; 4], start: usize, count: usize) -> u64 {
    let limb = start / 64;
    let shift = start % 64;
    if limb >= limbs.len() {
        return 0;
    }
    let mut bits = limbs[limb] >> shift;
    if shift + count > 64 && limb + 1 < limbs.len() {
        bits |= limbs[limb + 1] << (64 - shift);
    }
    bits & ((1 << count) - 1)
}

/// Windows of `window` bits a scalar below 2^128 needs in signed form (one more for the carry).
fn window_count(window: usize) -> usize {
    128usize.div_ceil(window) + 1
}

/// The window width with the fewest additions for `points` terms, and that count: each window
/// adds every point into a bucket and then sums its `2^(c-1)` buckets with two additions each.
fn best_window(points: usize) -> (usize, usize) {
    (2..=16)
        .map(|window| (window, window_count(window) * (points + (1 << window))))
        .min_by_key(|&(_, additions)| additions)
        .unwrap_or((2, usize::MAX))
}

/// Point additions a sum of `points` terms costs (what bisection weighs a split by): half of
/// them, the R terms, have 128-bit weights and stay whole, the keys' and G's are split in two.
pub(crate) fn additions(points: usize) -> usize {
    best_window(points / 2 + 2 * (points - points / 2) + 2).1
}

/// [`split_lambda`] on big-endian bytes, for the `field_arithmetic` fuzz target.
#[cfg(fuzzing)]
pub(crate) fn fuzz_glv_split(k: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let (k1, k2) = split_lambda(&super::reduce(k));
    (k1.to_bytes().into(), k2.to_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::elliptic_curve::sec1::ToSec1Point;
    use k256::ProjectivePoint;
    use sha2::{Digest, Sha256};

    fn random_scalar(seed: u64) -> Scalar {
        let digest: [u8; 32] = Sha256::digest(seed.to_le_bytes()).into();
        crate::secp256k1::reduce(&digest)
    }

    /// k256's point in our coordinates, and the SEC1 bytes to compare results by.
    fn ours(point: &ProjectivePoint) -> Affine {
        let encoded = point.to_affine().to_sec1_point(false);
        let bytes = encoded.as_bytes();
        Affine {
            x: Fe::from_bytes(bytes[1..33].try_into().unwrap()).unwrap(),
            y: Fe::from_bytes(bytes[33..].try_into().unwrap()).unwrap(),
        }
    }

    fn encoded(point: Jacobian) -> Option<[u8; 65]> {
        if point.is_identity() {
            return None;
        }
        let zinv = point.z.invert();
        let zinv2 = zinv.square();
        Some(
            Affine {
                x: point.x.mul(zinv2),
                y: point.y.mul(zinv2).mul(zinv),
            }
            .to_uncompressed(),
        )
    }

    fn k256_encoded(point: &ProjectivePoint) -> Option<[u8; 65]> {
        let affine = point.to_affine();
        let encoded = affine.to_sec1_point(false);
        encoded.as_bytes().try_into().ok()
    }

    #[test]
    fn table_double_multiplication_matches_k256() {
        let minus_one = -Scalar::ONE;
        for round in 0..100u64 {
            let key = ProjectivePoint::GENERATOR * random_scalar(1000 + round);
            let (u1, u2) = match round {
                0 => (Scalar::ZERO, random_scalar(round)),
                1 => (random_scalar(round), Scalar::ZERO),
                2 => (Scalar::ONE, Scalar::ONE),
                3 => (minus_one, minus_one),
                4 => (Scalar::ZERO, Scalar::ZERO),
                _ => (random_scalar(2 * round), random_scalar(2 * round + 1)),
            };
            let table = key_table(&ours(&key));
            let got = double_mul(&u1, &u2, &table);
            let want = ProjectivePoint::GENERATOR * u1 + key * u2;
            let want = (!bool::from(k256::elliptic_curve::group::Group::is_identity(&want)))
                .then(|| k256_encoded(&want))
                .flatten();
            assert_eq!(encoded(got), want, "round {round}");
        }
        // A sum that cancels: u1·G + u2·(−(u1/u2)·G).
        let (u1, u2) = (random_scalar(7), random_scalar(8));
        let key = ProjectivePoint::GENERATOR * (-(u1 * u2.invert().unwrap()));
        let table = key_table(&ours(&key));
        assert!(double_mul(&u1, &u2, &table).is_identity());
    }

    #[test]
    fn the_generator_is_k256s() {
        assert_eq!(
            GENERATOR.to_uncompressed(),
            k256_encoded(&ProjectivePoint::GENERATOR).unwrap()
        );
    }

    #[test]
    fn lift_x_matches_k256() {
        use k256::elliptic_curve::point::DecompactPoint;
        for seed in 0..100u64 {
            let x: [u8; 32] = Sha256::digest(seed.to_be_bytes()).into();
            let theirs = k256::AffinePoint::decompact(&x.into()).into_option();
            let mine = Affine::lift_x_many(&[&x[..]]).pop().flatten();
            assert_eq!(
                mine.map(Affine::to_uncompressed),
                theirs.map(|p| p.to_sec1_point(false).as_bytes().try_into().unwrap()),
                "x = {x:02x?}"
            );
        }
        assert!(
            Affine::lift_x_many(&[&[0xff; 32]])[0].is_none(),
            "not below p"
        );
    }

    #[test]
    fn special_cases_are_exact() {
        let p = ours(&(ProjectivePoint::GENERATOR * random_scalar(1)));
        let jp = Jacobian::from_affine(p);
        assert!(jp.add_affine(&p.neg()).is_identity());
        assert!(jp.add(&jp.neg()).is_identity());
        assert_eq!(encoded(jp.add_affine(&p)), encoded(jp.double()));
        assert_eq!(encoded(jp.add(&jp)), encoded(jp.double()));
        assert_eq!(
            encoded(Jacobian::IDENTITY.add_affine(&p)),
            Some(p.to_uncompressed())
        );
        assert_eq!(encoded(Jacobian::IDENTITY.add(&jp)), encoded(jp));
        assert!(Jacobian::IDENTITY.double().is_identity());
        assert!(jp.double().equals(&jp.add(&jp)));
        assert!(!jp.double().equals(&jp));
        assert!(Jacobian::IDENTITY.equals(&jp.add(&jp.neg())));
        assert!(!Jacobian::IDENTITY.equals(&jp));
        // A point met in another representation (z not 1) still meets its negation.
        let tripled = jp.double().add_affine(&p);
        let three = ours(&(ProjectivePoint::GENERATOR * (random_scalar(1) * Scalar::from(3u64))));
        assert!(tripled.add_affine(&three.neg()).is_identity());
        assert_eq!(encoded(tripled), Some(three.to_uncompressed()));
    }

    #[test]
    fn multiscalar_matches_k256() {
        for len in [0usize, 1, 2, 3, 17, 100, 300] {
            let k256_points: Vec<ProjectivePoint> = (0..len)
                .map(|i| ProjectivePoint::GENERATOR * random_scalar(1000 + i as u64))
                .collect();
            let points: Vec<Affine> = k256_points.iter().map(ours).collect();
            let mut scalars: Vec<Scalar> =
                (0..len).map(|i| random_scalar(2000 + i as u64)).collect();
            if len > 3 {
                scalars[0] = Scalar::ZERO;
                scalars[1] = -Scalar::ONE;
                scalars[2] = Scalar::ONE;
            }
            let g_weight = random_scalar(7);
            let expected = k256_points
                .iter()
                .zip(&scalars)
                .fold(ProjectivePoint::GENERATOR * g_weight, |acc, (p, s)| {
                    acc + p * s
                });
            let got = multiscalar(&g_weight, &points, &scalars);
            assert_eq!(encoded(got), k256_encoded(&expected), "{len} terms");
        }
    }

    #[test]
    fn a_sum_that_cancels_is_the_identity() {
        // Repeated points and a point against its negation, as crafted batches may hold.
        let p = ours(&(ProjectivePoint::GENERATOR * random_scalar(5)));
        let points = vec![p, p, p.neg(), p];
        let scalars = vec![
            Scalar::from(5u64),
            Scalar::from(7u64),
            Scalar::from(2u64),
            -Scalar::from(10u64),
        ];
        assert!(multiscalar(&Scalar::ZERO, &points, &scalars).is_identity());
        let g = GENERATOR;
        assert!(multiscalar(
            &-Scalar::from(3u64),
            &[g, g],
            &[Scalar::ONE, Scalar::from(2u64)]
        )
        .is_identity());
    }

    #[test]
    fn signed_digits_recompose_the_scalar() {
        for seed in 0..50 {
            let whole = limbs(&random_scalar(seed));
            let short = match seed {
                0 => [u64::MAX, u64::MAX, 0, 0],
                _ => [whole[0], whole[1], 0, 0],
            };
            let scalar = Scalar::from(u128::from(short[1]) << 64 | u128::from(short[0]));
            for window in [2, 5, 8, 13, 16] {
                let mut digits = vec![0; window_count(window)];
                signed_digits(&short, window, &mut digits);
                let base = Scalar::from(1u64 << window);
                let recomposed = digits.iter().rev().fold(Scalar::ZERO, |acc, &d| {
                    let digit = Scalar::from(u64::from(d.unsigned_abs()));
                    acc * base + if d < 0 { -digit } else { digit }
                });
                assert_eq!(recomposed, scalar, "seed {seed}, window {window}");
                assert!(digits.iter().all(|d| d.unsigned_abs() <= 1 << (window - 1)));
            }
        }
    }

    /// λ·G computed by k256 is (β·x, y) of G, and every split recombines into its scalar with
    /// halves below 2^128 in magnitude.
    #[test]
    fn the_glv_split_recombines_into_short_halves() {
        let lambda = -*MINUS_LAMBDA_SCALAR;
        assert_eq!(lambda * lambda * lambda, Scalar::ONE);
        let want = k256_encoded(&(ProjectivePoint::GENERATOR * lambda));
        assert_eq!(Some(GENERATOR.endomorphism().to_uncompressed()), want);
        // libsecp256k1's proven bounds, tighter than 2^128: a rounding slip in `mul_shift_384`
        // moves k2 by about |b1| (2^127.8), which these catch.
        let within = |half: Scalar, bound: u128| {
            let half = if bool::from(half.is_high()) {
                -half
            } else {
                half
            };
            let half = limbs(&half);
            let low = u128::from(half[1]) << 64 | u128::from(half[0]);
            half[2] == 0 && half[3] == 0 && low < bound
        };
        let edges = [Scalar::ZERO, Scalar::ONE, -Scalar::ONE, lambda, -lambda];
        let randoms = (0..2000u64).map(random_scalar);
        for (i, k) in edges.into_iter().chain(randoms).enumerate() {
            let (k1, k2) = split_lambda(&k);
            assert_eq!(k1 + k2 * lambda, k, "scalar {i}");
            assert!(
                within(k1, 0xa2a8918ca85bafe22016d0b917e4dd77),
                "k1 of scalar {i}"
            );
            assert!(
                within(k2, 0x8a65287bd47179fb2be08846cea267ed),
                "k2 of scalar {i}"
            );
        }
    }
}
