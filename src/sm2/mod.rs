//! SM2 signatures (GB/T 32918.2-2016, GM/T 0003.2-2012) on the recommended curve sm2p256v1:
//! single and batch verification with per-item verdicts.
//!
//! A signature signs e = SM3(ZA ‖ M), where ZA = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)
//! binds the signer's identity and key; the default ID is `1234567812345678`, as GM/T 0009
//! and the consortium chains use. [`Verifier::verify_prehashed`] takes e from callers that hash
//! themselves. Verification checks r, s ∈ [1, n−1], t = r + s mod n ≠ 0, and that the x of
//! s·G + t·P, plus e, is r modulo n.
//!
//! SM2 has no linear batch equation (only the x-coordinate of a point is checked), so a batch
//! is many single verifications, and its speed comes from arithmetic, tables and cores:
//!
//! - the field arithmetic is this crate's own (`sm2/field.rs`: Montgomery multiplication that
//!   uses the special form of SM2's prime), with Jacobian coordinates and the a = −3 doubling;
//! - s·G and t·P share one chain of doublings, with G's odd multiples in a table built once;
//! - a key that has made two valid signatures (across calls while the [`KeyCache`] keeps it,
//!   or one in a batch that holds three or more of its signatures) gets a table of its own at
//!   its next signature, which cuts the chain from 257 doublings to 33, and keeps its ZA for
//!   the default ID; consortium chains have few signers, so most keys
//!   are such keys. Only valid signatures count, and at most 16,384 tables live at once, as
//!   ECDSA's are bounded (`ec_tables::TableBudget`); [`Verifier::prepare_keys`] builds them up
//!   front;
//! - the e of a batch are hashed by [`crate::sm3`]'s multi-message lanes, and items run on
//!   rayon's threads.
//!
//! Inputs: public keys uncompressed (65 bytes, `04 ‖ x ‖ y`) or compressed (33 bytes);
//! signatures DER (`SEQUENCE { r, s }`, strict) or r‖s (64 bytes). [`Verifier::encoding`]
//! names the one a chain uses, and a node should name it. Without it a 64-byte signature is
//! read as r‖s and any other as DER, except a 64-byte signature that is also well-formed DER:
//! its verdict would depend on the reader and a signer can grind for one (a DER signature is
//! 64 bytes when r and s are together six bytes shorter than usual, about once in 2^48
//! signatures), so it is never accepted: a single call returns [`Error::AmbiguousEncoding`],
//! and in a batch its verdict is `false`. A key that is not a point
//! on the curve, and a signature that does not parse, are a `false` verdict, as they are to a
//! node; wrong lengths are errors naming the item and the field.
//!
//! ```
//! use batchverify::sm2;
//!
//! // GM/T 0003.5 Appendix A.2: the standard's example signature.
//! let key = hex::decode("0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020\
//!     ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13").unwrap();
//! let signature = hex::decode("f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3\
//!     b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa").unwrap();
//! assert!(sm2::verify(&key, b"message digest", &signature).is_ok());
//! assert!(sm2::verify(&key, b"message digest!", &signature).is_err());
//! ```

mod field;
#[cfg(fuzzing)]
pub(crate) use field::fuzz_operations as fuzz_field_operations;
mod point;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::cache::KeyBytes;
use crate::der::parse_signature;
pub use crate::der::Encoding;
use crate::ec_tables::{EarnedTable, TableBudget};
use crate::sm3::Digest;
use crate::{BatchOutcome, Error, Field, KeyCache};
use field::{add_limbs, less_than, limbs_from_bytes, sub_limbs, Fe};
use point::{Affine, KeyMultiples, Table};

/// The signer ID of GM/T 0009 that chains use when none is given.
pub const DEFAULT_ID: &[u8] = b"1234567812345678";

/// The longest ID ZA can hash: ENTL counts its bits in two bytes.
pub const MAX_ID_LEN: usize = 8191;

/// n, the group order, little-endian limbs.
pub(crate) const ORDER: [u64; 4] = [
    0x53bb_f409_39d5_4123,
    0x7203_df6b_21c6_052b,
    0xffff_ffff_ffff_ffff,
    0xffff_fffe_ffff_ffff,
];

