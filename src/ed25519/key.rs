//! Public key decoding and the cache of decoded keys.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock, RwLock};

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};

/// A public key decompressed once, with the facts both policies ask about it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodedKey {
    pub(crate) point: EdwardsPoint,
    pub(crate) canonical: bool,
    pub(crate) small_order: bool,
}

impl DecodedKey {
    /// `None` when the bytes are not the encoding of any curve point.
    pub(crate) fn decode(bytes: &[u8; 32]) -> Option<Self> {
        let point = CompressedEdwardsY(*bytes).decompress()?;
        Some(Self {
            point,
            canonical: is_canonical_encoding(bytes),
            small_order: point.is_small_order(),
        })
    }
}

/// Whether `bytes` is the unique (RFC 8032) encoding of a point it decodes to.
///
/// An encoding is non-canonical when y is not reduced (y >= p, only possible for
/// y in p..2^255) or when it sets the sign bit of x = 0, which happens only for y = 1 and
/// y = p - 1. Checked on the bytes so that no extra field inversion is spent on it.
pub(crate) fn is_canonical_encoding(bytes: &[u8; 32]) -> bool {
    let sign = bytes[31] >> 7;
    let mut y = *bytes;
    y[31] &= 0x7f;
    // p = 2^255 - 19: little-endian 0xed, 0xff * 30, 0x7f.
    let y_reduced = !(y[0] >= 0xed && y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f);
    if !y_reduced {
        return false;
    }
    let y_is_one = y[0] == 1 && y[1..].iter().all(|&b| b == 0);
    let y_is_minus_one = y[0] == 0xec && y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f;
    !(sign == 1 && (y_is_one || y_is_minus_one))
}

/// A bounded, thread-safe cache of decompressed public keys.
///
/// Validators sign again and again, and decompressing a key costs a field exponentiation, a
/// large share of a batch item's cost; the cache spends it once per key. Entries are pure
/// functions of the key bytes, so a shared cache cannot change any verdict. When a shard is
/// full it is emptied, which keeps the bound without bookkeeping on the hot path.
pub struct KeyCache {
    shards: Box<[Shard]>,
    shard_capacity: usize,
    hasher: RandomState,
}

const SHARDS: usize = 16;

/// `None` records bytes that are not a point, so repeated garbage is rejected from the cache too.
type Shard = RwLock<HashMap<[u8; 32], Option<DecodedKey>>>;

impl KeyCache {
    /// A cache that holds at most about `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        let shard_capacity = capacity.div_ceil(SHARDS).max(1);
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            shard_capacity,
            hasher: RandomState::new(),
        }
    }

    /// The process-wide cache used by default (65,536 keys, about 13 MB when full).
    pub fn global() -> Arc<KeyCache> {
        static GLOBAL: OnceLock<Arc<KeyCache>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| Arc::new(KeyCache::new(1 << 16)))
            .clone()
    }

    /// Number of keys held now.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    /// Whether the cache holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn get_or_decode(&self, bytes: &[u8; 32]) -> Option<DecodedKey> {
        let shard = &self.shards[self.hasher.hash_one(bytes) as usize % SHARDS];
        // A poisoned lock only means another thread panicked mid-insert of a plain value;
        // the map itself is still consistent.
        if let Some(hit) = shard.read().unwrap_or_else(|e| e.into_inner()).get(bytes) {
            return *hit;
        }
        let decoded = DecodedKey::decode(bytes);
        let mut map = shard.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.shard_capacity {
            map.clear();
        }
        map.insert(*bytes, decoded);
        decoded
    }
}

impl core::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyCache")
            .field("len", &self.len())
            .field("capacity", &(self.shard_capacity * SHARDS))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;

    #[test]
    fn canonical_encodings_are_recognised() {
        let base = ED25519_BASEPOINT_POINT.compress().to_bytes();
        assert!(is_canonical_encoding(&base));

        let identity = EdwardsPoint::default().compress().to_bytes();
        assert!(is_canonical_encoding(&identity));
        let mut negative_zero_x = identity;
        negative_zero_x[31] |= 0x80;
        assert!(!is_canonical_encoding(&negative_zero_x));

        // y = p + 1 encodes the same y as 1 but unreduced.
        let mut y_p_plus_one = [0xff; 32];
        y_p_plus_one[0] = 0xee;
        y_p_plus_one[31] = 0x7f;
        assert!(!is_canonical_encoding(&y_p_plus_one));
        // y = p - 2 is reduced and x != 0 for it, whatever the sign bit.
        let mut y_p_minus_two = y_p_plus_one;
        y_p_minus_two[0] = 0xeb;
        assert!(is_canonical_encoding(&y_p_minus_two));
    }

    #[test]
    fn canonical_check_agrees_with_recompression() {
        for seed in 0u8..=255 {
            let mut bytes = [seed; 32];
            bytes[0] = seed.wrapping_mul(7);
            for top in [0x00, 0x7f, 0x80, 0xff] {
                bytes[31] = top;
                if let Some(point) = CompressedEdwardsY(bytes).decompress() {
                    assert_eq!(
                        is_canonical_encoding(&bytes),
                        point.compress().to_bytes() == bytes,
                        "{bytes:02x?}"
                    );
                }
            }
        }
    }

    #[test]
    fn cache_stays_bounded_and_answers_like_decode() {
        let cache = KeyCache::new(32);
        for i in 0..200u32 {
            let bytes = (ED25519_BASEPOINT_POINT * curve25519_dalek::Scalar::from(i + 1))
                .compress()
                .to_bytes();
            let cached = cache.get_or_decode(&bytes).expect("a valid point");
            assert_eq!(cached.point, DecodedKey::decode(&bytes).unwrap().point);
            assert!(cache.len() <= 32);
        }
    }
}
