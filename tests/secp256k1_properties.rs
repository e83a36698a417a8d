//! Property tests for secp256k1: batch verdicts equal the single verdicts of k256 (RustCrypto,
//! independent of the engine's libsecp256k1), bisection finds exactly the corrupted BIP-340
//! items, results do not depend on the thread count, and no input of any shape panics.

mod common;

use batchverify::secp256k1::{ecdsa, recover, recover_batch, recover_with_v, schnorr};
use batchverify::{Error, Field, KeyCache};
use common::signed::{corrupt, corruption, Corruption, Item};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::sync::Arc;

const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

fn secret(seed: u64) -> [u8; 32] {
    Sha256::digest(seed.to_le_bytes()).into()
}

fn schnorr_item(signer: u64, message: Vec<u8>) -> Item {
    let key = k256::schnorr::SigningKey::from_slice(&secret(signer)).expect("secret");
    let signature = key.sign_raw(&message, &[1; 32]).expect("signs").to_bytes();
    Item {
        public_key: key.verifying_key().to_bytes().into(),
        message,
        signature,
    }
}

fn k256_schnorr(item: &Item) -> bool {
    common::oracles::k256_schnorr_oracle(&item.public_key, &item.message, &item.signature)
}

fn schnorr_batch(items: &[Item], verifier: &schnorr::Verifier) -> Vec<bool> {
    let keys: Vec<&[u8]> = items.iter().map(|i| i.public_key.as_slice()).collect();
    let messages: Vec<&[u8]> = items.iter().map(|i| i.message.as_slice()).collect();
    let signatures: Vec<&[u8]> = items.iter().map(|i| i.signature.as_slice()).collect();
    verifier
        .verify_batch(&keys, &messages, &signatures)
        .expect("well-formed lengths")
        .into_vec()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn schnorr_batches_find_exactly_the_corrupted_items(
        size in 1usize..400,
        signers in 1u64..50,
        corruptions in proptest::collection::vec((any::<proptest::sample::Index>(), corruption()), 0..12),
        seed in any::<u64>(),
    ) {
        let mut items: Vec<Item> = (0..size)
            .map(|i| {
                let digest = Sha256::digest((seed ^ i as u64).to_le_bytes());
                let message: Vec<u8> = digest.iter().cycle().take(i % 70).copied().collect();
                schnorr_item(seed % 1000 + i as u64 % signers, message)
            })
            .collect();
        for (index, how) in &corruptions {
            corrupt(&mut items[index.index(size)], *how);
        }
        let oracle: Vec<bool> = items.iter().map(k256_schnorr).collect();
        let cache = Arc::new(KeyCache::new(64));
        let verifier = schnorr::Verifier::new().key_cache(Some(cache));
        let batch = pool(3).install(|| schnorr_batch(&items, &verifier));
        prop_assert_eq!(&batch, &oracle);
        // Without a failure memory the batch goes to equations whatever other cases taught.
        let sequential = schnorr_batch(
            &items,
            &schnorr::Verifier::new().key_cache(None).failure_memory(None).sequential(true),
        );
        prop_assert_eq!(&sequential, &oracle);
        let one_thread = pool(1).install(|| schnorr_batch(&items, &verifier));
        prop_assert_eq!(&one_thread, &oracle);
        for (i, item) in items.iter().enumerate().step_by(17) {
            let single = verifier.verify(&item.public_key, &item.message, &item.signature).is_ok();
            prop_assert_eq!(single, oracle[i]);
        }
    }

    #[test]
    fn ecdsa_batches_equal_k256_under_every_rule_set(
        size in 1usize..120,
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), 0usize..64, 1u8..=255), 0..10),
        high_s in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        seed in any::<u64>(),
    ) {
        let mut keys = Vec::new();
        let mut hashes = Vec::new();
        let mut compact = Vec::new();
        for i in 0..size {
            let key = k256::ecdsa::SigningKey::from_slice(&secret(seed ^ (i as u64 % 7))).expect("secret");
            let hash: [u8; 32] = Sha256::digest((seed.wrapping_add(i as u64)).to_le_bytes()).into();
            let (signature, _) = key.sign_prehash_recoverable(&hash);
            let point = key.verifying_key().as_affine();
            let encoded = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(point, i % 2 == 0);
            keys.push(encoded.as_bytes().to_vec());
            hashes.push(hash);
            compact.push(<[u8; 64]>::from(signature.to_bytes()));
        }
        for index in &high_s {
            let item = index.index(size);
            let bytes: [u8; 32] = compact[item][32..].try_into().unwrap();
            let s = <k256::Scalar as k256::elliptic_curve::PrimeField>::from_repr(bytes.into()).unwrap();
            compact[item][32..].copy_from_slice(&(-s).to_bytes());
        }
        for (index, byte, mask) in &flips {
            compact[index.index(size)][*byte] ^= mask;
        }
        let der: Vec<Vec<u8>> = compact
            .iter()
            .map(|c| match k256::ecdsa::Signature::from_slice(c) {
                Ok(sig) => sig.to_der().as_bytes().to_vec(),
                // r or s out of range: any DER k256 cannot build is rejected by both sides.
                Err(_) => vec![0x30, 0x00],
            })
            .collect();
        let oracle = |i: usize, low_s_only: bool| {
            common::oracles::k256_ecdsa_oracle(&keys[i], &hashes[i], &compact[i], low_s_only)
        };
        for (rules, signatures, low_s_only) in [
            (ecdsa::Rules::PLAIN_COMPACT, &compact.iter().map(|c| c.to_vec()).collect::<Vec<_>>(), false),
            (ecdsa::Rules::Ethereum, &compact.iter().map(|c| c.to_vec()).collect(), true),
            (ecdsa::Rules::PLAIN_DER, &der, false),
            (ecdsa::Rules::BITCOIN, &der, true),
            (ecdsa::Rules::Bitcoin { low_s: false }, &der, false),
        ] {
            let expected: Vec<bool> = (0..size).map(|i| oracle(i, low_s_only)).collect();
            let parallel = pool(3).install(|| ecdsa::verify_batch(rules, &keys, &hashes, signatures));
            let parallel = parallel.expect("lengths");
            prop_assert_eq!(parallel.as_slice(), expected.as_slice(), "{}", rules);
            let sequential = ecdsa::Verifier::new(rules)
                .key_cache(None)
                .sequential(true)
                .verify_batch(&keys, &hashes, signatures)
                .expect("lengths");
            prop_assert_eq!(sequential.as_slice(), expected.as_slice());
        }
    }

    #[test]
    fn recovery_matches_k256_address_by_address(
        size in 1usize..60,
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), 0usize..65, 1u8..=255), 0..6),
        seed in any::<u64>(),
    ) {
        let mut hashes = Vec::new();
        let mut signatures = Vec::new();
        for i in 0..size {
            let key = k256::ecdsa::SigningKey::from_slice(&secret(seed ^ i as u64)).expect("secret");
            let hash: [u8; 32] = Sha256::digest((seed ^ ((i as u64) << 1)).to_le_bytes()).into();
            let (signature, id) = key.sign_prehash_recoverable(&hash);
            let mut bytes = signature.to_bytes().to_vec();
            bytes.push(id.to_byte() + if i % 2 == 0 { 27 } else { 0 });
            hashes.push(hash);
            signatures.push(bytes);
        }
        for (index, byte, mask) in &flips {
            signatures[index.index(size)][*byte] ^= mask;
        }
        let batch = pool(2).install(|| recover_batch(&hashes, &signatures)).expect("lengths");
        for i in 0..size {
            // A 65-byte signature's last byte is the recovery id, or that plus 27.
            let v = signatures[i][64];
            let id = [0u8, 1].into_iter().find(|&id| v == id || v == id + 27);
            let oracle = id
                .and_then(k256::ecdsa::RecoveryId::from_byte)
                .zip(k256::ecdsa::Signature::from_slice(&signatures[i][..64]).ok())
                .and_then(|(id, sig)| k256::ecdsa::VerifyingKey::recover_from_prehash(&hashes[i], &sig, id).ok())
                .map(|key| {
                    let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(key.as_affine(), false);
                    <[u8; 65]>::try_from(point.as_bytes()).expect("65 bytes")
                });
            let ours = batch[i].as_ref().ok().map(|r| r.public_key);
            prop_assert_eq!(ours, oracle, "item {}", i);
            prop_assert_eq!(recover(&hashes[i], &signatures[i]).ok().map(|r| r.public_key), oracle);
        }
    }

    #[test]
    fn no_input_panics(
        key in proptest::collection::vec(any::<u8>(), 0..70),
        hash in proptest::collection::vec(any::<u8>(), 0..40),
        signature in proptest::collection::vec(any::<u8>(), 0..80),
        v in any::<u64>(),
    ) {
        for rules in [ecdsa::Rules::BITCOIN, ecdsa::Rules::Ethereum, ecdsa::Rules::PLAIN_DER, ecdsa::Rules::PLAIN_COMPACT] {
            let _ = ecdsa::verify(rules, &key, &hash, &signature);
            let _ = ecdsa::verify_batch(rules, &[&key], &[&hash], &[&signature]);
        }
        let _ = schnorr::verify(&key, &hash, &signature);
        let _ = schnorr::verify_batch(&[&key, &key], &[&hash, &hash], &[&signature, &signature]);
        let _ = recover(&hash, &signature);
        let _ = recover_with_v(&hash, &signature, v);
        let _ = recover_batch(&[&hash], &[&signature]);
        let _ = batchverify::secp256k1::ecrecover_precompile(&signature);
    }
}