/// Keys a [`Verifier::new`] cache holds before it starts forgetting: each may carry a 4 KiB
/// table, so about 16 MiB at most; a consortium has far fewer signers.
const DEFAULT_CACHE_CAPACITY: usize = 4096;

/// When SM2 keys earn their tables: by a key's second valid signature (the table replaces 224
/// of a verification's 257 doublings; it is built at the signature after, which uses it). A default cache holds 4,096 keys (16 MiB of tables when
/// all have one); the process holds at most 16,384 tables (64 MiB) over all its caches.
static TABLES: TableBudget = TableBudget::new(2, 16_384);

/// A parsed public key: its point, its ZA for [`DEFAULT_ID`] once a signature uses that ID,
/// and its table once earned ([`TABLES`]).
#[derive(Debug)]
pub(crate) struct DecodedKey {
    point: Affine,
    default_za: OnceLock<Digest>,
    table: EarnedTable<Table>,
}

impl DecodedKey {
    /// The key `bytes` encode (their length already checked), when they are a point.
    fn decode(bytes: &[u8]) -> Option<DecodedKey> {
        let coordinate = |at: usize| Fe::from_bytes(bytes.get(at..at + 32)?.try_into().ok()?);
        let point = match (bytes.len(), bytes[0]) {
            (65, 0x04) => Affine::new(coordinate(1)?, coordinate(33)?)?,
            (33, prefix @ (0x02 | 0x03)) => Affine::decompress(coordinate(1)?, prefix == 0x03)?,
            _ => return None,
        };
        Some(DecodedKey {
            point,
            default_za: OnceLock::new(),
            table: EarnedTable::new(&TABLES),
        })
    }

    /// [`DecodedKey::decode`] of the cache's copy of a key, shared.
    fn decode_cached(key: &KeyBytes) -> Result<Arc<DecodedKey>, ()> {
        DecodedKey::decode(key.as_slice()).map(Arc::new).ok_or(())
    }

    fn za(&self, id: &[u8]) -> Digest {
        if id == DEFAULT_ID {
            *self
                .default_za
                .get_or_init(|| za_of(&self.point, DEFAULT_ID))
        } else {
            za_of(&self.point, id)
        }
    }

    /// The key's table (built now if earned), else its point for one verification.
    fn multiples(&self) -> KeyMultiples<'_> {
        match self
            .table
            .get_or_build(|| Some(Table::for_key(&self.point)))
        {
            Some(table) => KeyMultiples::Table(table),
            None => KeyMultiples::Once(self.point),
        }
    }
}

impl crate::cache::Cached for Arc<DecodedKey> {
    const FAMILY: usize = 5;
}

/// SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA); `id` is at most [`MAX_ID_LEN`] bytes.
fn za_of(key: &Affine, id: &[u8]) -> Digest {
    static CURVE: OnceLock<[u8; 128]> = OnceLock::new();
    let curve = CURVE.get_or_init(|| {
        let a = Fe::ONE.double().add(&Fe::ONE).neg();
        let mut bytes = [0u8; 128];
        for (slot, value) in bytes
            .chunks_exact_mut(32)
            .zip([a, point::B, point::G.x, point::G.y])
        {
            slot.copy_from_slice(&value.to_bytes());
        }
        bytes
    });
    let mut input = Vec::with_capacity(2 + id.len() + 192);
    input.extend_from_slice(&((id.len() * 8) as u16).to_be_bytes());
    input.extend_from_slice(id);
    input.extend_from_slice(curve);
    input.extend_from_slice(&key.x.to_bytes());
    input.extend_from_slice(&key.y.to_bytes());
    crate::sm3::hash(&input)
}

/// ZA of `public_key` under `id` (GB/T 32918.2 §5.5): what a signer hashes before its message.
pub fn za(public_key: &[u8], id: &[u8]) -> Result<Digest, Error> {
    check_key(0, public_key)?;
    check_id(0, id)?;
    let key = DecodedKey::decode(public_key).ok_or(Error::InvalidPoint {
        index: 0,
        field: Field::PublicKey,
        reason: "not a point on sm2p256v1",
    })?;
    Ok(key.za(id))
}

