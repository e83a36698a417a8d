//! The two BLS12-381 variants behind one trait, so every operation is written once.
//!
//! blst's `min_pk` and `min_sig` modules have the same API over different groups; the macro
//! below binds each to [`Curve`].

use blst::{blst_fp12, blst_p1_affine, blst_p2_affine, Pairing, BLST_ERROR};

use super::hash_to_curve::{gt_one, hash_to_g1_affine, hash_to_g2_affine};
use crate::cache::Cached;

/// Why a point did not decode or validate.
pub(crate) type PointProblem = &'static str;

/// One BLS12-381 variant: which group holds public keys and which holds signatures.
pub(crate) trait Curve {
    type PublicKey: Cached + Copy + Send + Sync + 'static;
    type Signature: Copy + Send + Sync;
    /// A hashed message, in the signatures' group.
    type MessagePoint: Copy + Send + Sync;
    const PUBLIC_KEY_LEN: usize;
    const SIGNATURE_LEN: usize;

    /// Deserializes (compressed form) and checks the point is in the subgroup; the identity
    /// passes.
    fn public_key_in_group(bytes: &[u8]) -> Result<Self::PublicKey, PointProblem>;
    fn signature_in_group(bytes: &[u8]) -> Result<Self::Signature, PointProblem>;
    fn public_key_is_identity(key: &Self::PublicKey) -> bool;
    fn signature_is_identity(signature: &Self::Signature) -> bool;

    fn public_key_bytes(key: &Self::PublicKey) -> Vec<u8>;
    fn signature_bytes(signature: &Self::Signature) -> Vec<u8>;

    fn derive_public_key(secret: &[u8; 32]) -> Option<Self::PublicKey>;
    fn sign(secret: &[u8; 32], message: &[u8], dst: &[u8], aug: &[u8]) -> Option<Self::Signature>;

    fn sum_public_keys(keys: &[Self::PublicKey]) -> Self::PublicKey;
    fn sum_signatures(signatures: &[Self::Signature]) -> Self::Signature;
    /// `Σ weights[i] · keys[i]`, weights as little-endian 64-bit scalars back to back.
    fn weighted_public_keys(keys: &[Self::PublicKey], weights: &[u8]) -> Self::PublicKey;
    fn weighted_signatures(signatures: &[Self::Signature], weights: &[u8]) -> Self::Signature;

    /// Adds e(key, H(aug ‖ message)) to the pairing's Miller-loop product, and the signature
    /// to its signature sum when given. Points must already be validated.
    fn add_to_pairing(
        pairing: &mut Pairing<'_>,
        key: &Self::PublicKey,
        signature: Option<&Self::Signature>,
        message: &[u8],
        aug: &[u8],
    ) -> bool;

    /// `H(aug ‖ message)`, the point the signer's key is paired with.
    fn hash_message(message: &[u8], dst: &[u8], aug: &[u8]) -> Self::MessagePoint;

    /// The Miller loop of e(key, hash): equal after the final exponentiation to the left side
    /// of the verification equation.
    fn key_loop(key: &Self::PublicKey, hash: &Self::MessagePoint) -> blst_fp12;

    /// One Miller loop over the pairs (keys[i], hashes[i]): equal after the final
    /// exponentiation to the product of their [`Curve::key_loop`]s, and cheaper per pair (the
    /// pairs share the loop's squarings).
    fn keys_loop(keys: &[Self::PublicKey], hashes: &[Self::MessagePoint]) -> blst_fp12;

    /// The Miller loop of e(signature, generator): the right side.
    fn signature_loop(signature: &Self::Signature) -> blst_fp12;
}

/// Miller loops over points of the two groups, in whichever order a variant holds them. A pair
/// with the point at infinity (blst's all-zero affine point) contributes the identity, which
/// blst's loops do not special-case.
trait MillerLoop<Other>: Sized {
    fn miller_loop(&self, other: &Other) -> blst_fp12;
    fn miller_loop_n(these: &[Self], others: &[Other]) -> blst_fp12;
}

