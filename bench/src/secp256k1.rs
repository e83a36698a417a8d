//! secp256k1: batchverify against libsecp256k1 (the `secp256k1` crate, what Bitcoin Core runs)
//! and k256 on the same signatures: BIP-340 batches, ECDSA under Bitcoin's rules, ecrecover.

use std::sync::Arc;

use batchverify::secp256k1::{ecdsa, recover_batch, schnorr};
use batchverify::KeyCache;
use k256::elliptic_curve::sec1::ToSec1Point;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use secp256k1::{Keypair, Message, PublicKey, SecretKey, XOnlyPublicKey};
use sha3::Digest;

use crate::case::{cache_capacity, signed_items};
use crate::{Case, Regime, Spec, Sweep};

/// Items a single-call row cycles through, so that no one item stays in the caches.
const SINGLE_CALL_ITEMS: usize = 1024;

/// Which secp256k1 operation a row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// BIP-340 Schnorr over 32-byte messages.
    Schnorr,
    /// ECDSA, Bitcoin's rules: DER signatures, low S, compressed keys.
    Ecdsa,
    /// Ethereum's public-key recovery to addresses.
    Recover,
}

/// Signed items: x-only keys (Schnorr) or compressed keys (ECDSA), 32-byte messages (the hash
/// itself for ECDSA), signatures in the scheme's encoding.
pub(crate) struct Inputs {
    keys: Vec<Vec<u8>>,
    messages: Vec<[u8; 32]>,
    signatures: Vec<Vec<u8>>,
    /// The expected addresses (recover only).
    addresses: Vec<[u8; 20]>,
    /// The indices of the corrupted signatures, in order.
    bad: Vec<usize>,
}

impl Inputs {
    /// `size` signatures by `signers` keys (`None`: every key distinct), `bad` of them signing
    /// another message (spread evenly), the same for a given seed.
    pub(crate) fn new(
        scheme: Scheme,
        size: usize,
        signers: Option<usize>,
        bad: usize,
        seed: u64,
    ) -> Inputs {
        let (items, bad) = signed_items(
            size,
            signers,
            bad,
            seed,
            |i| {
                let mut rng = StdRng::seed_from_u64(seed ^ (i as u64).rotate_left(17));
                loop {
                    if let Ok(secret) = SecretKey::from_secret_bytes(rng.random()) {
                        break secret;
                    }
                }
            },
            |secret: &SecretKey, rng, corrupt| {
                let message: [u8; 32] = rng.random();
                let mut signed = message;
                if corrupt {
                    signed[0] ^= 1;
                }
                match scheme {
                    Scheme::Schnorr => {
                        let keypair = Keypair::from_secret_key(secret);
                        let signature = secp256k1::schnorr::sign_with_aux_rand(
                            &signed,
                            &keypair,
                            &rng.random(),
                        );
                        let key = keypair.x_only_public_key().0.to_byte_array().to_vec();
                        (key, message, signature.to_byte_array().to_vec(), [0; 20])
                    }
                    Scheme::Ecdsa => {
                        let signature =
                            secp256k1::ecdsa::sign(Message::from_digest(signed), secret);
                        let key = PublicKey::from_secret_key(secret).serialize().to_vec();
                        (key, message, signature.serialize_der().to_vec(), [0; 20])
                    }
                    Scheme::Recover => {
                        let signature =
                            secp256k1::ecdsa::RecoverableSignature::sign_ecdsa_recoverable(
                                Message::from_digest(signed),
                                secret,
                            );
                        let (id, rs) = signature.serialize_compact();
                        let mut bytes = rs.to_vec();
                        bytes.push(id as u8 + 27);
                        let key = PublicKey::from_secret_key(secret).serialize_uncompressed();
                        (key.to_vec(), message, bytes, address(&key))
                    }
                }
            },
        );
        let mut inputs = Inputs {
            keys: Vec::with_capacity(size),
            messages: Vec::with_capacity(size),
            signatures: Vec::with_capacity(size),
            addresses: Vec::with_capacity(size),
            bad,
        };
        for (key, message, signature, address) in items {
            inputs.keys.push(key);
            inputs.messages.push(message);
            inputs.signatures.push(signature);
            inputs.addresses.push(address);
        }
        inputs
    }

    fn len(&self) -> usize {
        self.keys.len()
    }
}

