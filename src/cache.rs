//! One bounded, thread-safe cache of decoded public keys for every signature family.
//!
//! Validators sign again and again, and decoding a key (a field exponentiation for Ed25519; a
//! decompression and a subgroup check for BLS) is a large share of a batch item's cost: the
//! cache spends it once per key. Only keys that decoded are kept, and an entry is a pure
//! function of its bytes, so a shared cache cannot change a verdict and junk keys cannot evict
//! real ones. A full shard is emptied, which keeps the bound without bookkeeping on the hot
//! path.
//!
//! "A pure function of its bytes" holds only if the bytes an entry is stored under are the
//! bytes that were decoded. A caller's memory can change while a call reads it (a read-only
//! Python buffer over an array another thread writes), so the cache never sees the caller's
//! memory: it takes [`KeyBytes`], a copy made once, and that copy is what is looked up, what
//! the decoder reads (a plain `fn`, which cannot capture the caller's memory) and what is
//! stored. Batches that decode many keys together (Ed25519's and BIP-340's lanes) call
//! `insert` themselves, with keys decoded from the copies their items hold. A racing caller may get wrong verdicts in its own call; it cannot plant an entry
//! that maps one key's bytes to another key's point.

use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

const SHARDS: usize = 16;

/// Signature families, each with its own shards (see [`Cached::FAMILY`]).
const FAMILIES: usize = 6;

/// The longest key any family caches: a compressed BLS key on G2 (min-sig).
const MAX_KEY_LEN: usize = 96;

/// A public key's bytes, copied out of the caller's memory once; the only form of key the cache
/// takes.
#[derive(Clone, Copy)]
pub(crate) struct KeyBytes {
    len: u8,
    bytes: [u8; MAX_KEY_LEN],
}

