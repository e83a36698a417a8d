//! Point decompression and the prime-order subgroup test, many points at a time.
//!
//! Decompressing an Ed25519 point is a square root mod p = 2^255 - 19: an exponentiation of
//! 254 squarings and 11 multiplications, each depending on the one before, so one point at a
//! time leaves most of a core idle. Here the exponentiation runs in SIMD lanes, one point per
//! lane, with the same operations in every lane (no secret or data-dependent branches). The
//! arithmetic is written once against [`FieldLanes`]; each instruction set implements that
//! trait, and [`LanePath::detect`] picks one at run time. Points leave through
//! `CompressedEdwardsY::decompress_with_x` (our addition to the vendored curve25519-dalek),
//! which accepts a lane's x-coordinate only after checking that it is the one
//! `decompress` returns, so a lane result can never change a point; where a lane has no
//! square root the encoding is decompressed again serially, which decides.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod ifma;
mod portable;

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};

/// A field element as five limbs of 51 bits, least significant first.
type Limbs = [u64; 5];

const LIMB_MASK: u64 = (1 << 51) - 1;
const ZERO: Limbs = [0; 5];
const ONE: Limbs = [1, 0, 0, 0, 0];
/// The curve constant d = -121665/121666.
const EDWARDS_D: Limbs = [
    929955233495203,
    466365720129213,
    1662059464998953,
    2033849074728123,
    1442794654840575,
];
/// 1 + d.
const ONE_PLUS_D: Limbs = [
    929955233495204,
    466365720129213,
    1662059464998953,
    2033849074728123,
    1442794654840575,
];
/// The square root of 1 + d whose quartic character is -i (the subgroup test needs this one).
const RHO: Limbs = [
    1599906806521538,
    1309563457358013,
    1913546986760764,
    2101475917639414,
    1115666411487605,
];
/// 2i(1 + `RHO`): the tangent slope at the 4-torsion point the subgroup test pairs with.
const LAMBDA: Limbs = [
    1164997649735081,
    1321793605177569,
    2125687342695728,
    2171786888045167,
    1228750548068516,
];
/// 2p, limb by limb: added before a subtraction, it keeps every limb non-negative for any
/// subtrahend with limbs below 2^52 - 38.
const TWO_P: Limbs = [
    (1 << 52) - 38,
    (1 << 52) - 2,
    (1 << 52) - 2,
    (1 << 52) - 2,
    (1 << 52) - 2,
];
/// A square root of -1: 2^((p-1)/4).
const SQRT_M1: Limbs = [
    1718705420411056,
    234908883556509,
    2233514472574048,
    2117202627021982,
    765476049583133,
];

/// Arithmetic mod p on `LANES` field elements at once.
///
/// Every function is `unsafe` because it runs instructions the CPU must support; the
/// decompression built on it runs only where [`LanePath::detect`] found them. Inputs and
/// outputs of `add`, `sub`, `mul` and `square` are loosely reduced (each implementation keeps
/// its limbs within what its multiplier accepts); `to_limbs` returns limbs of at most 52 bits
/// that [`canonical_bytes`] reduces.
pub(crate) trait FieldLanes: Copy {
    const LANES: usize;
    /// The same element in every lane, from reduced limbs.
    unsafe fn splat(limbs: &Limbs) -> Self;
    /// Lane `i` from `limbs[i]`, limbs below 2^52.
    unsafe fn from_limbs(limbs: &[Limbs]) -> Self;
    /// Lane `i` into `out[i]`.
    unsafe fn to_limbs(self, out: &mut [Limbs]);
    unsafe fn add(self, other: Self) -> Self;
    unsafe fn sub(self, other: Self) -> Self;
    unsafe fn mul(self, other: Self) -> Self;
    unsafe fn square(self) -> Self;
}

