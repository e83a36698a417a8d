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
use crate::{BatchOutcome, Error, Field, KeyCache};

/// How a signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`, parsed strictly as BIP-66 defines it.
    Der,
    /// r‖s, 32 bytes each, big-endian (IEEE P1363).
    Compact,
}

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
    let hash = super::exact::<32>(index, Field::MessageHash, message_hash)?;
    if rules.encoding() == Encoding::Compact {
        super::exact::<64>(index, Field::Signature, signature)?;
    }
    Ok(hash)
}

/// (r, s) as 32-byte big-endian integers, or `None` when the encoding is broken. DER values
/// wider than 32 bytes are at least 2^256, above n, and come back as `None` too.
fn parse_signature(encoding: Encoding, signature: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    match encoding {
        Encoding::Compact => {
            let signature: &[u8; 64] = signature.try_into().ok()?;
            Some((
                signature[..32].try_into().ok()?,
                signature[32..].try_into().ok()?,
            ))
        }
        Encoding::Der => parse_der(signature),
    }
}

/// BIP-66's `IsValidSignatureEncoding`, for a signature without Bitcoin's trailing sighash
/// byte: `30 len 02 lenR R 02 lenS S`, no trailing bytes, lengths in one byte, integers
/// positive and minimally encoded.
fn parse_der(signature: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let len = signature.len();
    if !(8..=72).contains(&len) || signature[0] != 0x30 || usize::from(signature[1]) != len - 2 {
        return None;
    }
    let r_len = usize::from(signature[3]);
    if signature[2] != 0x02 || r_len == 0 || 5 + r_len >= len {
        return None;
    }
    let s_len = usize::from(signature[5 + r_len]);
    if signature[4 + r_len] != 0x02 || s_len == 0 || r_len + s_len + 6 != len {
        return None;
    }
    let r = der_integer(&signature[4..4 + r_len])?;
    let s = der_integer(&signature[6 + r_len..])?;
    Some((r, s))
}

/// A positive, minimally encoded DER integer body that fits in 32 bytes.
fn der_integer(body: &[u8]) -> Option<[u8; 32]> {
    let negative = body[0] & 0x80 != 0;
    let padded = body.len() > 1 && body[0] == 0 && body[1] & 0x80 == 0;
    if negative || padded {
        return None;
    }
    let digits = if body[0] == 0 { &body[1..] } else { body };
    let mut value = [0u8; 32];
    value
        .get_mut(32usize.checked_sub(digits.len())?..)?
        .copy_from_slice(digits);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut out = vec![0x30, (4 + r.len() + s.len()) as u8, 0x02, r.len() as u8];
        out.extend_from_slice(r);
        out.extend_from_slice(&[0x02, s.len() as u8]);
        out.extend_from_slice(s);
        out
    }

    #[test]
    fn der_follows_bip66() {
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(parse_der(&der(&[1], &[1])), Some((one, one)));
        let mut high = [0u8; 32];
        high[31] = 0x80;
        assert_eq!(parse_der(&der(&[0, 0x80], &[1])), Some((high, one)));
        assert_eq!(parse_der(&der(&[0x80], &[1])), None, "negative r");
        assert_eq!(parse_der(&der(&[0, 1], &[1])), None, "padded r");
        assert_eq!(parse_der(&der(&[1], &[0, 0x7f])), None, "padded s");
        assert_eq!(parse_der(&der(&[], &[1])), None, "empty r");
        let mut trailing = der(&[1], &[1]);
        trailing.push(0);
        assert_eq!(parse_der(&trailing), None, "trailing byte");
        let mut wrong_total = der(&[1], &[1]);
        wrong_total[1] += 1;
        assert_eq!(parse_der(&wrong_total), None, "sequence length");
        let wide = [[0u8].as_slice(), &[0xff; 33]].concat();
        assert_eq!(parse_der(&der(&wide, &[1])), None, "wider than 32 bytes");
        assert_eq!(parse_der(&[]), None);
        assert_eq!(parse_der(&[0x30]), None);
        let long = der(&[[0u8].as_slice(), &[0x80; 32]].concat(), &[0x7f; 32]);
        assert_eq!(long.len(), 71);
        assert!(parse_der(&long).is_some());
    }

    #[test]
    fn every_prefix_of_a_signature_is_rejected_without_panic() {
        let full = der(&[[0u8].as_slice(), &[0x80; 32]].concat(), &[0x11; 32]);
        for cut in 0..full.len() {
            assert_eq!(parse_der(&full[..cut]), None, "prefix of {cut} bytes");
        }
    }

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