impl MillerLoop<blst_p2_affine> for blst_p1_affine {
    fn miller_loop(&self, other: &blst_p2_affine) -> blst_fp12 {
        if *self == blst_p1_affine::default() || *other == blst_p2_affine::default() {
            return gt_one();
        }
        blst_fp12::miller_loop(other, self)
    }

    fn miller_loop_n(these: &[Self], others: &[blst_p2_affine]) -> blst_fp12 {
        let (p, q): (Vec<blst_p1_affine>, Vec<blst_p2_affine>) = these
            .iter()
            .zip(others)
            .filter(|(p, q)| **p != blst_p1_affine::default() && **q != blst_p2_affine::default())
            .map(|(p, q)| (*p, *q))
            .unzip();
        match p.len() {
            0 => gt_one(),
            _ => blst_fp12::miller_loop_n(&q, &p),
        }
    }
}

impl MillerLoop<blst_p1_affine> for blst_p2_affine {
    fn miller_loop(&self, other: &blst_p1_affine) -> blst_fp12 {
        other.miller_loop(self)
    }

    fn miller_loop_n(these: &[Self], others: &[blst_p1_affine]) -> blst_fp12 {
        blst_p1_affine::miller_loop_n(others, these)
    }
}

/// Size of each random weight in the batch equation.
pub(crate) const WEIGHT_BITS: usize = 64;

fn problem(error: BLST_ERROR) -> PointProblem {
    match error {
        BLST_ERROR::BLST_BAD_ENCODING => "bad encoding (flags or length)",
        BLST_ERROR::BLST_POINT_NOT_ON_CURVE => "not on the curve",
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => "not in the prime-order subgroup",
        BLST_ERROR::BLST_PK_IS_INFINITY => "the point at infinity",
        _ => "invalid point",
    }
}