fn check_key(index: usize, public_key: &[u8]) -> Result<(), Error> {
    if matches!(public_key.len(), 33 | 65) {
        Ok(())
    } else {
        Err(Error::LengthNotAllowed {
            index,
            field: Field::PublicKey,
            allowed: &[33, 65],
            actual_len: public_key.len(),
        })
    }
}

fn check_id(index: usize, id: &[u8]) -> Result<(), Error> {
    if id.len() <= MAX_ID_LEN {
        Ok(())
    } else {
        Err(Error::TooLong {
            index,
            field: Field::SignerId,
            max_len: MAX_ID_LEN,
            actual_len: id.len(),
        })
    }
}

/// Whether a little-endian integer lies in [1, n−1].
fn is_nonzero_scalar(value: &[u64; 4]) -> bool {
    *value != [0; 4] && less_than(value, &ORDER)
}

/// `value` mod n, for a value below 2n.
fn reduce_mod_n(value: [u64; 4], carried: bool) -> [u64; 4] {
    if carried || !less_than(&value, &ORDER) {
        sub_limbs(&value, &ORDER).0
    } else {
        value
    }
}

/// GB/T 32918.2 §7.1 B1–B7 on a hash e and a parsed signature.
fn verify_parsed(key: &KeyMultiples<'_>, e: &Digest, r: &[u8; 32], s: &[u8; 32]) -> bool {
    let (r, s) = (limbs_from_bytes(r), limbs_from_bytes(s));
    if !is_nonzero_scalar(&r) || !is_nonzero_scalar(&s) {
        return false;
    }
    let (sum, carried) = add_limbs(&r, &s);
    let t = reduce_mod_n(sum, carried);
    if t == [0; 4] {
        return false;
    }
    // R = (e + x1) mod n = r holds exactly when x1 ≡ r − e (mod n); x1 < p < 2n leaves the
    // two candidates r − e and r − e + n, so no inversion is needed (ec_tables::x_is_one_of).
    let e = reduce_mod_n(limbs_from_bytes(e), false);
    let (difference, borrowed) = sub_limbs(&r, &e);
    let target = if borrowed {
        add_limbs(&difference, &ORDER).0
    } else {
        difference
    };
    let (shifted, carried) = add_limbs(&target, &ORDER);
    let candidates = [
        Fe::from_limbs(&target),
        (!carried).then(|| Fe::from_limbs(&shifted)).flatten(),
    ];
    crate::ec_tables::x_is_one_of(&point::double_mul(&s, &t, key), &candidates)
}

/// SM2 verification with a cache of parsed keys and their tables.
#[derive(Clone, Debug)]
pub struct Verifier {
    encoding: Option<Encoding>,
    sequential: bool,
    key_cache: Option<Arc<KeyCache>>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new()
    }
}

/// What one item's e comes from.
enum Hashing<'a> {
    /// SM3(ZA ‖ message), with ZA for this ID.
    Message { id: &'a [u8], message: &'a [u8] },
    /// e given.
    Prehashed(&'a [u8; 32]),
}

impl Verifier {
    /// A verifier that reads 64-byte signatures as r‖s and others as DER, runs batches on
    /// rayon's threads and caches keys in a process-wide cache.
    pub fn new() -> Self {
        static DEFAULT_CACHE: OnceLock<Arc<KeyCache>> = OnceLock::new();
        Self {
            encoding: None,
            sequential: false,
            key_cache: Some(crate::cache::global(&DEFAULT_CACHE, DEFAULT_CACHE_CAPACITY)),
        }
    }

