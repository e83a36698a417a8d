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
//! the single verifications run on every core, with parsed keys cached per process. A key seen
//! once is verified by libsecp256k1. A key that keeps signing (an exchange, a validator) gets a
//! table of its multiples in the cache: `u1·G + u2·P` then takes 33 doublings instead of
//! libsecp256k1's 128 (see [`crate::ec_tables`]). Building a table costs about as much as
//! three verifications, so a key earns one with its twelfth valid signature through the cache
//! (built for the next), or at once through [`Verifier::prepare_keys`].

use std::sync::Arc;

use super::field::Fe;
use super::msm::{self, Affine, Table};
use super::{is_low_s, is_nonzero_scalar};
use crate::cache::KeyBytes;
use crate::der::parse_signature;
pub use crate::der::Encoding;
use crate::ec_tables::{EarnedTable, TableBudget};
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

/// When ECDSA keys earn their tables. A table costs about 60 µs to build (under three
/// libsecp256k1 verifications) and saves about 5 µs on each verification after it, so it is
/// earned by a key's twelfth valid signature: a key that stops signing early has cost at most
/// about 1.25 times what libsecp256k1 alone would have. At most 4,096 tables (8 KiB each, 32 MiB)
/// live at once; past that keys are verified as if seen once, and try again at each signature.
static TABLES: TableBudget = TableBudget::new(12, 4096);

/// A parsed public key, and its table once earned ([`TABLES`]).
#[derive(Debug)]
pub(crate) struct DecodedKey {
    key: secp256k1::PublicKey,
    table: EarnedTable<Table>,
}

impl DecodedKey {
    fn new(key: secp256k1::PublicKey) -> DecodedKey {
        DecodedKey {
            key,
            table: EarnedTable::new(&TABLES),
        }
    }

    /// The key's table, built now if earned.
    fn table(&self) -> Option<&Table> {
        self.table.get_or_build(|| self.new_table())
    }

    fn count_valid_use(&self) {
        self.table.count_valid_use();
    }

    /// Builds the key's table within the budget; whether the key has one now.
    fn build_table(&self) -> bool {
        self.table.build(|| self.new_table())
    }

    fn new_table(&self) -> Option<Table> {
        let point = Affine::from_validated_uncompressed(&self.key.serialize_uncompressed())?;
        Some(msm::key_table(&point))
    }
}

impl crate::cache::Cached for Arc<DecodedKey> {
    const FAMILY: usize = 3;
}

/// libsecp256k1's parse of the cache's copy of a key.
fn parse_key(key: &KeyBytes) -> Result<Arc<DecodedKey>, secp256k1::Error> {
    secp256k1::PublicKey::from_slice(key.as_slice()).map(|key| Arc::new(DecodedKey::new(key)))
}

/// Items whose inverses of s are computed together (one inversion and three multiplications
/// each, where a lone inversion costs about a tenth of a verification).
const INVERSION_RANGE: usize = 64;

impl crate::ec_tables::FieldElement for k256::Scalar {
    const ONE: k256::Scalar = k256::Scalar::ONE;

    fn mul(&self, other: &k256::Scalar) -> k256::Scalar {
        self * other
    }

    fn invert(&self) -> k256::Scalar {
        self.invert_vartime().unwrap_or(k256::Scalar::ZERO)
    }

    fn same(&self, other: &k256::Scalar) -> bool {
        self == other
    }
}

/// An item once its key and signature are parsed.
enum Checked {
    Verdict(bool),
    /// A repeated signer's item, waiting for w = 1/s.
    OnTable {
        key: Arc<DecodedKey>,
        r: [u8; 32],
        s: k256::Scalar,
    },
}

/// x(u1·G + u2·P) ≡ r (mod n), with u1 = e·w and u2 = r·w for w = 1/s, on the key's table. `r`
/// and `s` are already known to lie in [1, n−1]; a high `s` verifies like its low twin
/// (negating s negates the sum, which keeps its x).
fn verify_with_table(table: &Table, hash: &[u8; 32], r: &[u8; 32], w: &k256::Scalar) -> bool {
    let u1 = super::reduce(hash) * w;
    let u2 = super::reduce(r) * w;
    let sum = msm::double_mul(&u1, &u2, table);
    // x < p, and p < 2n: x mod n = r leaves x = r or x = r + n.
    let candidates = [
        Fe::from_bytes(r),
        plus_order(r).and_then(|x| Fe::from_bytes(&x)),
    ];
    crate::ec_tables::x_is_one_of(&sum, &candidates)
}