/// The peer's Ethereum address: Keccak-256 of the key's coordinates, last 20 bytes.
fn address(uncompressed: &[u8; 65]) -> [u8; 20] {
    let digest = sha3::Keccak256::digest(&uncompressed[1..]);
    digest[12..].try_into().unwrap_or_default()
}

/// A peer's single verification of item `i`, with the parsed keys when given (warm).
type PeerVerify = fn(Scheme, &Inputs, Option<&Parsed>, usize) -> bool;

/// Keys as each peer keeps them once parsed (the warm regime).
enum Parsed {
    Schnorr(Vec<XOnlyPublicKey>, Vec<k256::schnorr::VerifyingKey>),
    Ecdsa(Vec<PublicKey>, Vec<k256::ecdsa::VerifyingKey>),
}

fn parse(scheme: Scheme, inputs: &Inputs) -> Option<Parsed> {
    match scheme {
        Scheme::Schnorr => Some(Parsed::Schnorr(
            inputs
                .keys
                .iter()
                .map(|k| XOnlyPublicKey::from_byte_array(k.as_slice().try_into().ok()?).ok())
                .collect::<Option<_>>()?,
            inputs
                .keys
                .iter()
                .map(|k| k256::schnorr::VerifyingKey::from_slice(k).ok())
                .collect::<Option<_>>()?,
        )),
        Scheme::Ecdsa => Some(Parsed::Ecdsa(
            inputs
                .keys
                .iter()
                .map(|k| PublicKey::from_slice(k).ok())
                .collect::<Option<_>>()?,
            inputs
                .keys
                .iter()
                .map(|k| k256::ecdsa::VerifyingKey::from_sec1_bytes(k).ok())
                .collect::<Option<_>>()?,
        )),
        Scheme::Recover => None,
    }
}

/// libsecp256k1's single verification of item `i`, with the parsed key when given.
fn libsecp(scheme: Scheme, inputs: &Inputs, parsed: Option<&Parsed>, i: usize) -> bool {
    let key = &inputs.keys[i];
    let signature = &inputs.signatures[i];
    match scheme {
        Scheme::Schnorr => {
            let parsed_key = match parsed {
                Some(Parsed::Schnorr(keys, _)) => Some(keys[i]),
                _ => key
                    .as_slice()
                    .try_into()
                    .ok()
                    .and_then(|k| XOnlyPublicKey::from_byte_array(k).ok()),
            };
            let Ok(signature) = <[u8; 64]>::try_from(signature.as_slice()) else {
                return false;
            };
            parsed_key.is_some_and(|key| {
                let signature = secp256k1::schnorr::Signature::from_byte_array(signature);
                secp256k1::schnorr::verify(&signature, &inputs.messages[i], &key).is_ok()
            })
        }
        Scheme::Ecdsa => {
            let parsed_key = match parsed {
                Some(Parsed::Ecdsa(keys, _)) => Some(keys[i]),
                _ => PublicKey::from_slice(key).ok(),
            };
            let signature = secp256k1::ecdsa::Signature::from_der(signature);
            parsed_key
                .zip(signature.ok())
                .is_some_and(|(key, signature)| {
                    let message = Message::from_digest(inputs.messages[i]);
                    secp256k1::ecdsa::verify(&signature, message, &key).is_ok()
                })
        }
        Scheme::Recover => {
            let Some((v, rs)) = signature.split_last() else {
                return false;
            };
            let recovered = secp256k1::ecdsa::RecoveryId::try_from(i32::from(*v) - 27)
                .and_then(|id| secp256k1::ecdsa::RecoverableSignature::from_compact(rs, id))
                .and_then(|s| s.recover(Message::from_digest(inputs.messages[i])));
            recovered.is_ok_and(|key| address(&key.serialize_uncompressed()) == inputs.addresses[i])
        }
    }
}