/// The SIMD path decompression runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LanePath {
    /// AVX-512 IFMA: sixteen points at once (two registers of eight), 52-bit multiply-accumulate.
    #[cfg(target_arch = "x86_64")]
    Ifma(ifma::IfmaToken),
    /// One point at a time, on every CPU, on [`portable::F51x1`]; where no subgroup test is
    /// asked for, curve25519-dalek's decompression instead (as fast, and no check needed).
    Portable,
}

impl LanePath {
    /// The path batches use, read once per process: the one `BATCHVERIFY_ED25519_LANES`
    /// names (`avx512-ifma` or `portable`, for comparing them on one machine) when this CPU
    /// has it, else the fastest this CPU has. Every path, the portable one included, must
    /// first give the known answers; `None` where none does (a faulty vector unit, a
    /// miscompiled build), and batches then use curve25519-dalek's decompression and `[L]P`,
    /// the answers the check compares with.
    pub(crate) fn detect() -> Option<LanePath> {
        static CONFIGURED: std::sync::OnceLock<Option<LanePath>> = std::sync::OnceLock::new();
        *CONFIGURED.get_or_init(|| {
            let available = usable(Self::available(), known_answers_hold);
            let fastest = *available.first()?;
            let Ok(asked) = std::env::var("BATCHVERIFY_ED25519_LANES") else {
                return Some(fastest);
            };
            let found = available.iter().find(|path| path.name() == asked);
            if found.is_none() {
                log::warn!(
                    "BATCHVERIFY_ED25519_LANES={asked:?}: not a lane path of this CPU \
                     (it has {:?}); using the fastest",
                    available.iter().map(|path| path.name()).collect::<Vec<_>>()
                );
            }
            Some(found.copied().unwrap_or(fastest))
        })
    }

    /// The name of what [`LanePath::detect`] chose, for `batchverify info`.
    pub(crate) fn detected_name() -> &'static str {
        Self::detect().map_or("curve25519-dalek", LanePath::name)
    }

    /// Every path this CPU has, fastest first; `Portable` is always there.
    pub(crate) fn available() -> Vec<LanePath> {
        let mut paths = Vec::new();
        #[cfg(target_arch = "x86_64")]
        paths.extend(ifma::IfmaToken::detect().map(LanePath::Ifma));
        paths.push(LanePath::Portable);
        paths
    }

    /// The name `batchverify info` and the benchmarks report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(_) => "avx512-ifma",
            LanePath::Portable => "portable",
        }
    }

    fn lanes(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(_) => <ifma::Lanes as FieldLanes>::LANES,
            LanePath::Portable => <portable::F51x1 as FieldLanes>::LANES,
        }
    }

    /// For each of `LANES` encodings, the x-coordinate of the point it encodes as
    /// `decompress` computes it, or `None` where its y has no point.
    fn x_coordinates(self, encodings: &[[u8; 32]], xs: &mut [Option<[u8; 32]>]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(token) => ifma::x_coordinates(token, encodings, xs),
            // SAFETY: portable code, nothing for the CPU to support.
            LanePath::Portable => unsafe { x_coordinates_in::<portable::F51x1>(encodings, xs) },
        }
    }

    /// Whether `[L]P` is the identity for each lane's affine point `P = (xs[i], ys[i])`.
    fn in_prime_subgroup(self, xs: &[Limbs], ys: &[Limbs], out: &mut [bool]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(token) => ifma::in_prime_subgroup(token, xs, ys, out),
            // SAFETY: portable code, nothing for the CPU to support.
            LanePath::Portable => unsafe { in_prime_subgroup_in::<portable::F51x1>(xs, ys, out) },
        }
    }

    /// `x^((p-5)/8)` for `LANES` elements (for the tests: the exponentiation alone).
    #[cfg(test)]
    fn pow_p58(self, inputs: &[Limbs], out: &mut [Limbs]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(token) => ifma::pow_p58(token, inputs, out),
            // SAFETY: portable code, nothing for the CPU to support.
            LanePath::Portable => unsafe {
                pow_p58_in(portable::F51x1::from_limbs(inputs)).to_limbs(out)
            },
        }
    }
}

