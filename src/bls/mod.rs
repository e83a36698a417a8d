//! BLS12-381 signatures (the IETF BLS draft as Ethereum uses it) on the `blst` crate: keys,
//! signing, aggregation, `verify`, `aggregate_verify`, `fast_aggregate_verify`, and batches of
//! independent signature sets checked with one randomized multi-pairing.
//!
//! Two variants: [`Variant::MinPk`] (public keys 48 bytes in G1, signatures 96 bytes in G2:
//! Ethereum's) and [`Variant::MinSig`] (96-byte keys in G2, 48-byte signatures in G1). Three
//! schemes, each with its ciphersuite's domain separation tag ([`dst`]); any other tag can be
//! set with [`Verifier::with_dst`]. Points travel in their compressed form.
//!
//! Validation follows the Ethereum consensus tests: public keys and signatures must be on the
//! curve and in the prime-order subgroup, and public keys must not be the identity. Verifying
//! with a signature that is the identity fails; aggregating one is allowed (the tests require
//! it).
//!
//! ```
//! use batchverify::bls::{Verifier, SecretKey};
//!
//! let bls = Verifier::ethereum();
//! let secret = SecretKey::key_gen(&[7; 32])?;
//! let public_key = bls.public_key(&secret);
//! let signature = bls.sign(&secret, b"attestation");
//! assert!(bls.verify(&public_key, b"attestation", &signature).is_ok());
//! let outcome = bls.verify_batch(&[&public_key], &[b"other"], &[&signature])?;
//! assert_eq!(outcome.invalid_indices(), vec![0]);
//! # Ok::<(), batchverify::Error>(())
//! ```

mod batch;
mod curve;
mod hash_to_curve;

use std::collections::HashSet;
use std::sync::Arc;

use crate::cache::KeyBytes;
use crate::{BatchOutcome, Error, FailureMemory, Field, KeyCache};
use curve::{Curve, MinPk, MinSig, PointProblem};
pub use hash_to_curve::{hash_to_g1, hash_to_g2, Encoding};

/// Domain separation tags of the standard ciphersuites.
pub mod dst {
    /// Proof-of-possession scheme, signatures in G2 (Ethereum).
    pub const MIN_PK_POP: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// Basic scheme, signatures in G2.
    pub const MIN_PK_BASIC: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";
    /// Message-augmentation scheme, signatures in G2.
    pub const MIN_PK_AUG: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_";
    /// Proof-of-possession scheme, signatures in G1.
    pub const MIN_SIG_POP: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";
    /// Basic scheme, signatures in G1.
    pub const MIN_SIG_BASIC: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
    /// Message-augmentation scheme, signatures in G1.
    pub const MIN_SIG_AUG: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_AUG_";
}

/// Which group holds public keys and which holds signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// 48-byte public keys in G1, 96-byte signatures in G2 (Ethereum).
    MinPk,
    /// 96-byte public keys in G2, 48-byte signatures in G1.
    MinSig,
}

/// How the scheme defends against rogue-key attacks on aggregates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Aggregate verification requires distinct messages.
    Basic,
    /// Every message is signed as `public key ‖ message`.
    MessageAugmentation,
    /// Keys come with proofs of possession (checked by the caller, as Ethereum's deposit
    /// contract does); allows `fast_aggregate_verify`.
    ProofOfPossession,
}

impl core::str::FromStr for Variant {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "min_pk" => Ok(Variant::MinPk),
            "min_sig" => Ok(Variant::MinSig),
            other => Err(format!(
                "unknown BLS variant {other:?} (expected min_pk or min_sig)"
            )),
        }
    }
}

impl core::str::FromStr for Scheme {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "basic" => Ok(Scheme::Basic),
            "aug" => Ok(Scheme::MessageAugmentation),
            "pop" => Ok(Scheme::ProofOfPossession),
            other => Err(format!(
                "unknown BLS scheme {other:?} (expected pop, basic or aug)"
            )),
        }
    }
}

