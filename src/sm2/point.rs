//! Points of sm2p256v1 (y² = x³ − 3x + b) and the one multiplication verification needs,
//! s·G + t·P, in Jacobian coordinates with the a = −3 doubling (the tables and the chain are
//! [`crate::ec_tables`]). Eight parts measured a fifth faster than four here; sixteen, or wider
//! windows, gained under 5% for twice the memory.

use std::sync::OnceLock;

use super::field::Fe;
use crate::ec_tables;

/// b of the curve equation, in Montgomery form.
pub(crate) const B: Fe = Fe::from_montgomery([
    0x90d2_3063_2bc0_dd42,
    0x71cf_379a_e9b5_37ab,
    0x5279_8150_5ea5_1c3c,
    0x240f_e188_ba20_e2c8,
]);

/// The generator.
pub(crate) const G: Affine = Affine {
    x: Fe::from_montgomery([
        0x6132_8990_f418_029e,
        0x3e79_81ed_dca6_c050,
        0xd6a1_ed99_ac24_c3c3,
        0x9116_7a5e_e1c1_3b05,
    ]),
    y: Fe::from_montgomery([
        0xc135_4e59_3c2d_0ddd,
        0xc1f5_e578_8d32_95fa,
        0x8d4c_fb06_6e2a_48f8,
        0x63cd_65d4_81d7_35bd,
    ]),
};

/// NAF window of G's table: 32 odd multiples per part.
const G_WINDOW: u32 = 7;
/// NAF window of a key's tables: 8 odd multiples per part.
const KEY_WINDOW: u32 = 5;

pub(crate) type Table = ec_tables::Table<Affine>;
pub(crate) type KeyMultiples<'a> = ec_tables::KeyMultiples<'a, Affine>;

/// A point other than the identity, in affine coordinates. One cache line each, so that a
/// table entry costs one fetch (see `ec_tables`'s prefetching).
#[repr(align(64))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

impl Affine {
    /// The point with these coordinates, when it is on the curve.
    pub(crate) fn new(x: Fe, y: Fe) -> Option<Affine> {
        (y.square() == rhs(&x)).then_some(Affine { x, y })
    }

    /// The point with this x and a y of this parity, when there is one.
    pub(crate) fn decompress(x: Fe, odd: bool) -> Option<Affine> {
        let y = rhs(&x).sqrt()?;
        let y = if y.is_odd() == odd { y } else { y.neg() };
        Some(Affine { x, y })
    }

    fn neg(&self) -> Affine {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

/// x³ − 3x + b.
fn rhs(x: &Fe) -> Fe {
    let three_x = x.double().add(x);
    x.square().mul(x).sub(&three_x).add(&B)
}

/// (X : Y : Z) is the affine point (X/Z², Y/Z³); Z = 0 is the identity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl From<Affine> for Jacobian {
    fn from(point: Affine) -> Jacobian {
        Jacobian {
            x: point.x,
            y: point.y,
            z: Fe::ONE,
        }
    }
}

impl Jacobian {
    pub(crate) const IDENTITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    fn neg(&self) -> Jacobian {
        Jacobian {
            y: self.y.neg(),
            ..*self
        }
    }

    /// dbl-2001-b (a = −3): 3M + 5S.
    pub(crate) fn double(&self) -> Jacobian {
        if self.is_identity() {
            return *self;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x = alpha.square().sub(&beta4.double());
        let z = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma_sq8 = gamma.square().double().double().double();
        let y = alpha.mul(&beta4.sub(&x)).sub(&gamma_sq8);
        Jacobian { x, y, z }
    }

    /// madd-2007-bl: 7M + 4S, with the cases the formula cannot take.
    pub(crate) fn add_affine(&self, other: &Affine) -> Jacobian {
        if self.is_identity() {
            return Jacobian::from(*other);
        }
        let z1z1 = self.z.square();
        let u2 = other.x.mul(&z1z1);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&self.y.mul(&j).double());
        let z = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Jacobian { x, y, z }
    }

    /// add-2007-bl: 11M + 5S, with the cases the formula cannot take.
    pub(crate) fn add(&self, other: &Jacobian) -> Jacobian {
        if self.is_identity() {
            return *other;
        }
        if other.is_identity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = other.x.mul(&z1z1);
        let s1 = self.y.mul(&other.z).mul(&z2z2);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Jacobian::IDENTITY
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&s1.mul(&j).double());
        let z = self.z.add(&other.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Jacobian { x, y, z }
    }

    /// The affine point, for tests.
    #[cfg(test)]
    pub(crate) fn to_affine(self) -> Option<Affine> {
        if self.is_identity() {
            return None;
        }
        let z_inv = self.z.invert();
        let zz = z_inv.square();
        Some(Affine {
            x: self.x.mul(&zz),
            y: self.y.mul(&zz).mul(&z_inv),
        })
    }
}

impl ec_tables::Point for Jacobian {
    type Affine = Affine;
    type Field = Fe;

    const IDENTITY: Jacobian = Jacobian::IDENTITY;

    fn from_affine(point: &Affine) -> Jacobian {
        Jacobian::from(*point)
    }

    fn double(&self) -> Jacobian {
        Jacobian::double(self)
    }

    fn add(&self, other: &Jacobian) -> Jacobian {
        Jacobian::add(self, other)
    }

    fn add_affine(&self, other: &Affine) -> Jacobian {
        Jacobian::add_affine(self, other)
    }