/// k256's single verification of item `i`, with the parsed key when given.
fn k256_verify(scheme: Scheme, inputs: &Inputs, parsed: Option<&Parsed>, i: usize) -> bool {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    let key = &inputs.keys[i];
    let signature = &inputs.signatures[i];
    match scheme {
        Scheme::Schnorr => {
            let parsed_key = match parsed {
                Some(Parsed::Schnorr(_, keys)) => Some(keys[i]),
                _ => k256::schnorr::VerifyingKey::from_slice(key).ok(),
            };
            let signature = k256::schnorr::Signature::try_from(signature.as_slice());
            parsed_key
                .zip(signature.ok())
                .is_some_and(|(key, sig)| key.verify_raw(&inputs.messages[i], &sig).is_ok())
        }
        Scheme::Ecdsa => {
            let parsed_key = match parsed {
                Some(Parsed::Ecdsa(_, keys)) => Some(keys[i]),
                _ => k256::ecdsa::VerifyingKey::from_sec1_bytes(key).ok(),
            };
            let signature = k256::ecdsa::Signature::from_der(signature);
            parsed_key
                .zip(signature.ok())
                .is_some_and(|(key, sig)| key.verify_prehash(&inputs.messages[i], &sig).is_ok())
        }
        Scheme::Recover => {
            let Some((v, rs)) = signature.split_last() else {
                return false;
            };
            let signature = k256::ecdsa::Signature::from_slice(rs);
            let id = k256::ecdsa::RecoveryId::from_byte(v.wrapping_sub(27));
            let key = signature.ok().zip(id).and_then(|(sig, id)| {
                k256::ecdsa::VerifyingKey::recover_from_prehash(&inputs.messages[i], &sig, id).ok()
            });
            key.is_some_and(|key| {
                let point = key.as_affine().to_sec1_point(false);
                let bytes: Option<[u8; 65]> = point.as_bytes().try_into().ok();
                bytes.is_some_and(|b| address(&b) == inputs.addresses[i])
            })
        }
    }
}

/// Our verifier for one case, with its own cache (so no case warms another's), emptied before
/// every timed call in the cold regime. In the warm regime the ECDSA keys are prepared as a node
/// keeps its known signers (`prepare_keys`: parsed, with their tables).
fn ours(
    scheme: Scheme,
    inputs: &Inputs,
    cold: bool,
) -> (Arc<KeyCache>, impl FnMut() + Send + 'static) {
    let cache = Arc::new(KeyCache::new(cache_capacity(inputs.len())));
    if !cold && scheme == Scheme::Ecdsa {
        ecdsa::Verifier::new(ecdsa::Rules::BITCOIN)
            .key_cache(Some(cache.clone()))
            .prepare_keys(&inputs.keys)
            .expect("the bench's keys are points");
    }
    let prepare = {
        let cache = cache.clone();
        move || {
            if cold {
                cache.clear();
            }
        }
    };
    (cache, prepare)
}

/// Our batch call on the inputs; whether it gave exactly the expected verdicts.
fn our_batch(scheme: Scheme, inputs: &Inputs, cache: &Arc<KeyCache>) -> bool {
    match scheme {
        Scheme::Schnorr => schnorr::Verifier::new()
            .key_cache(Some(cache.clone()))
            .verify_batch(&inputs.keys, &inputs.messages, &inputs.signatures)
            .is_ok_and(|outcome| outcome.invalid_indices() == inputs.bad),
        Scheme::Ecdsa => ecdsa::Verifier::new(ecdsa::Rules::BITCOIN)
            .key_cache(Some(cache.clone()))
            .verify_batch(&inputs.keys, &inputs.messages, &inputs.signatures)
            .is_ok_and(|outcome| outcome.invalid_indices() == inputs.bad),
        Scheme::Recover => recover_batch(&inputs.messages, &inputs.signatures).is_ok_and(|all| {
            all.iter()
                .zip(&inputs.addresses)
                .enumerate()
                .all(|(i, (got, want))| {
                    got.as_ref().is_ok_and(|r| r.address == *want) != inputs.bad.contains(&i)
                })
        }),
    }
}

/// Our single verification of item `i`.
fn our_single(scheme: Scheme, inputs: &Inputs, cache: &Arc<KeyCache>, i: usize) -> bool {
    match scheme {
        Scheme::Schnorr => schnorr::Verifier::new()
            .key_cache(Some(cache.clone()))
            .verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i])
            .is_ok(),
        Scheme::Ecdsa => ecdsa::Verifier::new(ecdsa::Rules::BITCOIN)
            .key_cache(Some(cache.clone()))
            .verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i])
            .is_ok(),
        Scheme::Recover => {
            batchverify::secp256k1::recover(&inputs.messages[i], &inputs.signatures[i])
                .is_ok_and(|r| r.address == inputs.addresses[i])
        }
    }
}

