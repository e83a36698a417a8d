//! Point decompression many points at a time.
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
/// 2d.
const EDWARDS_D2: Limbs = [
    1859910466990425,
    932731440258426,
    1072319116312658,
    1815898335770999,
    633789495995903,
];
/// The order of the prime subgroup is L = 2^252 + `L_LOW`.
const L_LOW: u128 = 0x14de_f9de_a2f7_9cd6_5812_631a_5cf5_d3ed;
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
    /// The same element in every lane.
    unsafe fn splat(limbs: &Limbs) -> Self;
    /// Lane `i` from `limbs[i]`.
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
    /// AVX-512 IFMA: eight points at once, 52-bit multiply-accumulate.
    #[cfg(target_arch = "x86_64")]
    Ifma(ifma::IfmaToken),
}

impl LanePath {
    /// The fastest path this CPU has, or `None` (points are then decompressed one at a time).
    pub(crate) fn detect() -> Option<LanePath> {
        #[cfg(target_arch = "x86_64")]
        if let Some(token) = ifma::IfmaToken::detect() {
            return Some(LanePath::Ifma(token));
        }
        None
    }

    /// The name `batchverify info` and the benchmarks report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(_) => "avx512-ifma",
        }
    }

    fn lanes(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(_) => <ifma::F51x8 as FieldLanes>::LANES,
        }
    }

    /// For each of `LANES` encodings, the x-coordinate of the point it encodes as
    /// `decompress` computes it, or `None` where its y has no point.
    fn x_coordinates(self, encodings: &[[u8; 32]], xs: &mut [Option<[u8; 32]>]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(token) => ifma::x_coordinates(token, encodings, xs),
        }
    }

    /// Whether `[L]P` is the identity for each lane's affine point `P = (xs[i], ys[i])`.
    fn in_prime_subgroup(self, xs: &[Limbs], ys: &[Limbs], out: &mut [bool]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(token) => ifma::in_prime_subgroup(token, xs, ys, out),
        }
    }

    /// `x^((p-5)/8)` for `LANES` elements (for the tests: the exponentiation alone).
    #[cfg(test)]
    fn pow_p58(self, inputs: &[Limbs], out: &mut [Limbs]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            LanePath::Ifma(token) => ifma::pow_p58(token, inputs, out),
        }
    }
}

/// Decompresses every encoding: the points `CompressedEdwardsY::decompress` returns, in order.
pub(crate) fn decompress_all(
    path: Option<LanePath>,
    encodings: &[[u8; 32]],
) -> Vec<Option<EdwardsPoint>> {
    decompress_groups(path, encodings, false)
        .into_iter()
        .map(|point| point.map(|(point, _)| point))
        .collect()
}

/// Decompresses every encoding and says of each point whether it lies in the prime-order
/// subgroup (`[L]P` is the identity), as curve25519-dalek's `is_torsion_free` would.
pub(crate) fn decompress_all_with_subgroup(
    path: Option<LanePath>,
    encodings: &[[u8; 32]],
) -> Vec<Option<(EdwardsPoint, bool)>> {
    decompress_groups(path, encodings, true)
}