    fn neg(&self) -> Jacobian {
        Jacobian::neg(self)
    }

    fn neg_affine(point: &Affine) -> Affine {
        point.neg()
    }

    fn is_identity(&self) -> bool {
        Jacobian::is_identity(self)
    }

    fn coordinates(&self) -> (Fe, Fe, Fe) {
        (self.x, self.y, self.z)
    }

    fn affine(x: Fe, y: Fe) -> Affine {
        Affine { x, y }
    }
}

impl Table {
    /// A key's table.
    pub(crate) fn for_key(point: &Affine) -> Table {
        Table::new::<Jacobian>(point, KEY_WINDOW)
    }
}

/// G's table, built on first use.
fn generator_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::new::<Jacobian>(&G, G_WINDOW))
}

/// `s·G + t·key`, with `s` and `t` as little-endian integers.
pub(crate) fn double_mul(s: &[u64; 4], t: &[u64; 4], key: &KeyMultiples<'_>) -> Jacobian {
    ec_tables::double_mul(generator_table(), s, t, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use sm2::elliptic_curve::sec1::ToSec1Point as _;
    use sm2::elliptic_curve::PrimeField as _;

    /// The oracle: RustCrypto's sm2 arithmetic.
    fn oracle_mul(s: &[u8; 32], t: &[u8; 32], key: &sm2::ProjectivePoint) -> Option<[u8; 64]> {
        let scalar = |bytes: &[u8; 32]| {
            Option::<sm2::Scalar>::from(sm2::Scalar::from_repr((*bytes).into())).expect("below n")
        };
        let sum = sm2::ProjectivePoint::GENERATOR * scalar(s) + *key * scalar(t);
        let encoded = sum.to_affine().to_sec1_point(false);
        let bytes = encoded.as_bytes();
        (bytes.len() == 65).then(|| bytes[1..].try_into().expect("64 bytes"))
    }

    fn encode(point: Option<Affine>) -> Option<[u8; 64]> {
        point.map(|p| {
            let mut out = [0u8; 64];
            out[..32].copy_from_slice(&p.x.to_bytes());
            out[32..].copy_from_slice(&p.y.to_bytes());
            out
        })
    }

    /// A uniform scalar in [0, n), by rejection.
    fn below_n(rng: &mut impl rand::Rng) -> [u8; 32] {
        loop {
            let bytes: [u8; 32] = rng.random();
            if crate::sm2::field::less_than(&limbs(&bytes), &crate::sm2::ORDER) {
                return bytes;
            }
        }
    }

    /// n − 1.
    fn largest() -> [u8; 32] {
        let mut bytes = [0u8; 32];
        for (i, limb) in crate::sm2::ORDER.iter().enumerate() {
            bytes[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        bytes[31] -= 1;
        bytes
    }

    fn limbs(bytes: &[u8; 32]) -> [u64; 4] {
        super::super::field::limbs_from_bytes(bytes)
    }

    #[test]
    fn double_multiplication_matches_rustcrypto_with_and_without_tables() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5302_0001);
        for round in 0..200 {
            let k = below_n(&mut rng);
            let key_point = sm2::ProjectivePoint::GENERATOR
                * Option::<sm2::Scalar>::from(sm2::Scalar::from_repr(k.into())).unwrap();
            let encoded = key_point.to_affine().to_sec1_point(false);
            let x = Fe::from_bytes(encoded.as_bytes()[1..33].try_into().unwrap()).unwrap();
            let y = Fe::from_bytes(encoded.as_bytes()[33..].try_into().unwrap()).unwrap();
            let key = Affine::new(x, y).expect("on the curve");
            let (s, t) = match round {
                0 => ([0u8; 32], below_n(&mut rng)),
                1 => (below_n(&mut rng), [0u8; 32]),
                2 => {
                    let mut one = [0u8; 32];
                    one[31] = 1;
                    (one, one)
                }
                3 => (largest(), largest()),
                4 => (largest(), below_n(&mut rng)),
                _ => (below_n(&mut rng), below_n(&mut rng)),
            };
            let want = oracle_mul(&s, &t, &key_point);
            let table = Table::for_key(&key);
            for multiples in [KeyMultiples::Table(&table), KeyMultiples::Once(key)] {
                let got = double_mul(&limbs(&s), &limbs(&t), &multiples).to_affine();
                assert_eq!(encode(got), want, "round {round}");
            }
        }
    }

    #[test]
    fn the_generator_is_on_the_curve_and_decompresses_to_itself() {
        assert_eq!(Affine::new(G.x, G.y), Some(G));
        assert_eq!(Affine::decompress(G.x, G.y.is_odd()), Some(G));
        assert_eq!(Affine::decompress(G.x, !G.y.is_odd()), Some(G.neg()));
        assert_eq!(Affine::new(G.x, G.y.add(&Fe::ONE)), None);
    }

    #[test]
    fn the_special_cases_of_addition() {
        let g = Jacobian::from(G);
        assert!(g.add(&g.neg()).is_identity());
        assert!(g.add_affine(&G.neg()).is_identity());
        assert_eq!(g.add(&g).to_affine(), g.double().to_affine());
        assert_eq!(g.add_affine(&G).to_affine(), g.double().to_affine());
        assert_eq!(Jacobian::IDENTITY.add_affine(&G).to_affine(), Some(G));
        assert_eq!(Jacobian::IDENTITY.add(&g).to_affine(), Some(G));
        assert!(Jacobian::IDENTITY.double().is_identity());
    }
}