impl KeyBytes {
    /// A copy of `bytes`, or `None` when no family has keys that long.
    pub(crate) fn copy_of(bytes: &[u8]) -> Option<Self> {
        let mut key = Self {
            len: u8::try_from(bytes.len()).ok()?,
            bytes: [0; MAX_KEY_LEN],
        };
        key.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(key)
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl<const N: usize> From<[u8; N]> for KeyBytes {
    fn from(bytes: [u8; N]) -> Self {
        const { assert!(N <= MAX_KEY_LEN) };
        let mut key = Self {
            len: N as u8,
            bytes: [0; MAX_KEY_LEN],
        };
        key.bytes[..N].copy_from_slice(&bytes);
        key
    }
}

impl PartialEq for KeyBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for KeyBytes {}

impl Hash for KeyBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

/// A decoded key type the cache can hold. Each family has its own shards, so families sharing
/// one cache never evict each other's entries; a lookup also checks the type, so two types that
/// claimed the same family could only evict each other, never read each other's entries.
pub(crate) trait Cached: Clone + Send + Sync + 'static {
    /// Below [`FAMILIES`], distinct per type.
    const FAMILY: usize;
}

type Map = HashMap<KeyBytes, Box<dyn Any + Send + Sync>>;
type Shard = RwLock<Map>;

/// A bounded cache of decoded public keys, shared by threads (and, if the caller wishes, by
/// signature families).
///
/// `ed25519::Verifier::key_cache`, `bls::Verifier::key_cache` and the secp256k1 verifiers'
/// `key_cache` take one (or `None` to decode every key every time); by default each family uses
/// its own process-wide cache.
pub struct KeyCache {
    shards: Box<[Shard]>,
    /// Keys a caller prepared (`prepare_keys`), sharded alike: never evicted, only released.
    /// Looked up on a miss, so a flood of new keys that empties a shard costs a prepared key
    /// one more lookup, not its table.
    pinned: Box<[Shard]>,
    /// Whether anything was ever pinned: until then a miss takes no second lock (cold batches
    /// miss on every key, on every thread).
    any_pinned: AtomicBool,
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
            pinned: (0..FAMILIES * SHARDS)
                .map(|_| RwLock::new(HashMap::new()))
                .collect(),
            any_pinned: AtomicBool::new(false),
            shard_capacity: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
        }
    }

    /// The most keys of one family it holds at once.
    pub fn capacity(&self) -> usize {
        self.shard_capacity * SHARDS
    }

    /// Number of entries held now, every family together (a prepared key found again after
    /// an eviction counts twice: pinned, and back in its shard).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .chain(self.pinned.iter())
            .map(|shard| read(shard).len())
            .sum()
    }

    /// Whether the cache holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every key, prepared ones too.
    pub fn clear(&self) {
        for shard in self.shards.iter().chain(self.pinned.iter()) {
            write(shard).clear();
        }
    }

    /// The decoded key for `key`, from the cache or from `decode` (whose successes are kept).
    pub(crate) fn get_or_decode<V: Cached, E>(
        &self,
        key: &KeyBytes,
        decode: fn(&KeyBytes) -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        let decoded = decode(key)?;
        self.insert(key, decoded.clone());
        Ok(decoded)
    }

    /// The decoded key kept for `key`, if any: a pinned one found on a miss goes back into its
    /// shard.
    pub(crate) fn get<V: Cached>(&self, key: &KeyBytes) -> Option<V> {
        let (shard, pinned) = self.shards_of::<V>(key);
        if let Some(hit) = entry::<V>(&read(shard), key) {
            return Some(hit);
        }
        if !self.any_pinned.load(Ordering::Relaxed) {
            return None;
        }
        let pinned = entry::<V>(&read(pinned), key)?;
        self.insert(key, pinned.clone());
        Some(pinned)
    }

    /// Keeps `decoded` for `key` until [`KeyCache::unpin`] (or [`KeyCache::clear`]), whatever
    /// the shards evict. Callers bound how many they pin.
    pub(crate) fn pin<V: Cached>(&self, key: &KeyBytes, decoded: V) {
        let (_, pinned) = self.shards_of::<V>(key);
        write(pinned).insert(*key, Box::new(decoded.clone()));
        self.any_pinned.store(true, Ordering::Relaxed);
        self.insert(key, decoded);
    }

    /// Leaves `key` to the shards' eviction again; whether it was pinned.
    pub(crate) fn unpin<V: Cached>(&self, key: &KeyBytes) -> bool {
        let (_, pinned) = self.shards_of::<V>(key);
        let mut pinned = write(pinned);
        let was_pinned = entry::<V>(&pinned, key).is_some();
        if was_pinned {
            pinned.remove(key);
        }
        was_pinned
    }

    /// Keeps `decoded` for `key`, replacing what was kept (a fuller decoding of the same key).
    pub(crate) fn insert<V: Cached>(&self, key: &KeyBytes, decoded: V) {
        let mut map = write(self.shard::<V>(key));
        if map.len() >= self.shard_capacity && !map.contains_key(key) {
            map.clear();
        }
        map.insert(*key, Box::new(decoded));
    }

    fn shard<V: Cached>(&self, key: &KeyBytes) -> &Shard {
        self.shards_of::<V>(key).0
    }

    /// `key`'s shard and the shard of its pinned entries.
    fn shards_of<V: Cached>(&self, key: &KeyBytes) -> (&Shard, &Shard) {
        const { assert!(V::FAMILY < FAMILIES) };
        let at = V::FAMILY * SHARDS + self.hasher.hash_one(key) as usize % SHARDS;
        (&self.shards[at], &self.pinned[at])
    }
}

/// Decodes each of `public_keys` after `check` accepted it (an error names the first it
/// refuses), builds its table and pins it in `cache`: how many have a table. The decoding, the
/// table and the pin all come from one copy of the bytes. The `prepare_keys` of the schemes
/// with tables; without a cache only the keys are checked.
pub(crate) fn prepare<V: Cached, K: AsRef<[u8]>>(
    cache: Option<&KeyCache>,
    public_keys: &[K],
    check: fn(usize, &[u8]) -> Result<(), crate::Error>,
    decode: impl Fn(&KeyBytes) -> Option<V>,
    build_table: impl Fn(&V) -> bool,
) -> Result<usize, crate::Error> {
    let mut with_tables = 0;
    for (index, public_key) in public_keys.iter().enumerate() {
        let bytes = public_key.as_ref();
        check(index, bytes)?;
        let (Some(cache), Some(copy)) = (cache, KeyBytes::copy_of(bytes)) else {
            continue;
        };
        if let Some(key) = decode(&copy).filter(|key| build_table(key)) {
            cache.pin(&copy, key);
            with_tables += 1;
        }
    }
    Ok(with_tables)
}

