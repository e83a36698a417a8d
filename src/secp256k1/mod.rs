//! secp256k1 signatures: ECDSA under Bitcoin's, Ethereum's or plain rules, Ethereum's public-key
//! recovery (ecrecover), and BIP-340 Schnorr signatures, single and batched.
//!
//! Single verification and recovery run on libsecp256k1 (the `secp256k1` crate), the code
//! Bitcoin Core itself runs, except for ECDSA keys with a per-key table (repeated signers, see
//! [`ecdsa`]), which verify on this module's own arithmetic, checked against libsecp256k1 and
//! k256 in the tests. ECDSA has no linear batch equation (only the x-coordinate of `R` is
//! checked), so its batches are single verifications on every core with parsed keys cached. BIP-340 does have one: its batches are
//! one randomized multiscalar sum per chunk on this module's own field and point arithmetic
//! (k256 keeps its field private; its scalars serve), with bisection to blame
//! bad items, and every verdict equals the single verdict (see [`schnorr`]).
//!
//! Parsed public keys are kept in the crate's [`KeyCache`](crate::KeyCache), one process-wide
//! cache per key kind unless the caller passes its own.

pub mod ecdsa;
mod field;
mod msm;
#[cfg(fuzzing)]
pub(crate) use field::fuzz_operations as fuzz_field_operations;
#[cfg(fuzzing)]
pub(crate) use msm::fuzz_glv_split;
mod recover;
pub mod schnorr;

pub use recover::{
    address, ecrecover_precompile, recover, recover_batch, recover_with_v, recovery_id_from_v,
    Recovered,
};

use k256::elliptic_curve::ops::Reduce;

/// Keys the process-wide caches hold before a full shard is emptied.
const DEFAULT_CACHE_CAPACITY: usize = 1 << 16;

/// The group order n, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// floor(n / 2), big-endian: the largest `s` that is "low" (BIP-146, EIP-2).
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Whether a big-endian 32-byte integer lies in [1, n-1], the range of ECDSA's r and s.
fn is_nonzero_scalar(bytes: &[u8]) -> bool {
    bytes.len() == 32 && bytes.iter().any(|&b| b != 0) && bytes < ORDER.as_slice()
}

/// Whether a big-endian 32-byte `s` is at most n/2.
fn is_low_s(bytes: &[u8; 32]) -> bool {
    bytes.as_slice() <= HALF_ORDER.as_slice()
}

/// The process-wide cache of one key kind.
fn default_cache(
    cell: &'static std::sync::OnceLock<std::sync::Arc<crate::KeyCache>>,
) -> std::sync::Arc<crate::KeyCache> {
    crate::cache::global(cell, DEFAULT_CACHE_CAPACITY)
}

/// A 32-byte digest reduced modulo n (BIP-340's challenge).
fn reduce(digest: &[u8; 32]) -> k256::Scalar {
    <k256::Scalar as Reduce<k256::FieldBytes>>::reduce(&(*digest).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_ranges_match_the_order() {
        let mut below = ORDER;
        below[31] -= 1;
        assert!(is_nonzero_scalar(&below));
        assert!(!is_nonzero_scalar(&ORDER));
        assert!(!is_nonzero_scalar(&[0; 32]));
        assert!(is_nonzero_scalar(&[1; 32]));
        assert!(is_low_s(&HALF_ORDER));
        let mut above = HALF_ORDER;
        above[31] += 1;
        assert!(!is_low_s(&above));
        // n = 2 * HALF_ORDER + 1.
        let half = reduce(&HALF_ORDER);
        let doubled_plus_one = (half + half + k256::Scalar::ONE).to_bytes();
        assert!(
            doubled_plus_one.iter().all(|&b| b == 0),
            "2 * (n/2) + 1 = n = 0 mod n"
        );
    }
}