    /// Reads every signature in `encoding` (a compact one must then be 64 bytes).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// The encoding every signature is read in, when one was forced.
    pub fn forced_encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// [`Error::AmbiguousEncoding`] (index 0) for a signature this verifier could read two
    /// ways: 64 bytes that are also well-formed DER, when no encoding was named. A single
    /// call returns that error; in a batch such an item is `false` (one item never fails a
    /// batch); a caller that streams records can check each one with this to say why.
    pub fn check_encoding(&self, signature: &[u8]) -> Result<(), Error> {
        let ambiguous = self.encoding.is_none()
            && signature.len() == 64
            && parse_signature(Encoding::Der, signature).is_some();
        if ambiguous {
            return Err(Error::AmbiguousEncoding {
                index: 0,
                field: Field::Signature,
            });
        }
        Ok(())
    }

    /// Verify batches on the calling thread only.
    pub fn sequential(mut self, sequential: bool) -> Self {
        self.sequential = sequential;
        self
    }

    /// The cache of parsed keys to use, or `None` to parse every key every time (and build
    /// tables only for keys with three or more signatures in one batch).
    pub fn key_cache(mut self, cache: Option<Arc<KeyCache>>) -> Self {
        self.key_cache = cache;
        self
    }

    /// Parses `public_keys` into the key cache and builds their tables now, as a consortium
    /// node does for the signers it knows: their signatures then verify on tables from the
    /// first. Returns how many of the keys have a table: keys past the process's budget (16,384
    /// tables, shared with tables keys earn) stay parsed only. A key with a table stays in the
    /// cache, however many other keys pass through it, until [`Verifier::release_keys`]. A key
    /// of the wrong length is an error naming it; one that is not a point gets no table
    /// (verification says `false` for it). Without a key cache there is nothing to keep, and
    /// only the keys are checked.
    pub fn prepare_keys<K: AsRef<[u8]>>(&self, public_keys: &[K]) -> Result<usize, Error> {
        crate::cache::prepare(
            self.key_cache.as_deref(),
            public_keys,
            check_key,
            |copy| self.lookup_copy(copy),
            |key: &Arc<DecodedKey>| key.table.build(|| Some(Table::for_key(&key.point))),
        )
    }

    /// Lets prepared keys leave the key cache again, as any other key does (their tables go
    /// with them, returning their place in the budget). Returns how many were prepared; a key
    /// of the wrong length is an error naming it.
    pub fn release_keys<K: AsRef<[u8]>>(&self, public_keys: &[K]) -> Result<usize, Error> {
        crate::cache::release::<Arc<DecodedKey>, K>(
            self.key_cache.as_deref(),
            public_keys,
            check_key,
        )
    }

    /// Verifies a signature by the default ID's signer over `message`.
    pub fn verify(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.verify_with_id(public_key, DEFAULT_ID, message, signature)
    }

    /// Verifies a signature by the signer `id` over `message`.
    pub fn verify_with_id(
        &self,
        public_key: &[u8],
        id: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.verify_one(public_key, Hashing::Message { id, message }, signature)
    }

    /// Verifies a signature over e = SM3(ZA ‖ M) that the caller computed.
    pub fn verify_prehashed(
        &self,
        public_key: &[u8],
        e: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let e = crate::error::exact::<32>(0, Field::MessageHash, e)?;
        self.verify_one(public_key, Hashing::Prehashed(e), signature)
    }