/// A decompressed point, with its membership of the prime-order subgroup where it was asked
/// for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decompressed {
    pub(crate) point: EdwardsPoint,
    /// Whether `[L]P` is the identity (curve25519-dalek's `is_torsion_free`), when asked.
    pub(crate) torsion_free: Option<bool>,
}

/// The paths of `available` that give the known answers (`holds`), logging the others.
fn usable(mut available: Vec<LanePath>, holds: impl Fn(LanePath) -> bool) -> Vec<LanePath> {
    available.retain(|&path| {
        let right = holds(path);
        if !right {
            log::error!(
                "Ed25519 lane path {} gave wrong answers: not used",
                path.name()
            );
        }
        right
    });
    available
}

/// Decompresses every encoding, in order, to the point `CompressedEdwardsY::decompress`
/// returns, and with `subgroup` tests each point's membership of the prime-order subgroup; on
/// `path`, or with curve25519-dalek one point at a time where there is none.
pub(crate) fn decompress_all(
    path: Option<LanePath>,
    encodings: &[[u8; 32]],
    subgroup: bool,
) -> Vec<Option<Decompressed>> {
    // Also for lanes whose x-coordinate did not check out: only encodings that are not points,
    // unless a lane path is wrong.
    let serial = |bytes: &[u8; 32]| decompress_serially(bytes, subgroup);
    // One point at a time, curve25519-dalek's decompression is as fast and needs no check.
    let Some(path) = path.filter(|&path| subgroup || path != LanePath::Portable) else {
        return encodings.iter().map(serial).collect();
    };
    let lanes = path.lanes();
    let mut points = Vec::with_capacity(encodings.len());
    let mut group = [[0u8; 32]; MAX_LANES];
    let mut xs = [None; MAX_LANES];
    let mut x_limbs = [ZERO; MAX_LANES];
    let mut y_limbs = [ZERO; MAX_LANES];
    let mut in_subgroup = [false; MAX_LANES];
    for chunk in encodings.chunks(lanes) {
        group[..chunk.len()].copy_from_slice(chunk);
        // The tail's idle lanes repeat its first encoding; their results are dropped.
        group[chunk.len()..lanes].fill(chunk[0]);
        path.x_coordinates(&group[..lanes], &mut xs[..lanes]);
        let mut accepted = [None; MAX_LANES];
        for (lane, bytes) in chunk.iter().enumerate() {
            accepted[lane] =
                xs[lane].and_then(|x| Some((CompressedEdwardsY(*bytes).decompress_with_x(&x)?, x)));
        }
        if subgroup {
            for lane in 0..lanes {
                // Lanes without a point test the identity, (0, 1).
                let (x, y) = match accepted[lane] {
                    Some((_, x)) => (x, group[lane]),
                    None => ([0; 32], ONE_BYTES),
                };
                x_limbs[lane] = limbs_of(&x);
                y_limbs[lane] = limbs_of(&y);
            }
            path.in_prime_subgroup(
                &x_limbs[..lanes],
                &y_limbs[..lanes],
                &mut in_subgroup[..lanes],
            );
        }
        points.extend(
            chunk
                .iter()
                .enumerate()
                .map(|(lane, bytes)| match accepted[lane] {
                    Some((point, _)) => Some(Decompressed {
                        point,
                        torsion_free: subgroup.then_some(in_subgroup[lane]),
                    }),
                    None => serial(bytes),
                }),
        );
    }
    points
}

