//! The two BLS12-381 variants behind one trait, so every operation is written once.
//!
//! blst's `min_pk` and `min_sig` modules have the same API over different groups; the macro
//! below binds each to [`Curve`].

use blst::{blst_fp12, Pairing, BLST_ERROR};

use super::keys::KeyCache;

/// Validated public keys kept per variant: about as many as Ethereum has active validators
/// per two epochs' committees would touch, 262,144 (about 25 MB for min-pk when full).
const KEY_CACHE_CAPACITY: usize = 1 << 18;

/// Why a point did not decode or validate.
pub(crate) type PointProblem = &'static str;

/// One BLS12-381 variant: which group holds public keys and which holds signatures.
pub(crate) trait Curve {
    type PublicKey: Copy + Send + Sync + 'static;
    type Signature: Copy + Send + Sync;
    const PUBLIC_KEY_LEN: usize;
    const SIGNATURE_LEN: usize;

    /// The process-wide cache of validated public keys of this variant.
    fn key_cache() -> &'static KeyCache<Self::PublicKey>;

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

    /// Adds e(weight · key, H(aug ‖ message)) to the pairing's Miller-loop product (`weight` a
    /// little-endian 64-bit scalar).
    fn add_weighted_to_pairing(
        pairing: &mut Pairing<'_>,
        key: &Self::PublicKey,
        weight: &[u8],
        message: &[u8],
        aug: &[u8],
    ) -> bool;

    /// e(signature, generator), the other side of the verification equation.
    fn signature_pairing(signature: &Self::Signature) -> blst_fp12;
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
    ($name:ident, $module:ident, $key_affine:ty, $signature_affine:ty, $pk_len:expr, $sig_len:expr) => {
        pub(crate) struct $name;

        impl Curve for $name {
            type PublicKey = blst::$module::PublicKey;
            type Signature = blst::$module::Signature;
            const PUBLIC_KEY_LEN: usize = $pk_len;
            const SIGNATURE_LEN: usize = $sig_len;

            fn key_cache() -> &'static KeyCache<Self::PublicKey> {
                static CACHE: std::sync::OnceLock<KeyCache<blst::$module::PublicKey>> =
                    std::sync::OnceLock::new();
                CACHE.get_or_init(|| KeyCache::new(KEY_CACHE_CAPACITY))
            }

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

            fn public_key_is_identity(key: &Self::PublicKey) -> bool {
                key.validate() == Err(BLST_ERROR::BLST_PK_IS_INFINITY)
            }

            fn signature_is_identity(signature: &Self::Signature) -> bool {
                signature.validate(true) == Err(BLST_ERROR::BLST_PK_IS_INFINITY)
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

            fn add_weighted_to_pairing(
                pairing: &mut Pairing<'_>,
                key: &Self::PublicKey,
                weight: &[u8],
                message: &[u8],
                aug: &[u8],
            ) -> bool {
                let key: &$key_affine = key.into();
                pairing.mul_n_aggregate(key, false, &(), false, weight, WEIGHT_BITS, message, aug)
                    == BLST_ERROR::BLST_SUCCESS
            }

            fn signature_pairing(signature: &Self::Signature) -> blst_fp12 {
                let mut pairing = blst_fp12::default();
                let signature: &$signature_affine = signature.into();
                Pairing::aggregated(&mut pairing, signature);
                pairing
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
    96
);
curve!(
    MinSig,
    min_sig,
    blst::blst_p2_affine,
    blst::blst_p1_affine,
    96,
    48
);
