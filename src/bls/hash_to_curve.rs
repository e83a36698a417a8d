//! RFC 9380 hash-to-curve for BLS12-381 (`expand_message_xmd` with SHA-256, simplified SWU,
//! the 3- and 11-isogenies), as blst implements it. Signing and verification hash inside blst;
//! these are for callers who need the points themselves, and for the RFC's test vectors. Batch
//! verification hashes here too (once per distinct message, however often bisection revisits
//! it), and takes the target group's identity from here: both need raw blst calls.
#![allow(unsafe_code)]

/// Which RFC 9380 encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `hash_to_curve` (`_RO_` suites): uniform, the one signatures use.
    RandomOracle,
    /// `encode_to_curve` (`_NU_` suites): one map, not uniform.
    NonUniform,
}

/// `msg` hashed to G1 under `dst`, as the uncompressed point: x ‖ y, 48 big-endian bytes each.
pub fn hash_to_g1(msg: &[u8], dst: &[u8], encoding: Encoding) -> [u8; 96] {
    let mut point = blst::blst_p1::default();
    let mut out = [0u8; 96];
    let map = match encoding {
        Encoding::RandomOracle => blst::blst_hash_to_g1,
        Encoding::NonUniform => blst::blst_encode_to_g1,
    };
    // SAFETY: every pointer comes from a live slice or local with its own length; blst writes
    // one point to `point` and 96 bytes to `out`, and keeps no pointer after returning.
    unsafe {
        map(
            &mut point,
            msg.as_ptr(),
            msg.len(),
            dst.as_ptr(),
            dst.len(),
            core::ptr::null(),
            0,
        );
        blst::blst_p1_serialize(out.as_mut_ptr(), &point);
    }
    out
}

/// `msg` hashed to G2 under `dst`, as the uncompressed point: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, 48
/// big-endian bytes each (the Zcash serialization blst uses).
pub fn hash_to_g2(msg: &[u8], dst: &[u8], encoding: Encoding) -> [u8; 192] {
    let mut point = blst::blst_p2::default();
    let mut out = [0u8; 192];
    let map = match encoding {
        Encoding::RandomOracle => blst::blst_hash_to_g2,
        Encoding::NonUniform => blst::blst_encode_to_g2,
    };
    // SAFETY: as in `hash_to_g1`, with a 192-byte output.
    unsafe {
        map(
            &mut point,
            msg.as_ptr(),
            msg.len(),
            dst.as_ptr(),
            dst.len(),
            core::ptr::null(),
            0,
        );
        blst::blst_p2_serialize(out.as_mut_ptr(), &point);
    }
    out
}

/// `H(aug ‖ msg)` in G1 as signing hashes it (random oracle), as an affine point for Miller
/// loops of batch verification.
pub(crate) fn hash_to_g1_affine(msg: &[u8], dst: &[u8], aug: &[u8]) -> blst::blst_p1_affine {
    let mut point = blst::blst_p1::default();
    let mut affine = blst::blst_p1_affine::default();
    // SAFETY: every pointer comes from a live slice or local with its own length; blst writes
    // one point to each output and keeps no pointer after returning.
    unsafe {
        blst::blst_hash_to_g1(
            &mut point,
            msg.as_ptr(),
            msg.len(),
            dst.as_ptr(),
            dst.len(),
            aug.as_ptr(),
            aug.len(),
        );
        blst::blst_p1_to_affine(&mut affine, &point);
    }
    affine
}

/// `H(aug ‖ msg)` in G2, as [`hash_to_g1_affine`] does in G1.
pub(crate) fn hash_to_g2_affine(msg: &[u8], dst: &[u8], aug: &[u8]) -> blst::blst_p2_affine {
    let mut point = blst::blst_p2::default();
    let mut affine = blst::blst_p2_affine::default();
    // SAFETY: as in `hash_to_g1_affine`.
    unsafe {
        blst::blst_hash_to_g2(
            &mut point,
            msg.as_ptr(),
            msg.len(),
            dst.as_ptr(),
            dst.len(),
            aug.as_ptr(),
            aug.len(),
        );
        blst::blst_p2_to_affine(&mut affine, &point);
    }
    affine
}

/// The identity of the Miller loops' target group: the value of a loop over the point at
/// infinity, which blst's loop does not special-case.
pub(crate) fn gt_one() -> blst::blst_fp12 {
    // SAFETY: blst returns a pointer to a static constant, valid for the whole program.
    unsafe { *blst::blst_fp12_one() }
}