/// Unpins each of `public_keys` that `cache` holds pinned as a `V`, after `check` accepted it
/// (an error names the first it refuses): how many were pinned. The `release_keys` of the
/// schemes with prepared keys.
pub(crate) fn release<V: Cached, K: AsRef<[u8]>>(
    cache: Option<&KeyCache>,
    public_keys: &[K],
    check: fn(usize, &[u8]) -> Result<(), crate::Error>,
) -> Result<usize, crate::Error> {
    let mut released = 0;
    for (index, public_key) in public_keys.iter().enumerate() {
        let bytes = public_key.as_ref();
        check(index, bytes)?;
        if let (Some(cache), Some(copy)) = (cache, KeyBytes::copy_of(bytes)) {
            released += usize::from(cache.unpin::<V>(&copy));
        }
    }
    Ok(released)
}

/// `key`'s entry in `map`, if it is a `V`.
fn entry<V: Cached>(map: &Map, key: &KeyBytes) -> Option<V> {
    map.get(key)
        .and_then(|entry| entry.downcast_ref::<V>())
        .cloned()
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
    use std::cell::Cell;

    thread_local! {
        static DECODES: Cell<usize> = const { Cell::new(0) };
    }

    fn counted_decode(key: &KeyBytes) -> Result<DecodedKey, &'static str> {
        DECODES.with(|calls| calls.set(calls.get() + 1));
        DecodedKey::decode(key.as_slice().try_into().unwrap()).ok_or("not a point")
    }

    fn ed25519_key(i: u64) -> KeyBytes {
        KeyBytes::from(
            (curve25519_dalek::constants::ED25519_BASEPOINT_POINT
                * curve25519_dalek::Scalar::from(i))
            .compress()
            .to_bytes(),
        )
    }

    fn junk_key(i: u32) -> KeyBytes {
        let mut junk = [0xff; 32];
        junk[..4].copy_from_slice(&i.to_le_bytes());
        junk[31] = 0x7f;
        KeyBytes::from(junk)
    }

    #[test]
    fn keeps_successes_only_and_stays_bounded() {
        let cache = KeyCache::new(32);
        let decode = |key: &KeyBytes| cache.get_or_decode(key, counted_decode);
        let valid = ed25519_key(3);
        let junk = (0..)
            .map(junk_key)
            .find(|junk| counted_decode(junk).is_err())
            .unwrap();
        DECODES.with(|calls| calls.set(0));
        assert!(decode(&valid).is_ok());
        assert!(decode(&valid).is_ok());
        assert!(decode(&junk).is_err());
        assert!(decode(&junk).is_err());
        assert_eq!(
            DECODES.with(Cell::get),
            3,
            "valid decoded once, junk every time"
        );
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
        cache.get_or_decode(&real, counted_decode).unwrap();
        for i in 0..10_000u32 {
            let _ = cache.get_or_decode::<DecodedKey, _>(&junk_key(i), |_| Err(()));
        }
        let hit = cache.get_or_decode::<DecodedKey, ()>(&real, |_| panic!("evicted"));
        assert!(hit.is_ok());
    }

    #[test]
    fn families_sharing_a_cache_do_not_see_each_other() {
        let cache = KeyCache::new(64);
        let secret = blst::min_pk::SecretKey::key_gen(&[1; 32], &[]).unwrap();
        let bytes = KeyBytes::from(secret.sk_to_pk().compress());
        cache
            .get_or_decode(&bytes, |key| {
                blst::min_pk::PublicKey::uncompress(key.as_slice()).map_err(|_| ())
            })
            .unwrap();
        // The same bytes asked for as another family decode afresh.
        let other = cache.get_or_decode::<blst::min_sig::PublicKey, &str>(&bytes, |_| Err("asked"));
        assert_eq!(other.err(), Some("asked"));
    }

    #[test]
    fn key_bytes_are_compared_by_their_length_too() {
        let short = KeyBytes::copy_of(&[0; 32]).unwrap();
        let long = KeyBytes::copy_of(&[0; 33]).unwrap();
        assert!(short != long);
        assert_eq!(short.as_slice().len(), 32);
        assert!(KeyBytes::copy_of(&[0; MAX_KEY_LEN + 1]).is_none());
        assert!(KeyBytes::copy_of(&[7; MAX_KEY_LEN]).is_some());
    }
}