/// A BLS secret key: a nonzero scalar below the group order. Its bytes are wiped when it is
/// dropped, and it has no `PartialEq` (a comparison that is not constant-time leaks):
///
/// ```compile_fail
/// let key = batchverify::bls::SecretKey::key_gen(&[7; 32]).unwrap();
/// assert!(key == key.clone());
/// ```
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// KeyGen from the IETF draft (HKDF-SHA-256 over at least 32 bytes of key material).
    pub fn key_gen(ikm: &[u8]) -> Result<SecretKey, Error> {
        let secret = blst::min_pk::SecretKey::key_gen(ikm, &[]).map_err(|_| Error::Malformed {
            index: 0,
            field: Field::SecretKey,
            expected_len: 32,
            actual_len: ikm.len(),
        })?;
        Ok(SecretKey(secret.to_bytes()))
    }

    /// A key from its 32 big-endian bytes; zero or a value not below the group order is an
    /// error.
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, Error> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| Error::Malformed {
            index: 0,
            field: Field::SecretKey,
            expected_len: 32,
            actual_len: bytes.len(),
        })?;
        blst::min_pk::SecretKey::from_bytes(&bytes).map_err(|_| Error::InvalidPoint {
            index: 0,
            field: Field::SecretKey,
            reason: "zero or not below the group order",
        })?;
        Ok(SecretKey(bytes))
    }

    /// The 32 big-endian bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
}

/// One signature set of a batch: a signature over `message` by the aggregate of
/// `public_keys` (one key for a plain signature, many for an Ethereum attestation).
#[derive(Clone, Copy, Debug)]
pub struct SignatureSet<'a> {
    /// The signers' public keys (compressed).
    pub public_keys: &'a [&'a [u8]],
    /// The signed message.
    pub message: &'a [u8],
    /// The (aggregate) signature (compressed).
    pub signature: &'a [u8],
}

/// Validated public keys in the default process-wide cache, for both variants: about as many
/// as Ethereum's committees touch in two epochs (about 25 MB for min-pk keys when full).
const DEFAULT_CACHE_CAPACITY: usize = 1 << 18;

/// BLS operations for one variant, scheme and domain separation tag.
#[derive(Clone, Debug)]
pub struct Verifier {
    variant: Variant,
    scheme: Scheme,
    dst: Vec<u8>,
    sequential: bool,
    key_cache: Option<Arc<KeyCache>>,
    failures: Option<Arc<FailureMemory>>,
}

impl Verifier {
    /// `variant` and `scheme` with the ciphersuite's standard tag.
    pub fn new(variant: Variant, scheme: Scheme) -> Verifier {
        let dst = match (variant, scheme) {
            (Variant::MinPk, Scheme::ProofOfPossession) => dst::MIN_PK_POP,
            (Variant::MinPk, Scheme::Basic) => dst::MIN_PK_BASIC,
            (Variant::MinPk, Scheme::MessageAugmentation) => dst::MIN_PK_AUG,
            (Variant::MinSig, Scheme::ProofOfPossession) => dst::MIN_SIG_POP,
            (Variant::MinSig, Scheme::Basic) => dst::MIN_SIG_BASIC,
            (Variant::MinSig, Scheme::MessageAugmentation) => dst::MIN_SIG_AUG,
        };
        static DEFAULT_CACHE: std::sync::OnceLock<Arc<KeyCache>> = std::sync::OnceLock::new();
        static FAILURES: [std::sync::OnceLock<Arc<FailureMemory>>; 2] =
            [const { std::sync::OnceLock::new() }; 2];
        let failures = &FAILURES[match variant {
            Variant::MinPk => 0,
            Variant::MinSig => 1,
        }];
        Verifier {
            variant,
            scheme,
            dst: dst.to_vec(),
            sequential: false,
            key_cache: Some(crate::cache::global(&DEFAULT_CACHE, DEFAULT_CACHE_CAPACITY)),
            failures: Some(failures.get_or_init(Arc::default).clone()),
        }
    }