/// Whether `path` gives curve25519-dalek's answers on points of every coset of the prime-order
/// subgroup and on every point of small order: run once per process before a path is used, so
/// that a faulty vector unit or miscompiled path costs speed, not verdicts.
fn known_answers_hold(path: LanePath) -> bool {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    let mut encodings = Vec::new();
    for (i, torsion) in EIGHT_TORSION.iter().enumerate() {
        let multiple = curve25519_dalek::Scalar::from(0x9e37_79b9_u64 + i as u64);
        encodings.push(
            (ED25519_BASEPOINT_POINT * multiple + torsion)
                .compress()
                .to_bytes(),
        );
        encodings.push(torsion.compress().to_bytes());
    }
    // A y with no point.
    encodings.push([2; 32]);
    let expected: Vec<Option<Decompressed>> = encodings
        .iter()
        .map(|bytes| decompress_serially(bytes, true))
        .collect();
    decompress_all(Some(path), &encodings, true) == expected
}

/// curve25519-dalek's answer for one encoding: its decompression and, with `subgroup`, its
/// `is_torsion_free` (which computes `[L]P`).
fn decompress_serially(bytes: &[u8; 32], subgroup: bool) -> Option<Decompressed> {
    let point = CompressedEdwardsY(*bytes).decompress()?;
    Some(Decompressed {
        point,
        torsion_free: subgroup.then(|| point.is_torsion_free()),
    })
}

/// The encoding of the field element 1 (and of the identity point's y).
const ONE_BYTES: [u8; 32] = {
    let mut bytes = [0; 32];
    bytes[0] = 1;
    bytes
};

/// The most lanes any path has.
const MAX_LANES: usize = 16;

/// Two groups of lanes run side by side. Their operations are independent, so the
/// instructions of one fill the other's waits in the long chains of squarings.
#[derive(Clone, Copy)]
pub(crate) struct Pair<F>(F, F);

impl<F: FieldLanes> FieldLanes for Pair<F> {
    const LANES: usize = 2 * F::LANES;

    #[inline(always)]
    unsafe fn splat(limbs: &Limbs) -> Self {
        // SAFETY: as for the caller.
        unsafe { Pair(F::splat(limbs), F::splat(limbs)) }
    }

    #[inline(always)]
    unsafe fn from_limbs(limbs: &[Limbs]) -> Self {
        let (first, second) = limbs.split_at(F::LANES);
        // SAFETY: as for the caller.
        unsafe { Pair(F::from_limbs(first), F::from_limbs(second)) }
    }

    #[inline(always)]
    unsafe fn to_limbs(self, out: &mut [Limbs]) {
        let (first, second) = out.split_at_mut(F::LANES);
        // SAFETY: as for the caller.
        unsafe {
            self.0.to_limbs(first);
            self.1.to_limbs(second);
        }
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: as for the caller.
        unsafe { Pair(self.0.add(other.0), self.1.add(other.1)) }
    }

    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        // SAFETY: as for the caller.
        unsafe { Pair(self.0.sub(other.0), self.1.sub(other.1)) }
    }

    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        // SAFETY: as for the caller.
        unsafe { Pair(self.0.mul(other.0), self.1.mul(other.1)) }
    }

    #[inline(always)]
    unsafe fn square(self) -> Self {
        // SAFETY: as for the caller.
        unsafe { Pair(self.0.square(), self.1.square()) }
    }
}