macro_rules! curve {
    ($name:ident, $module:ident, $key_affine:ty, $signature_affine:ty, $pk_len:expr, $sig_len:expr, $hash:ident, $family:expr) => {
        pub(crate) struct $name;

        impl Cached for blst::$module::PublicKey {
            const FAMILY: usize = $family;
        }

        impl Curve for $name {
            type PublicKey = blst::$module::PublicKey;
            type Signature = blst::$module::Signature;
            type MessagePoint = $signature_affine;
            const PUBLIC_KEY_LEN: usize = $pk_len;
            const SIGNATURE_LEN: usize = $sig_len;

            fn public_key_in_group(bytes: &[u8]) -> Result<Self::PublicKey, PointProblem> {
                let key = blst::$module::PublicKey::uncompress(bytes).map_err(problem)?;
                match key.validate() {
                    Ok(()) | Err(BLST_ERROR::BLST_PK_IS_INFINITY) => Ok(key),
                    Err(error) => Err(problem(error)),
                }
            }

            fn signature_in_group(bytes: &[u8]) -> Result<Self::Signature, PointProblem> {
                let signature = blst::$module::Signature::uncompress(bytes).map_err(problem)?;
                signature.validate(false).map_err(problem)?;
                Ok(signature)
            }

            // blst's affine point at infinity is all zeros; comparing with it spares the
            // second subgroup check a `validate` call would make.
            fn public_key_is_identity(key: &Self::PublicKey) -> bool {
                *<&$key_affine>::from(key) == <$key_affine>::default()
            }

            fn signature_is_identity(signature: &Self::Signature) -> bool {
                *<&$signature_affine>::from(signature) == <$signature_affine>::default()
            }

            fn public_key_bytes(key: &Self::PublicKey) -> Vec<u8> {
                key.compress().to_vec()
            }

            fn signature_bytes(signature: &Self::Signature) -> Vec<u8> {
                signature.compress().to_vec()
            }

            fn derive_public_key(secret: &[u8; 32]) -> Option<Self::PublicKey> {
                Some(
                    blst::$module::SecretKey::from_bytes(secret)
                        .ok()?
                        .sk_to_pk(),
                )
            }

            fn sign(
                secret: &[u8; 32],
                message: &[u8],
                dst: &[u8],
                aug: &[u8],
            ) -> Option<Self::Signature> {
                let secret = blst::$module::SecretKey::from_bytes(secret).ok()?;
                Some(secret.sign(message, dst, aug))
            }

            fn sum_public_keys(keys: &[Self::PublicKey]) -> Self::PublicKey {
                let refs: Vec<&Self::PublicKey> = keys.iter().collect();
                blst::$module::AggregatePublicKey::aggregate(&refs, false)
                    .map(|sum| sum.to_public_key())
                    .unwrap_or_default()
            }

            fn sum_signatures(signatures: &[Self::Signature]) -> Self::Signature {
                let refs: Vec<&Self::Signature> = signatures.iter().collect();
                blst::$module::AggregateSignature::aggregate(&refs, false)
                    .map(|sum| sum.to_signature())
                    .unwrap_or_else(|_| <$signature_affine>::default().into())
            }

            fn weighted_public_keys(keys: &[Self::PublicKey], weights: &[u8]) -> Self::PublicKey {
                blst::$module::AggregatePublicKey::aggregate_with_randomness(
                    keys,
                    weights,
                    WEIGHT_BITS,
                    false,
                )
                .map(|sum| sum.to_public_key())
                .unwrap_or_default()
            }

            fn weighted_signatures(
                signatures: &[Self::Signature],
                weights: &[u8],
            ) -> Self::Signature {
                blst::$module::AggregateSignature::aggregate_with_randomness(
                    signatures,
                    weights,
                    WEIGHT_BITS,
                    false,
                )
                .map(|sum| sum.to_signature())
                .unwrap_or_else(|_| <$signature_affine>::default().into())
            }

            fn add_to_pairing(
                pairing: &mut Pairing<'_>,
                key: &Self::PublicKey,
                signature: Option<&Self::Signature>,
                message: &[u8],
                aug: &[u8],
            ) -> bool {
                let key: &$key_affine = key.into();
                let result = match signature {
                    Some(signature) => {
                        let signature: &$signature_affine = signature.into();
                        pairing.aggregate(key, false, signature, false, message, aug)
                    }
                    None => pairing.aggregate(key, false, &(), false, message, aug),
                };
                result == BLST_ERROR::BLST_SUCCESS
            }

            fn hash_message(message: &[u8], dst: &[u8], aug: &[u8]) -> $signature_affine {
                $hash(message, dst, aug)
            }

            fn key_loop(key: &Self::PublicKey, hash: &$signature_affine) -> blst_fp12 {
                let key: &$key_affine = key.into();
                key.miller_loop(hash)
            }

            fn keys_loop(keys: &[Self::PublicKey], hashes: &[$signature_affine]) -> blst_fp12 {
                let keys: Vec<$key_affine> =
                    keys.iter().map(|key| *<&$key_affine>::from(key)).collect();
                <$key_affine>::miller_loop_n(&keys, hashes)
            }

            fn signature_loop(signature: &Self::Signature) -> blst_fp12 {
                // The generator of the keys' group is the public key of the secret scalar 1.
                static GENERATOR: std::sync::OnceLock<$key_affine> = std::sync::OnceLock::new();
                let generator = GENERATOR.get_or_init(|| {
                    let mut one = [0u8; 32];
                    one[31] = 1;
                    let key = blst::$module::SecretKey::from_bytes(&one)
                        .expect("1 is a valid secret scalar")
                        .sk_to_pk();
                    *<&$key_affine>::from(&key)
                });
                let signature: &$signature_affine = signature.into();
                signature.miller_loop(generator)
            }
        }
    };
}

curve!(
    MinPk,
    min_pk,
    blst::blst_p1_affine,
    blst::blst_p2_affine,
    48,
    96,
    hash_to_g2_affine,
    1
);
curve!(
    MinSig,
    min_sig,
    blst::blst_p2_affine,
    blst::blst_p1_affine,
    96,
    48,
    hash_to_g1_affine,
    2
);