    fn verify_one(
        &self,
        public_key: &[u8],
        hashing: Hashing<'_>,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.check_item(0, public_key, &hashing, signature)?;
        self.check_encoding(signature)?;
        let valid = self.lookup(public_key).is_some_and(|key| {
            let e = match hashing {
                Hashing::Message { id, message } => {
                    crate::sm3::hash(&[&key.za(id)[..], message].concat())
                }
                Hashing::Prehashed(e) => *e,
            };
            self.verify_signature(&key, &e, signature, false)
        });
        if valid {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Verifies many signatures by the default ID's signers; each verdict is exactly the
    /// item's single verdict.
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
        let ids = vec![DEFAULT_ID; public_keys.len()];
        self.verify_batch_with_ids(public_keys, &ids, messages, signatures)
    }

    /// Verifies many signatures, each by its own signer ID.
    pub fn verify_batch_with_ids<K, I, M, S>(
        &self,
        public_keys: &[K],
        ids: &[I],
        messages: &[M],
        signatures: &[S],
    ) -> Result<BatchOutcome, Error>
    where
        K: AsRef<[u8]> + Sync,
        I: AsRef<[u8]> + Sync,
        M: AsRef<[u8]> + Sync,
        S: AsRef<[u8]> + Sync,
    {
        if ids.len() != public_keys.len() {
            return Err(Error::CountMismatch {
                field: Field::SignerId,
                expected: public_keys.len(),
                actual: ids.len(),
            });
        }
        crate::batch::check_counts(
            public_keys.len(),
            (Field::Message, messages.len()),
            signatures.len(),
        )?;
        self.run_batch(public_keys, signatures, |i| Hashing::Message {
            id: ids[i].as_ref(),
            message: messages[i].as_ref(),
        })
    }

    /// Verifies many signatures over hashes e the caller computed.
    pub fn verify_batch_prehashed<K, E, S>(
        &self,
        public_keys: &[K],
        hashes: &[E],
        signatures: &[S],
    ) -> Result<BatchOutcome, Error>
    where
        K: AsRef<[u8]> + Sync,
        E: AsRef<[u8]> + Sync,
        S: AsRef<[u8]> + Sync,
    {
        crate::batch::check_counts(
            public_keys.len(),
            (Field::MessageHash, hashes.len()),
            signatures.len(),
        )?;
        let hashes = hashes
            .iter()
            .enumerate()
            .map(|(i, e)| crate::error::exact::<32>(i, Field::MessageHash, e.as_ref()))
            .collect::<Result<Vec<_>, Error>>()?;
        self.run_batch(public_keys, signatures, |i| Hashing::Prehashed(hashes[i]))
    }

    fn run_batch<'a, K, S>(
        &self,
        public_keys: &[K],
        signatures: &[S],
        hashing: impl Fn(usize) -> Hashing<'a>,
    ) -> Result<BatchOutcome, Error>
    where
        K: AsRef<[u8]> + Sync,
        S: AsRef<[u8]> + Sync,
    {
        let items: Vec<Hashing<'a>> = (0..public_keys.len()).map(hashing).collect();
        for (i, item) in items.iter().enumerate() {
            self.check_item(i, public_keys[i].as_ref(), item, signatures[i].as_ref())?;
        }
        // Each distinct key is parsed once, so that its valid signatures here count towards
        // its table together; a key with three or more signatures here earns its table with
        // its first valid one (built for the next).
        let mut slots: HashMap<&[u8], usize> = HashMap::new();
        let mut distinct: Vec<(&[u8], usize)> = Vec::new();
        let slot_of: Vec<usize> = public_keys
            .iter()
            .map(|key| {
                let bytes = key.as_ref();
                let slot = *slots.entry(bytes).or_insert_with(|| {
                    distinct.push((bytes, 0));
                    distinct.len() - 1
                });
                distinct[slot].1 += 1;
                slot
            })
            .collect();
        let keys = crate::batch::map_items(distinct.len(), self.sequential, |k| {
            self.lookup(distinct[k].0)
        });
        // ZA ‖ M of every item that has a message and a key, hashed together on SM3's lanes (on
        // the CPU: these are small, and the GPU setting is for trees and large batches).
        let (hashed, za_inputs): (Vec<usize>, Vec<Vec<u8>>) = items
            .iter()
            .zip(&slot_of)
            .enumerate()
            .filter_map(|(i, (item, &slot))| match (item, &keys[slot]) {
                (Hashing::Message { id, message }, Some(key)) => {
                    Some((i, [&key.za(id)[..], message].concat()))
                }
                _ => None,
            })
            .unzip();
        let hasher = crate::sm3::Hasher::new().with_backend(crate::Backend::Cpu);
        let hasher = if self.sequential {
            hasher.sequential()
        } else {
            hasher
        };
        let mut message_hashes: Vec<Option<Digest>> = vec![None; items.len()];
        for (i, digest) in hashed.into_iter().zip(hasher.hash_many(&za_inputs)) {
            message_hashes[i] = Some(digest);
        }
        let verdicts = crate::batch::map_items(items.len(), self.sequential, |i| {
            let Some(key) = &keys[slot_of[i]] else {
                return false;
            };
            let e = match items[i] {
                Hashing::Prehashed(e) => Some(e),
                Hashing::Message { .. } => message_hashes[i].as_ref(),
            };
            let signs_again = distinct[slot_of[i]].1 >= 3;
            e.is_some_and(|e| self.verify_signature(key, e, signatures[i].as_ref(), signs_again))
        });
        Ok(BatchOutcome::from_verdicts(verdicts))
    }

