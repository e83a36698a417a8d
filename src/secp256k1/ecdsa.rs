//! ECDSA over secp256k1 under named rules, single and batched.
//!
//! The caller hashes the message (each chain has its own rule) and passes the 32-byte hash.
//! Every rule set requires r and s in [1, n-1]; they differ in the signature encoding, whether
//! a high `s` is accepted and which public-key encodings count:
//!
//! | rules | signature | high s | public keys |
//! |---|---|---|---|
//! | `Bitcoin { low_s: true }` (default) | strict DER (BIP-66) | rejected (BIP-146, Bitcoin Core's standardness rule) | compressed, uncompressed, hybrid (as Bitcoin Core's consensus code) |
//! | `Bitcoin { low_s: false }` | strict DER (BIP-66) | accepted (consensus) | compressed, uncompressed, hybrid |
//! | `Ethereum` | compact r‖s, 64 bytes | rejected (EIP-2) | compressed, uncompressed |
//! | `Plain { encoding }` | strict DER or compact | accepted | compressed, uncompressed |
//!
//! A signature that does not parse under its rules, or a public key that is not a point, is an
//! invalid signature (a `false` verdict), as it is to a node; a field of the wrong length (a
//! hash that is not 32 bytes, a compact signature that is not 64, a key that is neither 33 nor
//! 65) is an [`Error`] naming the item and field.
//!
//! ECDSA has no linear batch equation (only the x-coordinate of `R` is checked), so a batch is
//! the single verifications run on every core, with parsed keys cached per process.

use std::sync::Arc;

use super::{is_low_s, is_nonzero_scalar};
use crate::der::parse_signature;
pub use crate::der::Encoding;
use crate::{BatchOutcome, Error, Field, KeyCache};

/// A named ECDSA rule set (see the [module docs](self) for what each accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rules {
    /// Bitcoin's script rules: strict DER (BIP-66); `low_s` rejects s > n/2 (BIP-146).
    Bitcoin {
        /// Reject high `s`, as Bitcoin Core's standardness rules do.
        low_s: bool,
    },
    /// Ethereum's transaction rules: compact r‖s with s at most n/2 (EIP-2).
    Ethereum,
    /// Any r and s in [1, n-1], in the given encoding (what Wycheproof's tests expect).
    Plain {
        /// The signature encoding.
        encoding: Encoding,
    },
}

impl Rules {
    /// Bitcoin with low-S required, Bitcoin Core's default.
    pub const BITCOIN: Rules = Rules::Bitcoin { low_s: true };
    /// Plain rules over DER signatures.
    pub const PLAIN_DER: Rules = Rules::Plain {
        encoding: Encoding::Der,
    };
    /// Plain rules over compact r‖s signatures.
    pub const PLAIN_COMPACT: Rules = Rules::Plain {
        encoding: Encoding::Compact,
    };

    /// The signature encoding these rules read.
    pub fn encoding(self) -> Encoding {
        match self {
            Rules::Bitcoin { .. } => Encoding::Der,
            Rules::Ethereum => Encoding::Compact,
            Rules::Plain { encoding } => encoding,
        }
    }

    fn requires_low_s(self) -> bool {
        match self {
            Rules::Bitcoin { low_s } => low_s,
            Rules::Ethereum => true,
            Rules::Plain { .. } => false,
        }
    }

    fn accepts_hybrid_keys(self) -> bool {
        matches!(self, Rules::Bitcoin { .. })
    }
}

impl core::str::FromStr for Rules {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "bitcoin" => Ok(Rules::BITCOIN),
            "bitcoin-consensus" => Ok(Rules::Bitcoin { low_s: false }),
            "ethereum" => Ok(Rules::Ethereum),
            "plain" | "plain-der" => Ok(Rules::PLAIN_DER),
            "plain-compact" => Ok(Rules::PLAIN_COMPACT),
            other => Err(format!(
                "unknown ECDSA rules {other:?} (expected bitcoin, bitcoin-consensus, ethereum, \
                 plain or plain-compact)"
            )),
        }
    }
}

impl core::fmt::Display for Rules {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Rules::Bitcoin { low_s: true } => "bitcoin",
            Rules::Bitcoin { low_s: false } => "bitcoin-consensus",
            Rules::Ethereum => "ethereum",
            Rules::Plain {
                encoding: Encoding::Der,
            } => "plain",
            Rules::Plain {
                encoding: Encoding::Compact,
            } => "plain-compact",
        })
    }
}

/// ECDSA verification under one rule set, with a cache of parsed public keys.
#[derive(Clone, Debug)]
pub struct Verifier {
    rules: Rules,
    sequential: bool,
    key_cache: Option<Arc<KeyCache>>,
}

impl Verifier {
    /// A verifier for `rules` that runs batches on rayon's threads and caches keys in a
    /// process-wide cache.
    pub fn new(rules: Rules) -> Self {
        static DEFAULT_CACHE: std::sync::OnceLock<Arc<KeyCache>> = std::sync::OnceLock::new();
        Self {
            rules,
            sequential: false,
            key_cache: Some(super::default_cache(&DEFAULT_CACHE)),
        }
    }

    /// Verify batches on the calling thread only.
    pub fn sequential(mut self, sequential: bool) -> Self {
        self.sequential = sequential;
        self
    }

    /// The cache of parsed keys to use, or `None` to parse every key every time.
    pub fn key_cache(mut self, cache: Option<Arc<KeyCache>>) -> Self {
        self.key_cache = cache;
        self
    }

