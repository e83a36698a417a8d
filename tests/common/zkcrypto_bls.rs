//! The BLS oracle that shares no code with blst: zkcrypto's `bls12_381` (its own field, curve,
//! hash-to-curve and pairing), for `tests/bls_independent.rs` and the soak
//! (`examples/soak.rs`), which include this file.

use batchverify::bls::Variant;
use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{pairing, G1Affine, G1Projective, G2Affine, G2Projective};

type Expander = ExpandMsgXmd<sha2_09::Sha256>;

/// `e(pk, H(m)) == e(g1, sig)` for min-pk, `e(H(m), pk) == e(sig, g2)` for min-sig, after
/// decoding both points with their subgroup checks and refusing the identity key (KeyValidate).
pub fn verdict(variant: Variant, dst: &[u8], key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    fn point<T, const N: usize>(
        bytes: &[u8],
        decode: fn(&[u8; N]) -> subtle::CtOption<T>,
    ) -> Option<T> {
        Option::from(decode(bytes.try_into().ok()?))
    }
    match variant {
        Variant::MinPk => {
            let (Some(key), Some(sig)) = (
                point(key, G1Affine::from_compressed),
                point(sig, G2Affine::from_compressed),
            ) else {
                return false;
            };
            let hashed = <G2Projective as HashToCurve<Expander>>::hash_to_curve(message, dst);
            !bool::from(key.is_identity())
                && pairing(&key, &G2Affine::from(hashed)) == pairing(&G1Affine::generator(), &sig)
        }
        Variant::MinSig => {
            let (Some(key), Some(sig)) = (
                point(key, G2Affine::from_compressed),
                point(sig, G1Affine::from_compressed),
            ) else {
                return false;
            };
            let hashed = <G1Projective as HashToCurve<Expander>>::hash_to_curve(message, dst);
            !bool::from(key.is_identity())
                && pairing(&G1Affine::from(hashed), &key) == pairing(&sig, &G2Affine::generator())
        }
    }
}
