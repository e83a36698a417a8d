//! One bounded, thread-safe cache of decoded public keys for every signature family.
//!
//! Validators sign again and again, and decoding a key (a field exponentiation for Ed25519; a
//! decompression and a subgroup check for BLS) is a large share of a batch item's cost: the
//! cache spends it once per key. Only keys that decoded are kept, and an entry is a pure
//! function of its bytes, so a shared cache cannot change a verdict and junk keys cannot evict
//! real ones. A full shard is emptied, which keeps the bound without bookkeeping on the hot
//! path.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, OnceLock, RwLock};

const SHARDS: usize = 16;

/// Signature families, each with its own shards (see [`Cached::FAMILY`]).
const FAMILIES: usize = 6;

/// What a cache entry holds: a decoded key of one family.
#[derive(Clone)]
pub(crate) enum Entry {
    Ed25519(crate::ed25519::DecodedKey),
    BlsMinPk(blst::min_pk::PublicKey),
    BlsMinSig(blst::min_sig::PublicKey),
    Secp256k1(std::sync::Arc<crate::secp256k1::ecdsa::DecodedKey>),
    Secp256k1XOnly(crate::secp256k1::schnorr::DecodedKey),
    /// Shared: an SM2 key grows a 4 KiB table once it signs again.
    Sm2(std::sync::Arc<crate::sm2::DecodedKey>),
}

/// A decoded key type the cache can hold. Each family has its own shards, so families sharing
/// one cache never see each other's entries, and a lookup needs no allocation.
pub(crate) trait Cached: Clone {
    /// Below [`FAMILIES`], distinct per type.
    const FAMILY: usize;
    fn into_entry(self) -> Entry;
    fn from_entry(entry: &Entry) -> Option<Self>;
}

/// Key bytes to the decoded key.
type Map = HashMap<Box<[u8]>, Entry>;
type Shard = RwLock<Map>;

/// A bounded cache of decoded public keys, shared by threads (and, if the caller wishes, by
/// signature families).
///
/// `ed25519::Verifier::key_cache`, `bls::Bls::key_cache` and the secp256k1 verifiers'
/// `key_cache` take one (or `None` to decode every key every time); by default each family uses
/// its own process-wide cache.
pub struct KeyCache {
    shards: Box<[Shard]>,
    shard_capacity: usize,
    hasher: RandomState,
}

impl KeyCache {
    /// A cache that holds at most about `capacity` keys of each signature family.
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: (0..FAMILIES * SHARDS)
                .map(|_| RwLock::new(HashMap::new()))
                .collect(),
            shard_capacity: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
        }
    }

    /// The most keys of one family it holds at once.
    pub fn capacity(&self) -> usize {
        self.shard_capacity * SHARDS
    }

    /// Number of keys held now, every family together.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| read(shard).len()).sum()
    }

    /// Whether the cache holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every key.
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            write(shard).clear();
        }
    }

    /// The decoded key for `bytes`, from the cache or from `decode` (whose successes are kept).
    pub(crate) fn get_or_decode<V: Cached, E>(
        &self,
        bytes: &[u8],
        decode: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(hit) = self.get(bytes) {
            return Ok(hit);
        }
        let decoded = decode()?;
        self.insert(bytes, decoded.clone());
        Ok(decoded)
    }

    /// The decoded key kept for `bytes`, if any.
    pub(crate) fn get<V: Cached>(&self, bytes: &[u8]) -> Option<V> {
        const { assert!(V::FAMILY < FAMILIES) };
        let shard = V::FAMILY * SHARDS + self.hasher.hash_one(bytes) as usize % SHARDS;
        read(&self.shards[shard]).get(bytes).and_then(V::from_entry)
    }

    /// Keeps `decoded` for `bytes`, replacing what was kept (a fuller decoding of the same key).
    pub(crate) fn insert<V: Cached>(&self, bytes: &[u8], decoded: V) {
        const { assert!(V::FAMILY < FAMILIES) };
        let shard = V::FAMILY * SHARDS + self.hasher.hash_one(bytes) as usize % SHARDS;
        let mut map = write(&self.shards[shard]);
        if map.len() >= self.shard_capacity && !map.contains_key(bytes) {
            map.clear();
        }
        map.insert(bytes.into(), decoded.into_entry());
    }
}