/// The points, each with its subgroup membership when `subgroup` asks for it (else `false`).
fn decompress_groups(
    path: Option<LanePath>,
    encodings: &[[u8; 32]],
    subgroup: bool,
) -> Vec<Option<(EdwardsPoint, bool)>> {
    let serial = |bytes: &[u8; 32]| {
        CompressedEdwardsY(*bytes)
            .decompress()
            .map(|point| (point, subgroup && point.is_torsion_free()))
    };
    let Some(path) = path else {
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
        let accepted: Vec<Option<EdwardsPoint>> = chunk
            .iter()
            .zip(&xs)
            .map(|(bytes, x)| x.and_then(|x| CompressedEdwardsY(*bytes).decompress_with_x(&x)))
            .collect();
        if subgroup {
            for lane in 0..lanes {
                // Lanes without a point test the identity, (0, 1).
                let (x, y) = match accepted.get(lane).copied().flatten() {
                    Some(_) => (xs[lane].unwrap_or_default(), group[lane]),
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
        points.extend(chunk.iter().zip(accepted).zip(in_subgroup).map(
            |((bytes, point), in_subgroup)| match point {
                Some(point) => Some((point, in_subgroup)),
                None => serial(bytes),
            },
        ));
    }
    points
}

/// The encoding of the field element 1 (and of the identity point's y).
const ONE_BYTES: [u8; 32] = {
    let mut bytes = [0; 32];
    bytes[0] = 1;
    bytes
};

/// The most lanes any path has.
const MAX_LANES: usize = 8;

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
        let x_250 = pow2k(x_200, 50).mul(x_50);
        pow2k(x_250, 2).mul(x)
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

/// Points in extended coordinates `(X : Y : Z : T)`, with x = X/Z, y = Y/Z and xy = T/Z, one
/// per lane.
#[derive(Clone, Copy)]
struct PointLanes<F> {
    x: F,
    y: F,
    z: F,
    t: F,
}

impl<F: FieldLanes> PointLanes<F> {
    /// `P + Q` (Hisil, Wong, Carter and Dawson 2008, "add-2008-hwcd-3" for a = -1).
    ///
    /// # Safety
    /// The CPU must have `F`'s instructions.
    #[inline(always)]
    unsafe fn add(&self, other: &Self) -> Self {
        // SAFETY: as for the caller.
        unsafe {
            let a = self.y.sub(self.x).mul(other.y.sub(other.x));
            let b = self.y.add(self.x).mul(other.y.add(other.x));
            let c = self.t.mul(F::splat(&EDWARDS_D2)).mul(other.t);
            let d = self.z.add(self.z).mul(other.z);
            let (e, f, g, h) = (b.sub(a), d.sub(c), d.add(c), b.add(a));
            PointLanes {
                x: e.mul(f),
                y: g.mul(h),
                z: f.mul(g),
                t: e.mul(h),
            }
        }
    }

    /// `2P` ("dbl-2008-hwcd" for a = -1).
    ///
    /// # Safety
    /// The CPU must have `F`'s instructions.
    #[inline(always)]
    unsafe fn double(&self) -> Self {
        // SAFETY: as for the caller.
        unsafe {
            let a = self.x.square();
            let b = self.y.square();
            let c = self.z.square();
            let c = c.add(c);
            let e = self.x.add(self.y).square().sub(a).sub(b);
            let g = b.sub(a);
            let f = g.sub(c);
            let h = F::splat(&ZERO).sub(a).sub(b);
            PointLanes {
                x: e.mul(f),
                y: g.mul(h),
                z: f.mul(g),
                t: e.mul(h),
            }
        }
    }
}

/// Whether `[L]P` is the identity for each lane's affine point `(xs[i], ys[i])`: a fixed
/// window of four bits over the public scalar L, so every lane runs the same operations.
///
/// # Safety
/// The CPU must have `F`'s instructions.
#[inline(always)]
unsafe fn in_prime_subgroup_in<F: FieldLanes>(xs: &[Limbs], ys: &[Limbs], out: &mut [bool]) {
    const WINDOWS: u32 = 64;
    let nibble = |window: u32| -> usize {
        match window {
            0..32 => (L_LOW >> (4 * window)) as usize & 15,
            63 => 1,
            _ => 0,
        }
    };
    let mut identity_tests = [[ZERO; MAX_LANES]; 2];
    // SAFETY: the caller runs this where the CPU has `F`'s instructions.
    unsafe {
        let (x, y) = (F::from_limbs(xs), F::from_limbs(ys));
        let point = PointLanes {
            x,
            y,
            z: F::splat(&ONE),
            t: x.mul(y),
        };
        // multiples[j] = [j + 1]P.
        let mut multiples = [point; 15];
        multiples[1] = point.double();
        for j in 2..15 {
            multiples[j] = multiples[j - 1].add(&point);
        }
        let mut sum = multiples[nibble(WINDOWS - 1) - 1];
        for window in (0..WINDOWS - 1).rev() {
            for _ in 0..4 {
                sum = sum.double();
            }
            let digit = nibble(window);
            if digit != 0 {
                sum = sum.add(&multiples[digit - 1]);
            }
        }
        // The identity is X = 0 and Y = Z.
        sum.x.to_limbs(&mut identity_tests[0]);
        sum.y.sub(sum.z).to_limbs(&mut identity_tests[1]);
    }
    let [x, y_minus_z] = &identity_tests;
    for lane in 0..F::LANES {
        out[lane] =
            canonical_bytes(x[lane]) == [0; 32] && canonical_bytes(y_minus_z[lane]) == [0; 32];
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