/// libsecp256k1's verdict on (r, s), which the rules have already accepted.
fn verify_with_libsecp256k1(
    key: &secp256k1::PublicKey,
    hash: &[u8; 32],
    r: &[u8; 32],
    s: &[u8; 32],
) -> bool {
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(r);
    compact[32..].copy_from_slice(s);
    let Ok(mut signature) = secp256k1::ecdsa::Signature::from_compact(&compact) else {
        return false;
    };
    // libsecp256k1 verifies low-S signatures only; (r, s) and (r, n - s) verify alike, and the
    // rules have already decided whether a high s is allowed.
    signature.normalize_s();
    secp256k1::ecdsa::verify(&signature, secp256k1::Message::from_digest(*hash), key).is_ok()
}

/// r + n as a big-endian 256-bit integer, when it does not overflow.
fn plus_order(r: &[u8; 32]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let sum = u16::from(r[i]) + u16::from(super::ORDER[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    (carry == 0).then_some(out)
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

    /// Parses `public_keys` into the key cache and builds their tables now, as a node does for
    /// the signers it expects (a validator set, an exchange's wallets): their signatures then
    /// verify on tables from the first, instead of from a key's twelfth valid one. Returns how
    /// many of the keys have a table: keys past the process's budget (4,096 tables of 8 KiB,
    /// 32 MiB in all, shared with tables keys earn) stay parsed only. A key with a table stays
    /// in the cache, however many other keys pass through it, until
    /// [`Verifier::release_keys`]. Without a key cache there is nothing to keep, and only the
    /// keys are checked.
    ///
    /// The rule for keys is [`Verifier::verify`]'s: a wrong length is an error naming the key,
    /// and a key that is not a point under the rules (which `verify` answers with
    /// [`Error::InvalidSignature`]) gets no table and is not counted.
    pub fn prepare_keys<K: AsRef<[u8]>>(&self, public_keys: &[K]) -> Result<usize, Error> {
        crate::cache::prepare(
            self.key_cache.as_deref(),
            public_keys,
            check_key_length,
            |copy| self.decode_copy(copy),
            |key: &Arc<DecodedKey>| key.build_table(),
        )
    }

    /// Lets prepared keys leave the key cache again, as any other key does (their tables go
    /// with them, returning their place in the budget). Returns how many were prepared; a key
    /// of the wrong length is an error naming it.
    pub fn release_keys<K: AsRef<[u8]>>(&self, public_keys: &[K]) -> Result<usize, Error> {
        crate::cache::release::<Arc<DecodedKey>, K>(
            self.key_cache.as_deref(),
            public_keys,
            check_key_length,
        )
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
        let item = |i: usize| (public_keys[i].as_ref(), hashes[i], signatures[i].as_ref());
        let verdicts =
            crate::batch::map_ranges(hashes.len(), INVERSION_RANGE, self.sequential, |range| {
                self.verify_range(range, item)
            });
        Ok(BatchOutcome::from_verdicts(verdicts))
    }

    fn verify_item(&self, public_key: &[u8], hash: &[u8; 32], signature: &[u8]) -> bool {
        self.verify_range(0..1, |_| (public_key, hash, signature))[0]
    }

    /// The verdicts of items `range`, with the inverses their tables need computed together.
    fn verify_range<'a>(
        &self,
        range: std::ops::Range<usize>,
        item: impl Fn(usize) -> (&'a [u8], &'a [u8; 32], &'a [u8]),
    ) -> Vec<bool> {
        let checked: Vec<Checked> = range
            .clone()
            .map(|i| {
                let (public_key, hash, signature) = item(i);
                self.check_signature(public_key, hash, signature)
            })
            .collect();
        let mut inverses: Vec<k256::Scalar> = checked
            .iter()
            .filter_map(|checked| match checked {
                Checked::OnTable { s, .. } => Some(*s),
                Checked::Verdict(_) => None,
            })
            .collect();
        crate::ec_tables::invert_all(&mut inverses);
        let mut inverses = inverses.iter();
        checked
            .into_iter()
            .zip(range)
            .map(|(checked, i)| match checked {
                Checked::Verdict(verdict) => verdict,
                Checked::OnTable { key, r, .. } => {
                    let w = inverses.next().expect("one inverse per table item");
                    key.table()
                        .is_some_and(|table| verify_with_table(table, item(i).1, &r, w))
                }
            })
            .collect()
    }

    /// The verdict of an item, or what its table needs: every rule applied, the key parsed.
    fn check_signature(&self, public_key: &[u8], hash: &[u8; 32], signature: &[u8]) -> Checked {
        let Some(key) = self.decode_key(public_key) else {
            return Checked::Verdict(false);
        };
        let Some((r, s)) = parse_signature(self.rules.encoding(), signature) else {
            return Checked::Verdict(false);
        };
        if !is_nonzero_scalar(&r) || !is_nonzero_scalar(&s) {
            return Checked::Verdict(false);
        }
        if self.rules.requires_low_s() && !is_low_s(&s) {
            return Checked::Verdict(false);
        }
        if key.table().is_some() {
            let s = super::reduce(&s);
            return Checked::OnTable { key, r, s };
        }
        let valid = verify_with_libsecp256k1(&key.key, hash, &r, &s);
        if valid {
            key.count_valid_use();
        }
        Checked::Verdict(valid)
    }

    fn decode_key(&self, bytes: &[u8]) -> Option<Arc<DecodedKey>> {
        self.decode_copy(&KeyBytes::copy_of(bytes)?)
    }

    /// [`Verifier::decode_key`] of a copy already made.
    fn decode_copy(&self, key: &KeyBytes) -> Option<Arc<DecodedKey>> {
        if matches!(key.as_slice().first(), Some(0x06 | 0x07)) && !self.rules.accepts_hybrid_keys()
        {
            return None;
        }
        match &self.key_cache {
            Some(cache) => cache.get_or_decode(key, parse_key).ok(),
            None => parse_key(key).ok(),
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

fn check_key_length(index: usize, public_key: &[u8]) -> Result<(), Error> {
    if PUBLIC_KEY_LENGTHS.contains(&public_key.len()) {
        Ok(())
    } else {
        Err(Error::LengthNotAllowed {
            index,
            field: Field::PublicKey,
            allowed: PUBLIC_KEY_LENGTHS,
            actual_len: public_key.len(),
        })
    }
}

fn check_item<'a>(
    rules: Rules,
    index: usize,
    public_key: &[u8],
    message_hash: &'a [u8],
    signature: &[u8],
) -> Result<&'a [u8; 32], Error> {
    check_key_length(index, public_key)?;
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

    /// The table path against libsecp256k1 (the peer the other path runs) and k256, item by
    /// item: valid signatures, their high-s twins, and corrupted r, s and hashes.
    #[test]
    fn the_table_path_agrees_with_libsecp256k1_and_k256() {
        use k256::ecdsa::signature::hazmat::PrehashVerifier as _;
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0xEC05A);
        for signer in 0..8 {
            let signing = loop {
                if let Ok(key) = k256::ecdsa::SigningKey::from_slice(&rng.random::<[u8; 32]>()) {
                    break key;
                }
            };
            let encoded = signing.verifying_key().to_sec1_point(false);
            let key =
                DecodedKey::new(secp256k1::PublicKey::from_slice(encoded.as_bytes()).unwrap());
            let point = Affine::from_validated_uncompressed(&key.key.serialize_uncompressed());
            let table = msm::key_table(&point.expect("a validated key"));
            for round in 0..40 {
                let mut hash: [u8; 32] = rng.random();
                let (signature, _) = signing.sign_prehash_recoverable(&hash);
                let mut compact: [u8; 64] = signature.to_bytes().into();
                match round % 5 {
                    1 => {
                        let s = super::super::reduce(&compact[32..].try_into().unwrap());
                        compact[32..].copy_from_slice(&(-s).to_bytes());
                    }
                    2 => compact[rng.random_range(0..32)] ^= 1 << rng.random_range(0..8),
                    3 => compact[32 + rng.random_range(0..32)] ^= 1 << rng.random_range(0..8),
                    4 => hash[rng.random_range(0..32)] ^= 1,
                    _ => {}
                }
                let (r, s): ([u8; 32], [u8; 32]) = (
                    compact[..32].try_into().unwrap(),
                    compact[32..].try_into().unwrap(),
                );
                if !is_nonzero_scalar(&r) || !is_nonzero_scalar(&s) {
                    continue;
                }
                let w = super::super::reduce(&s).invert_vartime().unwrap();
                let ours = verify_with_table(&table, &hash, &r, &w);
                let mut libsecp = secp256k1::ecdsa::Signature::from_compact(&compact).unwrap();
                libsecp.normalize_s();
                let message = secp256k1::Message::from_digest(hash);
                let want = secp256k1::ecdsa::verify(&libsecp, message, &key.key).is_ok();
                assert_eq!(ours, want, "signer {signer} round {round}");
                let k256_signature = k256::ecdsa::Signature::from_slice(&compact).unwrap();
                let k256_verdict = signing
                    .verifying_key()
                    .verify_prehash(&hash, &k256_signature.normalize_s())
                    .is_ok();
                assert_eq!(ours, k256_verdict, "signer {signer} round {round}");
                assert_eq!(ours, round % 5 < 2, "signer {signer} round {round}");
            }
        }
    }

    /// One test, since both parts count the process's tables: only valid signatures earn a
    /// table, and the budget holds, frees and refills.
    #[test]
    fn tables_come_from_valid_signatures_within_the_process_budget() {
        let secret = |i: u64| {
            let mut bytes = [0u8; 32];
            bytes[24..].copy_from_slice(&i.to_be_bytes());
            secp256k1::SecretKey::from_secret_bytes(bytes).expect("a valid secret")
        };
        assert_eq!(TABLES.held(), 0);
        let cache = Arc::new(KeyCache::new(1 << 14));
        let verifier = Verifier::new(Rules::BITCOIN).key_cache(Some(cache.clone()));
        let signer = secret(1);
        let public_key = secp256k1::PublicKey::from_secret_key(&signer).serialize();
        let signed = |i: u8| {
            let hash = [i; 32];
            let der = secp256k1::ecdsa::sign(secp256k1::Message::from_digest(hash), &signer);
            (hash, der.serialize_der().to_vec())
        };
        let has_table = || verifier.decode_key(&public_key).unwrap().table().is_some();
        for i in 0..TABLES.after_uses as u8 - 1 {
            let (hash, der) = signed(i);
            assert!(verifier.verify(&public_key, &hash, &der).is_ok());
            let mut wrong = hash;
            wrong[0] ^= 1;
            assert!(verifier.verify(&public_key, &wrong, &der).is_err());
        }
        assert!(!has_table(), "eleven valid signatures and eleven bad ones");
        let (hash, der) = signed(100);
        assert!(verifier.verify(&public_key, &hash, &der).is_ok());
        assert!(has_table(), "the twelfth valid signature");
        assert!(verifier.verify(&public_key, &hash, &der).is_ok());
        cache.clear();
        assert_eq!(TABLES.held(), 0);

        let keys: Vec<[u8; 33]> = (1..=TABLES.max as u64 + 4)
            .map(|i| secp256k1::PublicKey::from_secret_key(&secret(i)).serialize())
            .collect();
        assert_eq!(verifier.prepare_keys(&keys), Ok(TABLES.max));
        assert_eq!(TABLES.held(), TABLES.max);
        let past_budget = &keys[TABLES.max..];
        assert!(verifier
            .decode_key(&past_budget[0])
            .unwrap()
            .table()
            .is_none());
        cache.clear();
        assert_eq!(TABLES.held(), 0);
        assert_eq!(verifier.prepare_keys(past_budget), Ok(4));
        cache.clear();
        assert_eq!(TABLES.held(), 0);

        // Failed before: a flood of new keys emptied a prepared key's shard, and its table with
        // it. Now it stays until released.
        let flooded = Verifier::new(Rules::BITCOIN).key_cache(Some(Arc::new(KeyCache::new(16))));
        assert_eq!(flooded.prepare_keys(&[public_key]), Ok(1));
        let flood = |from: u64| {
            for i in from..from + 200 {
                let passing = secp256k1::PublicKey::from_secret_key(&secret(i)).serialize();
                assert!(flooded.decode_key(&passing).is_some());
            }
        };
        let flooded_has_table = || flooded.decode_key(&public_key).unwrap().table().is_some();
        flood(100_000);
        assert!(flooded_has_table(), "kept through the flood");
        assert_eq!(flooded.release_keys(&[public_key]), Ok(1));
        assert_eq!(flooded.release_keys(&[public_key]), Ok(0));
        flood(200_000);
        assert!(!flooded_has_table(), "released, then evicted");
        assert_eq!(TABLES.held(), 0);
    }

    #[test]
    fn r_plus_n_is_a_candidate_only_without_overflow() {
        let mut small = [0u8; 32];
        small[31] = 5;
        let mut want = super::super::ORDER;
        want[31] += 5;
        assert_eq!(plus_order(&small), Some(want));
        assert_eq!(plus_order(&super::super::HALF_ORDER), None);
        // A sum that carries through the low half of the bytes, against big integers.
        let mut carrying = [0u8; 32];
        carrying[16..].fill(0xff);
        let sum = num_bigint::BigUint::from_bytes_be(&carrying)
            + num_bigint::BigUint::from_bytes_be(&super::super::ORDER);
        let mut want = [0u8; 32];
        let digits = sum.to_bytes_be();
        want[32 - digits.len()..].copy_from_slice(&digits);
        assert_eq!(plus_order(&carrying), Some(want));
    }
}