/// The lane arithmetic of decompression: `sqrt_ratio_i(y^2 - 1, d y^2 + 1)` as curve25519-dalek
/// computes it, with the encoding's sign applied.
///
/// # Safety
/// The CPU must have `F`'s instructions.
#[inline(always)]
unsafe fn x_coordinates_in<F: FieldLanes>(encodings: &[[u8; 32]], xs: &mut [Option<[u8; 32]>]) {
    const { assert!(F::LANES <= MAX_LANES) };
    let mut limbs = [ZERO; MAX_LANES];
    for (limbs, bytes) in limbs.iter_mut().zip(encodings) {
        *limbs = limbs_of(bytes);
    }
    let mut results = [[ZERO; MAX_LANES]; 6];
    // SAFETY: the caller runs this where the CPU has `F`'s instructions.
    unsafe {
        let one = F::splat(&ONE);
        let y = F::from_limbs(&limbs);
        let yy = y.square();
        let u = yy.sub(one);
        let v = yy.mul(F::splat(&EDWARDS_D)).add(one);
        let v3 = v.square().mul(v);
        let v7 = v3.square().mul(v);
        let r = u.mul(v3).mul(pow_p58_in(u.mul(v7)));
        let check = v.mul(r.square());
        let neg_u = F::splat(&ZERO).sub(u);
        let sqrt_m1 = F::splat(&SQRT_M1);
        let values = [r, r.mul(sqrt_m1), check, u, neg_u, neg_u.mul(sqrt_m1)];
        for (value, out) in values.into_iter().zip(&mut results) {
            value.to_limbs(out);
        }
    }
    let [r, r_i, check, u, neg_u, neg_u_i] = &results;
    for lane in 0..F::LANES {
        let check = canonical_bytes(check[lane]);
        let correct_sign = check == canonical_bytes(u[lane]);
        let flipped_sign = check == canonical_bytes(neg_u[lane]);
        let flipped_sign_i = check == canonical_bytes(neg_u_i[lane]);
        xs[lane] = (correct_sign || flipped_sign).then(|| {
            let root = canonical_bytes(if flipped_sign || flipped_sign_i {
                r_i[lane]
            } else {
                r[lane]
            });
            // The non-negative (even) root, then the sign the encoding asks for.
            let root = if root[0] & 1 == 1 {
                negate(&root)
            } else {
                root
            };
            if encodings[lane][31] >> 7 == 1 {
                negate(&root)
            } else {
                root
            }
        });
    }
}

/// `x^((p-5)/8) = x^(2^252 - 3)`, by curve25519-dalek's addition chain.
///
/// # Safety
/// The CPU must have `F`'s instructions.
#[inline(always)]
unsafe fn pow_p58_in<F: FieldLanes>(x: F) -> F {
    // SAFETY: as for the caller.
    unsafe {
        let (_, x_250) = pow22501(x);
        pow2k(x_250, 2).mul(x)
    }
}

/// `x^2` and `x^(2^250 - 1)`, the common start of every exponentiation here.
///
/// # Safety
/// The CPU must have `F`'s instructions.
#[inline(always)]
unsafe fn pow22501<F: FieldLanes>(x: F) -> (F, F) {
    // SAFETY: as for the caller.
    unsafe {
        let x2 = x.square();
        let x9 = pow2k(x2, 2).mul(x);
        let x11 = x2.mul(x9);
        let x_5 = x11.square().mul(x9); // x^(2^5 - 1)
        let x_10 = pow2k(x_5, 5).mul(x_5);
        let x_20 = pow2k(x_10, 10).mul(x_10);
        let x_40 = pow2k(x_20, 20).mul(x_20);
        let x_50 = pow2k(x_40, 10).mul(x_10);
        let x_100 = pow2k(x_50, 50).mul(x_50);
        let x_200 = pow2k(x_100, 100).mul(x_100);
        (x2, pow2k(x_200, 50).mul(x_50))
    }
}

/// `x^(2^k)`.
///
/// # Safety
/// The CPU must have `F`'s instructions.
#[inline(always)]
unsafe fn pow2k<F: FieldLanes>(mut x: F, k: u32) -> F {
    for _ in 0..k {
        // SAFETY: as for the caller.
        x = unsafe { x.square() };
    }
    x
}

