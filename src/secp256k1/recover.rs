//! Ethereum's public-key recovery (ecrecover): a signature and the hash it signs give back the
//! signer's key and its 20-byte address.
//!
//! Every entry point takes r and s in [1, n-1] and either half of s (the EVM's `ecrecover`
//! precompile does not apply EIP-2; transactions do, see
//! [`ecdsa::is_low_s_signature`](super::ecdsa::is_low_s_signature)). They differ in the `v`
//! they read, each one thing:
//! - [`recover`] and [`recover_batch`]: a 65-byte signature as wallets and libsecp256k1
//!   serialize it, its last byte the recovery id (0 or 1) or that plus 27 (27 or 28).
//! - [`recover_with_v`]: a transaction's `v` as a number, which may carry an EIP-155 chain id
//!   (see [`recovery_id_from_v`]); a chain id above 110 does not fit in a byte, which is why
//!   the one-byte form refuses such values rather than read them modulo 256.
//! - [`ecrecover_precompile`]: the precompile (address 0x01) on its raw input, v exactly 27 or
//!   28.

use rayon::prelude::*;
use sha3::{Digest, Keccak256};

use super::is_nonzero_scalar;
use crate::{Error, Field};

/// A recovered signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// The public key, uncompressed (`04 ‖ x ‖ y`).
    pub public_key: [u8; 65],
    /// The Ethereum address: the last 20 bytes of Keccak-256(x ‖ y).
    pub address: [u8; 20],
}

/// The Ethereum address of an uncompressed public key (`04 ‖ x ‖ y`).
pub fn address(uncompressed_public_key: &[u8; 65]) -> [u8; 20] {
    let digest = Keccak256::digest(&uncompressed_public_key[1..]);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    address
}

/// The recovery id (the parity of R's y) a `v` value stands for: 0 and 1 as they are, 27 and 28
/// (legacy Ethereum and Bitcoin's signed messages) less 27, and EIP-155's
/// `35 + 2 * chain_id + parity` as its parity. `None` for any other value.
pub fn recovery_id_from_v(v: u64) -> Option<u8> {
    match v {
        0 | 1 => Some(v as u8),
        27 | 28 => Some((v - 27) as u8),
        35.. => Some(((v - 35) % 2) as u8),
        _ => None,
    }
}

/// Recovers the signer of a 65-byte signature `r ‖ s ‖ v` over a 32-byte message hash, `v` the
/// recovery id: 0, 1, 27 or 28 ([`Error::InvalidRecoveryId`] for any other byte; a transaction's
/// EIP-155 `v` goes to [`recover_with_v`]).
pub fn recover(message_hash: &[u8], signature: &[u8]) -> Result<Recovered, Error> {
    let (hash, rs, v) = check_item(0, message_hash, signature)?;
    recover_signature(0, hash, rs, v)
}

/// Recovers the signer of `r ‖ s` (64 bytes) with `v` as any of the values
/// [`recovery_id_from_v`] accepts.
pub fn recover_with_v(message_hash: &[u8], signature: &[u8], v: u64) -> Result<Recovered, Error> {
    let hash = crate::error::exact::<32>(0, Field::MessageHash, message_hash)?;
    let rs = crate::error::exact::<64>(0, Field::Signature, signature)?;
    recover_checked(0, hash, rs, v)
}

/// Recovers the signers of many 65-byte signatures (`r ‖ s ‖ v`, v as [`recover`] reads it) on
/// rayon's threads. Each item gets its own result: the signer, or why it does not recover
/// ([`Error::InvalidRecoveryId`] naming the item, or [`Error::InvalidSignature`] for r or s out
/// of range or no point with that x). A field of the wrong length or a count mismatch fails the
/// whole call.
pub fn recover_batch<H, S>(
    message_hashes: &[H],
    signatures: &[S],
) -> Result<Vec<Result<Recovered, Error>>, Error>
where
    H: AsRef<[u8]> + Sync,
    S: AsRef<[u8]> + Sync,
{
    if signatures.len() != message_hashes.len() {
        return Err(Error::CountMismatch {
            field: Field::Signature,
            expected: message_hashes.len(),
            actual: signatures.len(),
        });
    }
    let items = message_hashes
        .iter()
        .zip(signatures)
        .enumerate()
        .map(|(i, (hash, signature))| check_item(i, hash.as_ref(), signature.as_ref()))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(items
        .par_iter()
        .enumerate()
        .map(|(i, &(hash, rs, v))| recover_signature(i, hash, rs, v))
        .collect())
}

/// The EVM's `ecrecover` precompile on its raw input: `hash ‖ v ‖ r ‖ s`, 32-byte words, short
/// input read as if padded with zeros and bytes past 128 ignored. Returns the 32-byte output
/// (the address left-padded with zeros), or `None` where the precompile returns nothing: v not
/// exactly 27 or 28, r or s outside [1, n-1], or no key recovers.
pub fn ecrecover_precompile(input: &[u8]) -> Option<[u8; 32]> {
    let mut words = [0u8; 128];
    let len = input.len().min(128);
    words[..len].copy_from_slice(&input[..len]);
    let v_word = &words[32..64];
    if v_word[..31].iter().any(|&b| b != 0) || !matches!(v_word[31], 27 | 28) {
        return None;
    }
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&words[..32]);
    let recovered = recover_checked(0, &hash, &words[64..], u64::from(v_word[31])).ok()?;
    let mut output = [0u8; 32];
    output[12..].copy_from_slice(&recovered.address);
    Some(output)
}

/// The hash, r‖s and the v byte of one item whose lengths are right.
fn check_item<'a>(
    index: usize,
    message_hash: &'a [u8],
    signature: &'a [u8],
) -> Result<(&'a [u8; 32], &'a [u8], u8), Error> {
    let hash = crate::error::exact::<32>(index, Field::MessageHash, message_hash)?;
    let signature = crate::error::exact::<65>(index, Field::Signature, signature)?;
    Ok((hash, &signature[..64], signature[64]))
}

/// The signer of a 65-byte signature's `rs` and recovery byte `v` (0, 1, 27 or 28).
fn recover_signature(index: usize, hash: &[u8; 32], rs: &[u8], v: u8) -> Result<Recovered, Error> {
    if !matches!(v, 0 | 1 | 27 | 28) {
        return Err(Error::InvalidRecoveryId {
            index,
            v: u64::from(v),
        });
    }
    recover_checked(index, hash, rs, u64::from(v))
}

/// The signer of `rs` (r ‖ s, 64 bytes) and a transaction's `v` over `hash`.
fn recover_checked(index: usize, hash: &[u8; 32], rs: &[u8], v: u64) -> Result<Recovered, Error> {
    let recovery_id = recovery_id_from_v(v).ok_or(Error::InvalidRecoveryId { index, v })?;
    let (r, s) = rs.split_at(32);
    if !is_nonzero_scalar(r) || !is_nonzero_scalar(s) {
        return Err(Error::InvalidSignature);
    }
    let recovery_id = if recovery_id == 0 {
        secp256k1::ecdsa::RecoveryId::Zero
    } else {
        secp256k1::ecdsa::RecoveryId::One
    };
    let signature = secp256k1::ecdsa::RecoverableSignature::from_compact(rs, recovery_id)
        .map_err(|_| Error::InvalidSignature)?;
    let key = signature
        .recover(secp256k1::Message::from_digest(*hash))
        .map_err(|_| Error::InvalidSignature)?;
    let public_key = key.serialize_uncompressed();
    Ok(Recovered {
        public_key,
        address: address(&public_key),
    })
}