    fn check_item(
        &self,
        index: usize,
        public_key: &[u8],
        hashing: &Hashing<'_>,
        signature: &[u8],
    ) -> Result<(), Error> {
        check_key(index, public_key)?;
        if let Hashing::Message { id, .. } = hashing {
            check_id(index, id)?;
        }
        if self.encoding == Some(Encoding::Compact) {
            crate::error::exact::<64>(index, Field::Signature, signature)?;
        }
        Ok(())
    }

    /// The verdict on one signature; a valid one counts towards the key's table, or earns it at
    /// once where `signs_again` (the batch holds three or more signatures by the key, so
    /// usually more are to come: a table pays for itself within about two).
    fn verify_signature(
        &self,
        key: &DecodedKey,
        e: &Digest,
        signature: &[u8],
        signs_again: bool,
    ) -> bool {
        let encoding = match self.encoding {
            Some(encoding) => encoding,
            None if self.check_encoding(signature).is_err() => return false,
            None if signature.len() == 64 => Encoding::Compact,
            None => Encoding::Der,
        };
        let valid = parse_signature(encoding, signature)
            .is_some_and(|(r, s)| verify_parsed(&key.multiples(), e, &r, &s));
        if valid && key.table.get().is_none() {
            if signs_again {
                key.table.earn();
            } else {
                key.table.count_valid_use();
            }
        }
        valid
    }

    /// The parsed key, from the cache where there is one; `None` when the bytes are not a
    /// point.
    fn lookup(&self, bytes: &[u8]) -> Option<Arc<DecodedKey>> {
        self.lookup_copy(&KeyBytes::copy_of(bytes)?)
    }

    /// [`Verifier::lookup`] of a copy already made.
    fn lookup_copy(&self, key: &KeyBytes) -> Option<Arc<DecodedKey>> {
        match &self.key_cache {
            Some(cache) => cache.get_or_decode(key, DecodedKey::decode_cached).ok(),
            None => DecodedKey::decode_cached(key).ok(),
        }
    }
}

/// Verifies one signature by the default ID's signer (see [`Verifier::verify`]).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
    Verifier::new().verify(public_key, message, signature)
}

/// Verifies one signature over a hash e = SM3(ZA ‖ M) the caller computed.
pub fn verify_prehashed(public_key: &[u8], e: &[u8], signature: &[u8]) -> Result<(), Error> {
    Verifier::new().verify_prehashed(public_key, e, signature)
}