/// Whether each lane's affine point `(xs[i], ys[i])` lies in the prime-order subgroup, in
/// two fixed exponentiations rather than the 252 doublings of `[L]P`.
///
/// The group is cyclic of order 8L, so P is in the subgroup exactly when it is in 8E. The
/// test (derived for this library from Pornin's halving, ePrint 2022/1164, and the 4-Tate
/// pairing; the tests check it against curve25519-dalek's `[L]P` on every coset):
/// - P is in 2E exactly when z = 1 + d y^2 is a square; its root s (either one) gives half a
///   halving of P, onto a curve where one more character decides the rest:
/// - with tau = rho s, n = 1 + d y + tau, m = (1 + d) y + tau and G = 2 x tau n -
///   lambda m (1 - y), P is in 8E exactly when F = G^2 m (1 - y)^3 is a fourth power,
///   F^((p-1)/4) = 1.
///
/// Why: on Pornin's Montgomery-type model P is in 2E exactly when its u is a square, which
/// here is z. A root s gives a preimage R of P under a 2-isogeny from E': v^2 = u (u + 4)
/// (u - 4d), whose 2-part is Z/2 x Z/4, and P is in 8E exactly when R is in <T'> x Z/L (T' the
/// point (0, 0)): the kernel of the 4-Tate pairing with the 4-torsion point Q of u = -4 - 4 rho,
/// whose tangent has slope +-lambda. F is that pairing's value at R up to a fourth power (the
/// 1 / (1 - y) denominators cleared), so it is a fourth power exactly then. Only the root rho
/// of 1 + d whose own quartic character is -i gives this Q; the tests check the constants.
///
/// The eight points of small order are the only points with x = 0, y = 0 or x = +-iy; the
/// answer there is whether P is the identity (without it the identity would read as outside).
///
/// The full proof, each constant's defining check and every degenerate case are in
/// `SUBGROUP.md` beside this file (F is, precisely, the inverse of the pairing value up to
/// fourth powers; and what selects rho is chi2(1 + rho) = -1, which for this d and this i is
/// the root whose quartic character is -i).
///
/// # Safety
/// The CPU must have `F`'s instructions.
#[inline(always)]
unsafe fn in_prime_subgroup_in<F: FieldLanes>(xs: &[Limbs], ys: &[Limbs], out: &mut [bool]) {
    let lanes = F::LANES;
    let mut roots = [[ZERO; MAX_LANES]; 5];
    // SAFETY: the caller runs this where the CPU has `F`'s instructions.
    let (x, y) = unsafe {
        let (x, y) = (F::from_limbs(xs), F::from_limbs(ys));
        let z = F::splat(&ONE).add(y.square().mul(F::splat(&EDWARDS_D)));
        // z^((p+3)/8) = z^(2^252 - 2): a square root of z or of -z when z is a square.
        let (z2, z_250) = pow22501(z);
        let r = pow2k(z_250, 2).mul(z2);
        let r_i = r.mul(F::splat(&SQRT_M1));
        let neg_z = F::splat(&ZERO).sub(z);
        for (value, out) in [r, r_i, r.square(), z, neg_z].into_iter().zip(&mut roots) {
            value.to_limbs(out);
        }
        (x, y)
    };
    let [r, r_i, r_squared, z_limbs, neg_z] = &roots;
    let mut in_2e = [false; MAX_LANES];
    let mut s_limbs = [ZERO; MAX_LANES];
    for lane in 0..lanes {
        let r_squared = canonical_bytes(r_squared[lane]);
        let square_root = r_squared == canonical_bytes(z_limbs[lane]);
        in_2e[lane] = square_root || r_squared == canonical_bytes(neg_z[lane]);
        s_limbs[lane] = if square_root { r[lane] } else { r_i[lane] };
    }
    let mut results = [[ZERO; MAX_LANES]; 3];
    // SAFETY: as above.
    unsafe {
        let tau = F::from_limbs(&s_limbs).mul(F::splat(&RHO));
        let one = F::splat(&ONE);
        let n = one.add(F::splat(&EDWARDS_D).mul(y)).add(tau);
        let m = F::splat(&ONE_PLUS_D).mul(y).add(tau);
        let one_minus_y = one.sub(y);
        let x_tau = x.mul(tau);
        let g = x_tau
            .add(x_tau)
            .mul(n)
            .sub(F::splat(&LAMBDA).mul(m.mul(one_minus_y)));
        let f = g.square().mul(m).mul(one_minus_y.square().mul(one_minus_y));
        // F^((p-1)/4) = F^(2^253 - 5) = (F^(2^250 - 1))^(2^3) * F^3.
        let (f2, f_250) = pow22501(f);
        let character = pow2k(f_250, 3).mul(f2.mul(f));
        character.to_limbs(&mut results[0]);
        x.to_limbs(&mut results[1]);
        y.mul(F::splat(&SQRT_M1)).to_limbs(&mut results[2]);
    }
    let [character, x, i_y] = &results;
    for lane in 0..lanes {
        let x = canonical_bytes(x[lane]);
        let y = canonical_bytes(ys[lane]);
        let i_y = canonical_bytes(i_y[lane]);
        let small_order = x == [0; 32] || y == [0; 32] || x == i_y || x == negate(&i_y);
        out[lane] = if small_order {
            x == [0; 32] && y == ONE_BYTES
        } else {
            in_2e[lane] && canonical_bytes(character[lane]) == ONE_BYTES
        };
    }
}

