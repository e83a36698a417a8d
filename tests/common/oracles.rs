//! Single verdicts of implementations independent of batchverify, the oracles that batches are
//! checked against (by the tests, the fuzz targets and `make soak`, which include this file).

use batchverify::bls::{Scheme, Variant, Verifier};
use batchverify::ed25519::Policy;

/// ed25519-dalek's `verify_strict` for `Strict`, ed25519-consensus (ZIP-215's reference) for
/// `Zip215`. Wrong lengths are invalid.
pub fn ed25519_oracle(policy: Policy, public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(public_key), Ok(signature)) = (
        <[u8; 32]>::try_from(public_key),
        <[u8; 64]>::try_from(signature),
    ) else {
        return false;
    };
    match policy {
        Policy::Strict => ed25519_dalek::VerifyingKey::from_bytes(&public_key).is_ok_and(|key| {
            key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
                .is_ok()
        }),
        Policy::Zip215 => {
            ed25519_consensus::VerificationKey::try_from(public_key).is_ok_and(|key| {
                key.verify(&ed25519_consensus::Signature::from(signature), message)
                    .is_ok()
            })
        }
        // `Policy` is non-exhaustive outside batchverify, not inside it (its unit tests).
        #[allow(unreachable_patterns)]
        other => panic!("no oracle for {other}"),
    }
}

/// blst's own verdict on one set under `bls`'s variant, scheme and tag: every point decoded and
/// validated by blst, then its `verify` (one key) or `fast_aggregate_verify` (several).
pub fn blst_oracle<K: AsRef<[u8]>>(
    bls: &Verifier,
    keys: &[K],
    message: &[u8],
    signature: &[u8],
) -> bool {
    macro_rules! verdict {
        ($variant:ident) => {{
            use blst::$variant::{PublicKey, Signature};
            let Ok(keys) = keys
                .iter()
                .map(|key| PublicKey::key_validate(key.as_ref()))
                .collect::<Result<Vec<_>, _>>()
            else {
                return false;
            };
            let Ok(signature) = Signature::sig_validate(signature, true) else {
                return false;
            };
            let result = match keys.as_slice() {
                [key] => {
                    let aug: &[u8] = match bls.scheme() {
                        Scheme::MessageAugmentation => &key.compress(),
                        _ => &[],
                    };
                    signature.verify(false, message, bls.dst(), aug, key, false)
                }
                _ => {
                    let refs: Vec<&PublicKey> = keys.iter().collect();
                    signature.fast_aggregate_verify(false, message, bls.dst(), &refs)
                }
            };
            result == blst::BLST_ERROR::BLST_SUCCESS
        }};
    }
    match bls.variant() {
        Variant::MinPk => verdict!(min_pk),
        Variant::MinSig => verdict!(min_sig),
    }
}

/// k256's (RustCrypto's) ECDSA verdict on a compact `r ‖ s` over a 32-byte hash: either half
/// of s, unless `low_s_only` (the Ethereum rules, EIP-2). Shares no code with libsecp256k1 or
/// batchverify's tables.
pub fn k256_ecdsa_oracle(key: &[u8], hash: &[u8], signature: &[u8], low_s_only: bool) -> bool {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    let Ok(signature) = k256::ecdsa::Signature::from_slice(signature) else {
        return false;
    };
    let high = signature.normalize_s() != signature;
    k256::ecdsa::VerifyingKey::from_sec1_bytes(key).is_ok_and(|key| {
        key.verify_prehash(hash, &signature.normalize_s()).is_ok() && !(low_s_only && high)
    })
}

/// k256's BIP-340 verdict, independent of libsecp256k1 and of batchverify's sums.
pub fn k256_schnorr_oracle(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let key = k256::schnorr::VerifyingKey::from_slice(key);
    let signature = k256::schnorr::Signature::try_from(signature);
    key.ok()
        .zip(signature.ok())
        .is_some_and(|(key, signature)| key.verify_raw(message, &signature).is_ok())
}

/// RustCrypto sm2's verdict on a compact `r ‖ s` by signer `id`; it shares no arithmetic with
/// batchverify's SM2.
pub fn sm2_oracle(key: &[u8], id: &str, message: &[u8], signature: &[u8]) -> bool {
    use ::sm2::dsa::signature::Verifier as _;
    let Ok(key) = ::sm2::dsa::VerifyingKey::from_sec1_bytes(id, key) else {
        return false;
    };
    ::sm2::dsa::Signature::from_slice(signature)
        .is_ok_and(|signature| key.verify(message, &signature).is_ok())
}