pub(crate) fn cases(spec: &Spec, scheme: Scheme, signers: Option<usize>) -> Vec<Case> {
    let items = spec.items_per_input(SINGLE_CALL_ITEMS);
    let inputs = Arc::new(Inputs::new(
        scheme,
        items,
        signers,
        spec.bad_items(),
        spec.size as u64,
    ));
    let cold = spec.regime != Some(Regime::Warm);
    let want_valid = inputs.len() - inputs.bad.len();
    if spec.sweep == Sweep::SingleCall {
        return single_call_cases(scheme, &inputs, cold);
    }
    let (cache, prepare) = ours(scheme, &inputs, cold);
    let mut cases = vec![Case::new("batchverify", &batch_name(scheme), {
        let inputs = inputs.clone();
        move || our_batch(scheme, &inputs, &cache)
    })
    .prepare(prepare)];
    if spec.sweep == Sweep::FailureRate {
        let (cache, prepare) = ours(scheme, &inputs, cold);
        cases.push(
            Case::new("batchverify", "verify, one at a time", {
                let inputs = inputs.clone();
                move || {
                    let valid = (0..inputs.len())
                        .into_par_iter()
                        .filter(|&i| our_single(scheme, &inputs, &cache, i))
                        .count();
                    valid == want_valid
                }
            })
            .prepare(prepare)
            .baseline(),
        );
        return cases;
    }
    // Parsed outside the timed calls only for the warm regime; cold peers parse inside.
    let parsed = Arc::new(if cold { None } else { parse(scheme, &inputs) });
    let peers: [(&'static str, PeerVerify); 2] = [("libsecp256k1", libsecp), ("k256", k256_verify)];
    for (name, verify) in peers {
        let inputs = inputs.clone();
        let parsed = parsed.clone();
        cases.push(
            Case::new(name, &format!("{} loop", single_name(scheme)), move || {
                let valid = (0..inputs.len())
                    .into_par_iter()
                    .filter(|&i| verify(scheme, &inputs, parsed.as_ref().as_ref(), i))
                    .count();
                valid == want_valid
            })
            .baseline(),
        );
    }
    cases
}

fn batch_name(scheme: Scheme) -> String {
    match scheme {
        Scheme::Schnorr => "schnorr::verify_batch".to_string(),
        Scheme::Ecdsa => "ecdsa::verify_batch bitcoin".to_string(),
        Scheme::Recover => "recover_batch".to_string(),
    }
}

fn single_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Schnorr => "verify_schnorr",
        Scheme::Ecdsa => "verify_ecdsa",
        Scheme::Recover => "recover",
    }
}

/// One signature per call, cycling through the inputs: ours, libsecp256k1 as the baseline.
fn single_call_cases(scheme: Scheme, inputs: &Arc<Inputs>, cold: bool) -> Vec<Case> {
    let (cache, prepare) = ours(scheme, inputs, cold);
    if !cold {
        for i in 0..inputs.len() {
            our_single(scheme, inputs, &cache, i);
        }
    }
    let mut next = 0;
    let ours_case = Case::new("batchverify", single_name(scheme), {
        let inputs = inputs.clone();
        move || {
            next = (next + 1) % inputs.len();
            our_single(scheme, &inputs, &cache, next)
        }
    })
    .prepare(prepare);
    let parsed = if cold { None } else { parse(scheme, inputs) };
    let inputs = inputs.clone();
    let mut next = 0;
    let peer = Case::new("libsecp256k1", single_name(scheme), move || {
        next = (next + 1) % inputs.len();
        libsecp(scheme, &inputs, parsed.as_ref(), next)
    })
    .baseline();
    vec![ours_case, peer]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupted_items_are_the_only_ones_every_side_rejects() {
        for scheme in [Scheme::Schnorr, Scheme::Ecdsa, Scheme::Recover] {
            let inputs = Inputs::new(scheme, 40, Some(6), 5, 3);
            let parsed = parse(scheme, &inputs);
            let cache = Arc::new(KeyCache::new(64));
            for i in 0..inputs.len() {
                let want = !inputs.bad.contains(&i);
                assert_eq!(libsecp(scheme, &inputs, None, i), want, "{scheme:?} {i}");
                assert_eq!(libsecp(scheme, &inputs, parsed.as_ref(), i), want);
                assert_eq!(
                    k256_verify(scheme, &inputs, None, i),
                    want,
                    "{scheme:?} {i}"
                );
                assert_eq!(k256_verify(scheme, &inputs, parsed.as_ref(), i), want);
                assert_eq!(our_single(scheme, &inputs, &cache, i), want);
            }
            assert!(our_batch(scheme, &inputs, &cache), "{scheme:?}");
        }
    }
}