/// The five 51-bit limbs of a 255-bit little-endian encoding (its top bit ignored).
fn limbs_of(bytes: &[u8; 32]) -> Limbs {
    let word = |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap());
    let [w0, w1, w2, w3] = [word(0), word(1), word(2), word(3)];
    [
        w0 & LIMB_MASK,
        ((w0 >> 51) | (w1 << 13)) & LIMB_MASK,
        ((w1 >> 38) | (w2 << 26)) & LIMB_MASK,
        ((w2 >> 25) | (w3 << 39)) & LIMB_MASK,
        (w3 >> 12) & LIMB_MASK,
    ]
}

/// The canonical encoding (value reduced below p) of limbs of at most 52 bits each.
fn canonical_bytes(mut limbs: Limbs) -> [u8; 32] {
    let carry = |limbs: &mut Limbs| {
        for i in 0..4 {
            limbs[i + 1] += limbs[i] >> 51;
            limbs[i] &= LIMB_MASK;
        }
    };
    carry(&mut limbs);
    limbs[0] += 19 * (limbs[4] >> 51);
    limbs[4] &= LIMB_MASK;
    carry(&mut limbs);
    // The value is now below 2^255 + 2^52; it is at least p exactly when adding 19 carries
    // out of bit 255.
    let mut q = (limbs[0] + 19) >> 51;
    for limb in &limbs[1..] {
        q = (limb + q) >> 51;
    }
    limbs[0] += 19 * q;
    carry(&mut limbs);
    limbs[4] &= LIMB_MASK;
    let words = [
        limbs[0] | (limbs[1] << 51),
        (limbs[1] >> 13) | (limbs[2] << 38),
        (limbs[2] >> 26) | (limbs[3] << 25),
        (limbs[3] >> 39) | (limbs[4] << 12),
    ];
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    bytes
}

/// `p - x` for a canonical non-zero `x`, and 0 for 0.
fn negate(x: &[u8; 32]) -> [u8; 32] {
    if x.iter().all(|&b| b == 0) {
        return *x;
    }
    const P: [u64; 4] = [
        0xffff_ffff_ffff_ffed,
        0xffff_ffff_ffff_ffff,
        0xffff_ffff_ffff_ffff,
        0x7fff_ffff_ffff_ffff,
    ];
    let mut out = [0u8; 32];
    let mut borrow = false;
    for i in 0..4 {
        let word = u64::from_le_bytes(x[8 * i..8 * i + 8].try_into().unwrap());
        let (difference, under) = P[i].overflowing_sub(word);
        let (difference, under_again) = difference.overflowing_sub(borrow as u64);
        borrow = under || under_again;
        out[8 * i..8 * i + 8].copy_from_slice(&difference.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests;