/// A process-wide cache of `capacity` keys, made on first use.
pub(crate) fn global(cell: &'static OnceLock<Arc<KeyCache>>, capacity: usize) -> Arc<KeyCache> {
    cell.get_or_init(|| Arc::new(KeyCache::new(capacity)))
        .clone()
}

// A poisoned lock only means another thread panicked while inserting a plain value; the map
// itself is still consistent.
fn read(shard: &Shard) -> std::sync::RwLockReadGuard<'_, Map> {
    shard.read().unwrap_or_else(|e| e.into_inner())
}

fn write(shard: &Shard) -> std::sync::RwLockWriteGuard<'_, Map> {
    shard.write().unwrap_or_else(|e| e.into_inner())
}

impl core::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ed25519::DecodedKey;

    fn ed25519_key(i: u64) -> [u8; 32] {
        (curve25519_dalek::constants::ED25519_BASEPOINT_POINT * curve25519_dalek::Scalar::from(i))
            .compress()
            .to_bytes()
    }

    #[test]
    fn keeps_successes_only_and_stays_bounded() {
        let cache = KeyCache::new(32);
        let calls = std::cell::Cell::new(0);
        let decode = |bytes: &[u8; 32]| {
            cache.get_or_decode(bytes, || {
                calls.set(calls.get() + 1);
                DecodedKey::decode(bytes).ok_or("not a point")
            })
        };
        let valid = ed25519_key(3);
        let mut junk = [0xff; 32];
        junk[31] = 0x7f;
        junk[0] = 0xe0;
        assert!(
            DecodedKey::decode(&junk).is_none(),
            "the junk must not be a point"
        );
        assert!(decode(&valid).is_ok());
        assert!(decode(&valid).is_ok());
        assert!(decode(&junk).is_err());
        assert!(decode(&junk).is_err());
        assert_eq!(calls.get(), 3, "valid decoded once, junk every time");
        assert_eq!(cache.len(), 1, "junk is never stored");
        for i in 1..500 {
            decode(&ed25519_key(i)).unwrap();
            assert!(cache.len() <= cache.capacity());
        }
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn junk_keys_do_not_evict_real_ones() {
        let cache = KeyCache::new(16);
        let real = ed25519_key(5);
        cache
            .get_or_decode(&real, || DecodedKey::decode(&real).ok_or(()))
            .unwrap();
        for i in 0..10_000u32 {
            let mut junk = [0u8; 32];
            junk[..4].copy_from_slice(&i.to_le_bytes());
            junk[31] = 0x7f;
            let _ = cache.get_or_decode::<DecodedKey, _>(&junk, || Err(()));
        }
        let hit = cache.get_or_decode::<DecodedKey, ()>(&real, || panic!("evicted"));
        assert!(hit.is_ok());
    }

    #[test]
    fn families_sharing_a_cache_do_not_see_each_other() {
        let cache = KeyCache::new(64);
        let secret = blst::min_pk::SecretKey::key_gen(&[1; 32], &[]).unwrap();
        let bls_key = secret.sk_to_pk();
        let bytes = bls_key.compress();
        cache
            .get_or_decode(&bytes, || Ok::<_, ()>(bls_key))
            .unwrap();
        // The same bytes asked for as another family decode afresh.
        let asked = std::cell::Cell::new(false);
        let other = cache.get_or_decode::<blst::min_sig::PublicKey, ()>(&bytes, || {
            asked.set(true);
            Err(())
        });
        assert!(asked.get() && other.is_err());
    }
}