fn valid_ecdsa() -> (Vec<u8>, [u8; 32], [u8; 64]) {
    let key = k256::ecdsa::SigningKey::from_slice(&secret(9)).expect("secret");
    let hash: [u8; 32] = Sha256::digest(b"bad input").into();
    let (signature, _) = key.sign_prehash_recoverable(&hash);
    let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(
        key.verifying_key().as_affine(),
        true,
    );
    (point.as_bytes().to_vec(), hash, signature.to_bytes().into())
}

#[test]
fn out_of_range_scalars_and_broken_encodings_are_invalid() {
    let (key, hash, good) = valid_ecdsa();
    let rules = ecdsa::Rules::PLAIN_COMPACT;
    assert!(ecdsa::verify(rules, &key, &hash, &good).is_ok());
    let with = |r: [u8; 32], s: [u8; 32]| [r, s].concat();
    let (r, s): ([u8; 32], [u8; 32]) = (
        good[..32].try_into().unwrap(),
        good[32..].try_into().unwrap(),
    );
    for (what, signature) in [
        ("r = 0", with([0; 32], s)),
        ("s = 0", with(r, [0; 32])),
        ("r = n", with(ORDER, s)),
        ("s = n", with(r, ORDER)),
        ("s = 2^256 - 1", with(r, [0xff; 32])),
    ] {
        assert_eq!(
            ecdsa::verify(rules, &key, &hash, &signature),
            Err(Error::InvalidSignature),
            "{what}"
        );
    }
    let der = k256::ecdsa::Signature::from_slice(&good)
        .unwrap()
        .to_der()
        .as_bytes()
        .to_vec();
    assert!(ecdsa::verify(ecdsa::Rules::PLAIN_DER, &key, &hash, &der).is_ok());
    let mut trailing = der.clone();
    trailing.push(0);
    let mut long_form = vec![0x30, 0x81, der[1]];
    long_form.extend_from_slice(&der[2..]);
    for broken in [trailing, long_form, der[..der.len() - 1].to_vec(), vec![]] {
        assert_eq!(
            ecdsa::verify(ecdsa::Rules::PLAIN_DER, &key, &hash, &broken),
            Err(Error::InvalidSignature)
        );
    }
    let mut off_curve = key.clone();
    off_curve[0] = 0x05;
    assert_eq!(
        ecdsa::verify(rules, &off_curve, &hash, &good),
        Err(Error::InvalidSignature)
    );
    let mut not_x = vec![0x02];
    not_x.extend_from_slice(&[0xff; 32]);
    assert_eq!(
        ecdsa::verify(rules, &not_x, &hash, &good),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn wrong_lengths_and_v_values_are_errors_naming_item_and_field() {
    let (key, hash, good) = valid_ecdsa();
    let prepared =
        ecdsa::Verifier::new(ecdsa::Rules::BITCOIN).key_cache(Some(Arc::new(KeyCache::new(8))));
    // (0, 0): 0 ≠ 0³ + 7.
    let mut off_curve = vec![0u8; 65];
    off_curve[0] = 4;
    assert_eq!(
        prepared.prepare_keys(&[key.clone(), key[..32].to_vec()]),
        Err(Error::LengthNotAllowed {
            index: 1,
            field: Field::PublicKey,
            allowed: &[33, 65],
            actual_len: 32
        })
    );
    // One rule with verify: a key that is not a point is a verdict there, and no table here.
    assert_eq!(
        ecdsa::verify(ecdsa::Rules::BITCOIN, &off_curve, &hash, &good),
        Err(Error::InvalidSignature)
    );
    assert_eq!(
        prepared.prepare_keys(&[key.clone(), key.clone(), off_curve]),
        Ok(2),
        "the key twice, and no table for the point that is not one"
    );
    let keys = [key.clone(), key[..32].to_vec()];
    assert_eq!(
        ecdsa::verify_batch(ecdsa::Rules::Ethereum, &keys, &[hash, hash], &[good, good]),
        Err(Error::LengthNotAllowed {
            index: 1,
            field: Field::PublicKey,
            allowed: &[33, 65],
            actual_len: 32
        })
    );
    assert_eq!(
        ecdsa::verify(ecdsa::Rules::Ethereum, &key, &hash[..31], &good),
        Err(Error::Malformed {
            index: 0,
            field: Field::MessageHash,
            expected_len: 32,
            actual_len: 31
        })
    );
    assert_eq!(
        ecdsa::verify(ecdsa::Rules::Ethereum, &key, &hash, &good[..63]),
        Err(Error::Malformed {
            index: 0,
            field: Field::Signature,
            expected_len: 64,
            actual_len: 63
        })
    );
    assert!(matches!(
        ecdsa::verify_batch(ecdsa::Rules::Ethereum, &[&key], &[hash, hash], &[good]),
        Err(Error::CountMismatch {
            field: Field::MessageHash,
            ..
        })
    ));
    for v in [2u64, 26, 29, 34] {
        assert_eq!(
            recover_with_v(&hash, &good, v),
            Err(Error::InvalidRecoveryId { index: 0, v })
        );
    }
    let mut signature = good.to_vec();
    signature.push(34);
    assert_eq!(
        recover(&hash, &signature),
        Err(Error::InvalidRecoveryId { index: 0, v: 34 })
    );
    // A one-byte v is a recovery id (0, 1, 27, 28), never an EIP-155 value cut to a byte.
    for v in [35u8, 37, 38, 255] {
        signature[64] = v;
        assert_eq!(
            recover(&hash, &signature),
            Err(Error::InvalidRecoveryId {
                index: 0,
                v: u64::from(v)
            })
        );
    }
    // A transaction's v: EIP-155's v = 35 + 2 * chain_id + y_parity, for chain ids past a byte.
    let by_parity = [0u8, 1].map(|parity| recover_with_v(&hash, &good, u64::from(parity)));
    let signer_is = |recovered: &Result<batchverify::secp256k1::Recovered, Error>| {
        recovered
            .as_ref()
            .is_ok_and(|found| found.public_key[1..33] == key[1..33])
    };
    assert_eq!(
        by_parity.iter().filter(|found| signer_is(found)).count(),
        1,
        "one parity recovers the signer"
    );
    for chain_id in [1u64, 5, 137, 11_155_111, u64::MAX / 4] {
        for parity in [0u64, 1] {
            let v = 35 + 2 * chain_id + parity;
            assert_eq!(
                recover_with_v(&hash, &good, v),
                by_parity[parity as usize],
                "chain {chain_id}"
            );
        }
    }
    assert_eq!(
        recover_with_v(&hash, &good, 27 + 1),
        by_parity[1],
        "legacy v"
    );
    let batch = recover_batch(
        &[hash, hash],
        &[
            [good.as_slice(), &[7]].concat(),
            [good.as_slice(), &[27]].concat(),
        ],
    )
    .unwrap();
    assert_eq!(batch[0], Err(Error::InvalidRecoveryId { index: 0, v: 7 }));
    assert!(batch[1].is_ok());
    assert_eq!(
        schnorr::verify_batch(&[[0u8; 32]], &[b"m"], &[[0u8; 63].as_slice()]),
        Err(Error::Malformed {
            index: 0,
            field: Field::Signature,
            expected_len: 64,
            actual_len: 63
        })
    );
}

#[test]
fn large_parallel_schnorr_batches_bisect_on_every_thread() {
    // Large enough that, after the probe wave, every thread gets full chunks whose failing
    // sums are split across threads.
    let mut items: Vec<Item> = (0..3000u64)
        .map(|i| schnorr_item(i % 700, i.to_le_bytes().to_vec()))
        .collect();
    for (i, how) in [
        (1500, Corruption::Signature(40, 1)),
        (2999, Corruption::Message(0, 4)),
        (2100, Corruption::Key(3, 8)),
    ] {
        corrupt(&mut items[i], how);
    }
    let oracle: Vec<bool> = items.iter().map(k256_schnorr).collect();
    assert_eq!(oracle.iter().filter(|&&v| !v).count(), 3);
    for threads in [1, 3, 4] {
        let verifier = schnorr::Verifier::new().key_cache(Some(Arc::new(KeyCache::new(1024))));
        let batch = pool(threads).install(|| schnorr_batch(&items, &verifier));
        assert_eq!(batch, oracle, "{threads} threads");
    }
}