/// Verifies a batch by the default ID's signers on rayon's threads (see
/// [`Verifier::verify_batch`]).
pub fn verify_batch<K, M, S>(
    public_keys: &[K],
    messages: &[M],
    signatures: &[S],
) -> Result<BatchOutcome, Error>
where
    K: AsRef<[u8]> + Sync,
    M: AsRef<[u8]> + Sync,
    S: AsRef<[u8]> + Sync,
{
    Verifier::new().verify_batch(public_keys, messages, signatures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::sm2::dsa::signature::Signer as _;

    fn signer(seed: u8) -> (::sm2::dsa::SigningKey, Vec<u8>) {
        let secret = ::sm2::SecretKey::from_slice(&[seed; 32]).expect("secret");
        let key = ::sm2::dsa::SigningKey::new("1234567812345678", &secret).expect("key");
        let public_key = key.verifying_key().to_sec1_bytes().to_vec();
        (key, public_key)
    }

    fn has_table(verifier: &Verifier, public_key: &[u8]) -> bool {
        verifier
            .lookup(public_key)
            .is_some_and(|key| key.table.get().is_some())
    }

    /// Failed before: a key got its table when it was seen twice, signatures valid or not.
    #[test]
    fn tables_come_from_valid_signatures() {
        let verifier = Verifier::new()
            .encoding(Encoding::Compact)
            .key_cache(Some(Arc::new(KeyCache::new(64))));
        let (key, public_key) = signer(3);
        let sign = |message: &[u8]| -> Vec<u8> {
            let signature: ::sm2::dsa::Signature = key.sign(message);
            signature.to_bytes().to_vec()
        };
        // The signature of "one", presented for another message: invalid.
        let one = sign(b"one");
        for _ in 0..3 {
            assert!(verifier.verify(&public_key, b"other", &one).is_err());
        }
        let batch = verifier
            .verify_batch(&[&public_key[..]; 4], &[&b"other"[..]; 4], &[&one[..]; 4])
            .unwrap();
        assert!(!batch.as_slice().contains(&true));
        assert!(
            !has_table(&verifier, &public_key),
            "seven invalid signatures"
        );
        assert!(verifier.verify(&public_key, b"one", &one).is_ok());
        assert!(verifier.verify(&public_key, b"two", &sign(b"two")).is_ok());
        assert!(
            !has_table(&verifier, &public_key),
            "two valid signatures earn it; none is built before a signature uses it"
        );
        assert!(verifier
            .verify(&public_key, b"three", &sign(b"three"))
            .is_ok());
        assert!(has_table(&verifier, &public_key), "the next signature");
        assert!(verifier
            .verify(&public_key, b"four", &sign(b"four"))
            .is_ok());
    }

    #[test]
    fn prepared_keys_have_tables_and_lengths_are_checked() {
        let verifier = Verifier::new().key_cache(Some(Arc::new(KeyCache::new(64))));
        let (_, first) = signer(5);
        let (_, second) = signer(6);
        let mut off_curve = vec![0u8; 65];
        off_curve[0] = 4;
        assert_eq!(
            verifier.prepare_keys(&[first.clone(), off_curve, second.clone()]),
            Ok(2)
        );
        assert!(has_table(&verifier, &first) && has_table(&verifier, &second));
        assert_eq!(
            verifier.prepare_keys(&[first, vec![4; 64]]),
            Err(Error::LengthNotAllowed {
                index: 1,
                field: Field::PublicKey,
                allowed: &[33, 65],
                actual_len: 64
            })
        );
        let uncached = Verifier::new().key_cache(None);
        assert_eq!(uncached.prepare_keys(&[second]), Ok(0));
    }

    /// Failed before: a flood of new keys emptied the prepared key's shard, and its table with
    /// it.
    #[test]
    fn prepared_keys_keep_their_tables_through_a_flood_of_new_keys_until_released() {
        let cache = Arc::new(KeyCache::new(16));
        let verifier = Verifier::new().key_cache(Some(cache.clone()));
        let (_, prepared) = signer(7);
        assert_eq!(
            verifier.prepare_keys(std::slice::from_ref(&prepared)),
            Ok(1)
        );
        let flood = |from: u64| {
            for i in from..from + 200 {
                let mut secret = [1u8; 32];
                secret[24..].copy_from_slice(&i.to_be_bytes());
                let secret = ::sm2::SecretKey::from_slice(&secret).expect("secret");
                assert!(verifier
                    .lookup(&secret.public_key().to_sec1_bytes())
                    .is_some());
            }
        };
        flood(0);
        assert!(has_table(&verifier, &prepared), "kept through the flood");
        assert_eq!(
            verifier.release_keys(std::slice::from_ref(&prepared)),
            Ok(1)
        );
        assert_eq!(
            verifier.release_keys(std::slice::from_ref(&prepared)),
            Ok(0)
        );
        flood(1000);
        assert!(!has_table(&verifier, &prepared), "released, then evicted");
        assert!(verifier.release_keys(&[vec![4; 64]]).is_err());
    }
}