    /// The rules this verifier applies.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// Verifies one signature over a 32-byte message hash.
    pub fn verify(
        &self,
        public_key: &[u8],
        message_hash: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let hash = check_item(self.rules, 0, public_key, message_hash, signature)?;
        if self.verify_item(public_key, hash, signature) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Verifies many signatures, each against its own key and hash; the verdict of each item is
    /// exactly its single verdict.
    pub fn verify_batch<K, H, S>(
        &self,
        public_keys: &[K],
        message_hashes: &[H],
        signatures: &[S],
    ) -> Result<BatchOutcome, Error>
    where
        K: AsRef<[u8]> + Sync,
        H: AsRef<[u8]> + Sync,
        S: AsRef<[u8]> + Sync,
    {
        crate::batch::check_counts(
            public_keys.len(),
            (Field::MessageHash, message_hashes.len()),
            signatures.len(),
        )?;
        let hashes = (0..public_keys.len())
            .map(|i| {
                check_item(
                    self.rules,
                    i,
                    public_keys[i].as_ref(),
                    message_hashes[i].as_ref(),
                    signatures[i].as_ref(),
                )
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let verdict =
            |i: usize| self.verify_item(public_keys[i].as_ref(), hashes[i], signatures[i].as_ref());
        let verdicts = crate::batch::map_items(hashes.len(), self.sequential, verdict);
        Ok(BatchOutcome::from_verdicts(verdicts))
    }

    fn verify_item(&self, public_key: &[u8], hash: &[u8; 32], signature: &[u8]) -> bool {
        let Some(key) = self.decode_key(public_key) else {
            return false;
        };
        let Some((r, s)) = parse_signature(self.rules.encoding(), signature) else {
            return false;
        };
        if !is_nonzero_scalar(&r) || !is_nonzero_scalar(&s) {
            return false;
        }
        if self.rules.requires_low_s() && !is_low_s(&s) {
            return false;
        }
        let mut compact = [0u8; 64];
        compact[..32].copy_from_slice(&r);
        compact[32..].copy_from_slice(&s);
        let Ok(mut signature) = secp256k1::ecdsa::Signature::from_compact(&compact) else {
            return false;
        };
        // libsecp256k1 verifies low-S signatures only; (r, s) and (r, n - s) verify alike, and
        // the rules above have already decided whether a high s is allowed.
        signature.normalize_s();
        secp256k1::ecdsa::verify(&signature, secp256k1::Message::from_digest(*hash), &key).is_ok()
    }

    fn decode_key(&self, bytes: &[u8]) -> Option<secp256k1::PublicKey> {
        if matches!(bytes.first(), Some(0x06 | 0x07)) && !self.rules.accepts_hybrid_keys() {
            return None;
        }
        let parse = || secp256k1::PublicKey::from_slice(bytes);
        match &self.key_cache {
            Some(cache) => cache.get_or_decode(bytes, parse).ok(),
            None => parse().ok(),
        }
    }
}

/// Verifies one ECDSA signature over a 32-byte message hash under `rules`.
pub fn verify(
    rules: Rules,
    public_key: &[u8],
    message_hash: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    Verifier::new(rules).verify(public_key, message_hash, signature)
}

/// Verifies a batch under `rules` on rayon's threads (see [`Verifier::verify_batch`]).
pub fn verify_batch<K, H, S>(
    rules: Rules,
    public_keys: &[K],
    message_hashes: &[H],
    signatures: &[S],
) -> Result<BatchOutcome, Error>
where
    K: AsRef<[u8]> + Sync,
    H: AsRef<[u8]> + Sync,
    S: AsRef<[u8]> + Sync,
{
    Verifier::new(rules).verify_batch(public_keys, message_hashes, signatures)
}

/// Whether a compact (r‖s) or DER signature has s at most n/2. Ethereum transactions need it
/// (EIP-2) on top of [`recover`](super::recover), which follows the EVM precompile and accepts
/// either half.
pub fn is_low_s_signature(signature: &[u8], encoding: Encoding) -> bool {
    parse_signature(encoding, signature).is_some_and(|(_, s)| is_low_s(&s))
}

const PUBLIC_KEY_LENGTHS: &[usize] = &[33, 65];

fn check_item<'a>(
    rules: Rules,
    index: usize,
    public_key: &[u8],
    message_hash: &'a [u8],
    signature: &[u8],
) -> Result<&'a [u8; 32], Error> {
    if !PUBLIC_KEY_LENGTHS.contains(&public_key.len()) {
        return Err(Error::LengthNotAllowed {
            index,
            field: Field::PublicKey,
            allowed: PUBLIC_KEY_LENGTHS,
            actual_len: public_key.len(),
        });
    }
    let hash = crate::error::exact::<32>(index, Field::MessageHash, message_hash)?;
    if rules.encoding() == Encoding::Compact {
        crate::error::exact::<64>(index, Field::Signature, signature)?;
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_round_trip() {
        for rules in [
            Rules::BITCOIN,
            Rules::Bitcoin { low_s: false },
            Rules::Ethereum,
            Rules::PLAIN_DER,
            Rules::PLAIN_COMPACT,
        ] {
            assert_eq!(rules.to_string().parse::<Rules>(), Ok(rules));
        }
        assert!("p256".parse::<Rules>().is_err());
    }
}
