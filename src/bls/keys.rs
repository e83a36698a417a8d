//! A bounded cache of validated public keys.
//!
//! Ethereum's validators sign every epoch with the same keys, and decompressing and
//! subgroup-checking a key is a sizeable share of a batch set's cost; the cache pays it once per
//! key. Only keys that passed validation are kept (the bytes fully determine the point), so a
//! shared cache cannot change a verdict. A full shard is emptied, which keeps the bound without
//! bookkeeping on the hot path.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::RwLock;

const SHARDS: usize = 16;

/// Compressed key bytes to the validated point.
type Shard<K> = RwLock<HashMap<Box<[u8]>, K>>;

pub(crate) struct KeyCache<K> {
    shards: Box<[Shard<K>]>,
    shard_capacity: usize,
    hasher: RandomState,
}

impl<K: Copy> KeyCache<K> {
    pub(crate) fn new(capacity: usize) -> Self {
        KeyCache {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            shard_capacity: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
        }
    }

    /// The key for `bytes`, from the cache or from `validate` (whose successes are kept).
    pub(crate) fn get_or_validate<E>(
        &self,
        bytes: &[u8],
        validate: impl FnOnce() -> Result<K, E>,
    ) -> Result<K, E> {
        let shard = &self.shards[self.hasher.hash_one(bytes) as usize % SHARDS];
        // A poisoned lock only means another thread panicked while inserting a plain value.
        if let Some(&key) = shard.read().unwrap_or_else(|e| e.into_inner()).get(bytes) {
            return Ok(key);
        }
        let key = validate()?;
        let mut map = shard.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.shard_capacity {
            map.clear();
        }
        map.insert(bytes.into(), key);
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_successes_only_and_stays_bounded() {
        let cache = KeyCache::new(32);
        let calls = std::cell::Cell::new(0);
        let validate = |bytes: &[u8], ok: bool| {
            cache.get_or_validate(bytes, || {
                calls.set(calls.get() + 1);
                if ok {
                    Ok(bytes[0])
                } else {
                    Err("invalid")
                }
            })
        };
        assert_eq!(validate(&[7, 1], true), Ok(7));
        assert_eq!(validate(&[7, 1], true), Ok(7));
        assert_eq!(validate(&[9, 9], false), Err("invalid"));
        assert_eq!(validate(&[9, 9], false), Err("invalid"));
        assert_eq!(
            calls.get(),
            3,
            "the valid key was validated once, the invalid one every time"
        );
        for i in 0..=255u8 {
            validate(&[i, 2], true).unwrap();
        }
        let held: usize = cache.shards.iter().map(|s| s.read().unwrap().len()).sum();
        assert!(held <= 32, "{held} keys held");
    }
}