    /// Ethereum's consensus layer: min-pk, proof of possession.
    pub fn ethereum() -> Verifier {
        Verifier::new(Variant::MinPk, Scheme::ProofOfPossession)
    }

    /// The same operations under another domain separation tag.
    pub fn with_dst(self, dst: &[u8]) -> Verifier {
        Verifier {
            dst: dst.to_vec(),
            ..self
        }
    }

    /// Run batches on the calling thread only (`true`) or on the current rayon pool (`false`).
    pub fn sequential(self, sequential: bool) -> Verifier {
        Verifier { sequential, ..self }
    }

    /// Keeps validated public keys in this cache (which may be shared, with Ed25519 verifiers
    /// too), or in none: then every key is decompressed and subgroup-checked at every use.
    pub fn key_cache(self, cache: Option<Arc<KeyCache>>) -> Verifier {
        Verifier {
            key_cache: cache,
            ..self
        }
    }

    /// Where batches remember the failure rate they met, which sizes the next batches' chunks
    /// (shared with other verifiers of the variant by default, or none: each batch then
    /// starts as if failures were rare). Verdicts never depend on it.
    pub fn failure_memory(self, memory: Option<Arc<FailureMemory>>) -> Verifier {
        Verifier {
            failures: memory,
            ..self
        }
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The domain separation tag.
    pub fn dst(&self) -> &[u8] {
        &self.dst
    }

    /// Bytes of a compressed public key (48 or 96).
    pub fn public_key_len(&self) -> usize {
        match self.variant {
            Variant::MinPk => MinPk::PUBLIC_KEY_LEN,
            Variant::MinSig => MinSig::PUBLIC_KEY_LEN,
        }
    }

    /// Bytes of a compressed signature (96 or 48).
    pub fn signature_len(&self) -> usize {
        match self.variant {
            Variant::MinPk => MinPk::SIGNATURE_LEN,
            Variant::MinSig => MinSig::SIGNATURE_LEN,
        }
    }

    /// The compressed public key of `secret`.
    pub fn public_key(&self, secret: &SecretKey) -> Vec<u8> {
        match self.variant {
            Variant::MinPk => public_key::<MinPk>(secret),
            Variant::MinSig => public_key::<MinSig>(secret),
        }
    }

    /// The compressed signature of `message` (for message augmentation, of the public key
    /// followed by `message`).
    pub fn sign(&self, secret: &SecretKey, message: &[u8]) -> Vec<u8> {
        match self.variant {
            Variant::MinPk => self.sign_on::<MinPk>(secret, message),
            Variant::MinSig => self.sign_on::<MinSig>(secret, message),
        }
    }

    /// Checks a public key as KeyValidate does: it decodes, lies in the subgroup and is not the
    /// identity.
    pub fn validate_public_key(&self, public_key: &[u8]) -> Result<(), Error> {
        match self.variant {
            Variant::MinPk => self.decode_key::<MinPk>(0, public_key).map(drop),
            Variant::MinSig => self.decode_key::<MinSig>(0, public_key).map(drop),
        }
    }

    /// Checks only that the bytes decode to a point of the public keys' subgroup (the identity
    /// included): the Ethereum tests' deserialization check.
    pub fn deserialize_public_key(&self, public_key: &[u8]) -> Result<(), Error> {
        match self.variant {
            Variant::MinPk => in_group_key::<MinPk>(0, public_key).map(drop),
            Variant::MinSig => in_group_key::<MinSig>(0, public_key).map(drop),
        }
    }

    /// Checks that the bytes decode to a point of the signatures' subgroup (the identity
    /// included).
    pub fn deserialize_signature(&self, signature: &[u8]) -> Result<(), Error> {
        match self.variant {
            Variant::MinPk => in_group_signature::<MinPk>(0, signature).map(drop),
            Variant::MinSig => in_group_signature::<MinSig>(0, signature).map(drop),
        }
    }

    /// The aggregate of `signatures` (each checked as [`Verifier::deserialize_signature`] does).
    pub fn aggregate_signatures<S: AsRef<[u8]>>(&self, signatures: &[S]) -> Result<Vec<u8>, Error> {
        match self.variant {
            Variant::MinPk => aggregate_signatures::<MinPk, S>(signatures),
            Variant::MinSig => aggregate_signatures::<MinSig, S>(signatures),
        }
    }

    /// The aggregate of `public_keys` (each checked as [`Verifier::validate_public_key`] does).
    pub fn aggregate_public_keys<K: AsRef<[u8]>>(
        &self,
        public_keys: &[K],
    ) -> Result<Vec<u8>, Error> {
        match self.variant {
            Variant::MinPk => self.aggregate_public_keys_on::<MinPk, K>(public_keys),
            Variant::MinSig => self.aggregate_public_keys_on::<MinSig, K>(public_keys),
        }
    }

    /// Verifies one signature: `Ok(())`, [`Error::InvalidSignature`], or an error naming a
    /// field of the wrong length ([`Error::Malformed`]) or an invalid point
    /// ([`Error::InvalidPoint`]).
    pub fn verify(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.aggregate_verify(&[public_key], &[message], signature)
    }

    /// Verifies one signature over `messages[i]` by `public_keys[i]` for every `i`. The basic
    /// scheme rejects repeated messages ([`Error::DuplicateMessage`]).
    pub fn aggregate_verify<K: AsRef<[u8]>, M: AsRef<[u8]>>(
        &self,
        public_keys: &[K],
        messages: &[M],
        signature: &[u8],
    ) -> Result<(), Error> {
        if messages.len() != public_keys.len() {
            return Err(Error::CountMismatch {
                field: Field::Message,
                expected: public_keys.len(),
                actual: messages.len(),
            });
        }
        if public_keys.is_empty() {
            return Err(Error::EmptyInput {
                field: Field::PublicKey,
            });
        }
        if self.scheme == Scheme::Basic {
            let mut seen = HashSet::new();
            if let Some(index) = messages.iter().position(|m| !seen.insert(m.as_ref())) {
                return Err(Error::DuplicateMessage { index });
            }
        }
        match self.variant {
            Variant::MinPk => {
                self.aggregate_verify_on::<MinPk, K, M>(public_keys, messages, signature)
            }
            Variant::MinSig => {
                self.aggregate_verify_on::<MinSig, K, M>(public_keys, messages, signature)
            }
        }
    }

    /// Verifies one signature over `message` by all of `public_keys` (proof-of-possession
    /// scheme only: without proofs of possession the aggregate key could be a rogue key).
    pub fn fast_aggregate_verify<K: AsRef<[u8]>>(
        &self,
        public_keys: &[K],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        if self.scheme != Scheme::ProofOfPossession {
            return Err(Error::UnsupportedByScheme {
                operation: "fast_aggregate_verify",
            });
        }
        let keys: Vec<&[u8]> = public_keys.iter().map(AsRef::as_ref).collect();
        let set = SignatureSet {
            public_keys: &keys,
            message,
            signature,
        };
        match self.verify_sets(&[set])?.all_valid() {
            true => Ok(()),
            false => Err(Error::InvalidSignature),
        }
    }

    /// Verifies independent signatures, item `i` being `(public_keys[i], messages[i],
    /// signatures[i])`: every verdict equals [`Verifier::verify`]'s, a point that does not decode or
    /// validate included (its verdict is `false`). Lengths are checked first; a wrong one is an
    /// error naming the item and field.
    pub fn verify_batch<K, M, S>(
        &self,
        public_keys: &[K],
        messages: &[M],
        signatures: &[S],
    ) -> Result<BatchOutcome, Error>
    where
        K: AsRef<[u8]> + Sync,
        M: AsRef<[u8]> + Sync,
        S: AsRef<[u8]> + Sync,
    {
        crate::batch::check_counts(
            public_keys.len(),
            (crate::Field::Message, messages.len()),
            signatures.len(),
        )?;
        let keys: Vec<[&[u8]; 1]> = public_keys.iter().map(|k| [k.as_ref()]).collect();
        let sets: Vec<SignatureSet<'_>> = keys
            .iter()
            .zip(messages)
            .zip(signatures)
            .map(|((key, message), signature)| SignatureSet {
                public_keys: key,
                message: message.as_ref(),
                signature: signature.as_ref(),
            })
            .collect();
        self.verify_sets(&sets)
    }

    /// Verifies signature sets, each a (fast) aggregate signature over one message: one
    /// randomized multi-pairing for the whole batch, sets that share a message sharing one
    /// Miller loop, bisection to find bad sets. Every verdict equals what verifying its set
    /// alone gives.
    pub fn verify_sets(&self, sets: &[SignatureSet<'_>]) -> Result<BatchOutcome, Error> {
        if self.scheme != Scheme::ProofOfPossession
            && sets.iter().any(|set| set.public_keys.len() > 1)
        {
            return Err(Error::UnsupportedByScheme {
                operation: "a set with several public keys (fast aggregate)",
            });
        }
        match self.variant {
            Variant::MinPk => batch::verify_sets::<MinPk>(self, sets),
            Variant::MinSig => batch::verify_sets::<MinSig>(self, sets),
        }
    }

    /// A public key fit for verification: in the subgroup and not the identity. Keys that pass
    /// are cached, so a validator's key is decompressed and checked once per process.
    pub(crate) fn decode_key<C: Curve>(
        &self,
        index: usize,
        bytes: &[u8],
    ) -> Result<C::PublicKey, Error> {
        let key = KeyBytes::copy_of(bytes)
            .filter(|_| bytes.len() == C::PUBLIC_KEY_LEN)
            .ok_or(Error::Malformed {
                index,
                field: Field::PublicKey,
                expected_len: C::PUBLIC_KEY_LEN,
                actual_len: bytes.len(),
            })?;
        match &self.key_cache {
            Some(cache) => cache.get_or_decode(&key, fit_key::<C>),
            None => fit_key::<C>(&key),
        }
        .map_err(|reason| Error::InvalidPoint {
            index,
            field: Field::PublicKey,
            reason,
        })
    }

    fn aggregate_public_keys_on<C: Curve, K: AsRef<[u8]>>(
        &self,
        public_keys: &[K],
    ) -> Result<Vec<u8>, Error> {
        if public_keys.is_empty() {
            return Err(Error::EmptyInput {
                field: Field::PublicKey,
            });
        }
        let points = public_keys
            .iter()
            .enumerate()
            .map(|(index, key)| self.decode_key::<C>(index, key.as_ref()))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(C::public_key_bytes(&C::sum_public_keys(&points)))
    }

    fn sign_on<C: Curve>(&self, secret: &SecretKey, message: &[u8]) -> Vec<u8> {
        let aug = self.augmentation::<C>(secret);
        let signature =
            C::sign(&secret.0, message, &self.dst, &aug).expect("a SecretKey holds a valid scalar");
        C::signature_bytes(&signature)
    }

    fn augmentation<C: Curve>(&self, secret: &SecretKey) -> Vec<u8> {
        match self.scheme {
            Scheme::MessageAugmentation => public_key::<C>(secret),
            _ => Vec::new(),
        }
    }

    fn aggregate_verify_on<C: Curve, K: AsRef<[u8]>, M: AsRef<[u8]>>(
        &self,
        public_keys: &[K],
        messages: &[M],
        signature: &[u8],
    ) -> Result<(), Error> {
        let keys = public_keys
            .iter()
            .enumerate()
            .map(|(index, key)| self.decode_key::<C>(index, key.as_ref()))
            .collect::<Result<Vec<_>, Error>>()?;
        let signature = decode_signature::<C>(0, signature)?;
        let mut pairing = blst::Pairing::new(true, &self.dst);
        for (index, (key, message)) in keys.iter().zip(messages).enumerate() {
            let aug = match self.scheme {
                Scheme::MessageAugmentation => public_keys[index].as_ref(),
                _ => &[],
            };
            let with = (index == 0).then_some(&signature);
            if !C::add_to_pairing(&mut pairing, key, with, message.as_ref(), aug) {
                return Err(Error::InvalidSignature);
            }
        }
        pairing.commit();
        if pairing.finalverify(None) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }
}

fn public_key<C: Curve>(secret: &SecretKey) -> Vec<u8> {
    let key = C::derive_public_key(&secret.0).expect("a SecretKey holds a valid scalar");
    C::public_key_bytes(&key)
}

fn check_len(index: usize, field: Field, bytes: &[u8], expected_len: usize) -> Result<(), Error> {
    if bytes.len() == expected_len {
        Ok(())
    } else {
        Err(Error::Malformed {
            index,
            field,
            expected_len,
            actual_len: bytes.len(),
        })
    }
}

fn in_group_key<C: Curve>(index: usize, bytes: &[u8]) -> Result<C::PublicKey, Error> {
    check_len(index, Field::PublicKey, bytes, C::PUBLIC_KEY_LEN)?;
    C::public_key_in_group(bytes).map_err(|reason| Error::InvalidPoint {
        index,
        field: Field::PublicKey,
        reason,
    })
}

fn in_group_signature<C: Curve>(index: usize, bytes: &[u8]) -> Result<C::Signature, Error> {
    check_len(index, Field::Signature, bytes, C::SIGNATURE_LEN)?;
    C::signature_in_group(bytes).map_err(|reason| Error::InvalidPoint {
        index,
        field: Field::Signature,
        reason,
    })
}

/// The key the cache's copy encodes, when it is in the subgroup and not the identity.
fn fit_key<C: Curve>(key: &KeyBytes) -> Result<C::PublicKey, PointProblem> {
    let key = C::public_key_in_group(key.as_slice())?;
    if C::public_key_is_identity(&key) {
        return Err("the point at infinity");
    }
    Ok(key)
}

/// A signature fit for verification: in the subgroup and not the identity (which no honest
/// signer produces; rejecting it early spares a pairing).
pub(crate) fn decode_signature<C: Curve>(
    index: usize,
    bytes: &[u8],
) -> Result<C::Signature, Error> {
    let signature = in_group_signature::<C>(index, bytes)?;
    if C::signature_is_identity(&signature) {
        return Err(Error::InvalidPoint {
            index,
            field: Field::Signature,
            reason: "the point at infinity",
        });
    }
    Ok(signature)
}

fn aggregate_signatures<C: Curve, S: AsRef<[u8]>>(signatures: &[S]) -> Result<Vec<u8>, Error> {
    if signatures.is_empty() {
        return Err(Error::EmptyInput {
            field: Field::Signature,
        });
    }
    let points = signatures
        .iter()
        .enumerate()
        .map(|(index, signature)| in_group_signature::<C>(index, signature.as_ref()))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(C::signature_bytes(&C::sum_signatures(&points)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_keys_are_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<super::SecretKey>();
        // What `ed25519::SigningKey` holds, wiped by ed25519-dalek's own `Drop` (its `zeroize`
        // feature): the wrapper's marker rests on this.
        wiped_on_drop::<ed25519_dalek::SigningKey>();
        wiped_on_drop::<crate::ed25519::SigningKey>();
    }
}
