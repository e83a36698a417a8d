//! Public key decoding.

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};

use crate::cache::KeyBytes;

/// A public key decompressed once, with the facts both policies ask about it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodedKey {
    pub(crate) point: EdwardsPoint,
    pub(crate) canonical: bool,
    pub(crate) small_order: bool,
    /// Whether the point lies in the prime-order subgroup, once a `Strict` batch has asked.
    pub(crate) torsion_free: Option<bool>,
}

impl DecodedKey {
    /// `None` when the bytes are not the encoding of any curve point.
    pub(crate) fn decode(bytes: &[u8; 32]) -> Option<Self> {
        Some(Self::from_point(
            bytes,
            CompressedEdwardsY(*bytes).decompress()?,
        ))
    }

    /// [`DecodedKey::decode`] of the cache's copy of a key.
    pub(crate) fn decode_cached(key: &KeyBytes) -> Result<Self, ()> {
        let bytes = key.as_slice().try_into().map_err(|_| ())?;
        Self::decode(bytes).ok_or(())
    }

    /// The key whose encoding `bytes` decompressed to `point`.
    pub(crate) fn from_point(bytes: &[u8; 32], point: EdwardsPoint) -> Self {
        Self {
            point,
            canonical: is_canonical_encoding(bytes),
            small_order: point.is_small_order(),
            torsion_free: None,
        }
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

impl crate::cache::Cached for DecodedKey {
    const FAMILY: usize = 0;
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
}
