//! secp256k1 against the external vectors: BIP-340's 19 vectors (single, and mixed into random
//! valid batches), Wycheproof's three ECDSA files each under its matching rules (with
//! libsecp256k1 and with every key on its precomputed table), and
//! go-ethereum's ecrecover precompile cases with their exact outputs.
//!
//! Wycheproof's `acceptable` verdict (a signature a library may accept or reject) does not occur
//! in these files; should a future copy add some, they are counted and skipped, not guessed.

mod common;

use batchverify::secp256k1::{ecdsa, ecrecover_precompile, schnorr};
use batchverify::{Error, KeyCache};
use rand::{RngExt, SeedableRng};
use sha2::{Digest, Sha256};
use std::sync::Arc;

struct Bip340Vector {
    index: usize,
    public_key: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
    valid: bool,
}

fn bip340_vectors() -> Option<Vec<Bip340Vector>> {
    let text = common::read_text("secp256k1/bip340-test-vectors.csv")?;
    let vectors: Vec<Bip340Vector> = text
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            Bip340Vector {
                index: fields[0].parse().expect("index"),
                public_key: hex::decode(fields[2]).expect("key hex"),
                message: hex::decode(fields[4]).expect("message hex"),
                signature: hex::decode(fields[5]).expect("signature hex"),
                valid: match fields[6] {
                    "TRUE" => true,
                    "FALSE" => false,
                    other => panic!("verdict {other}"),
                },
            }
        })
        .collect();
    assert_eq!(vectors.len(), 19, "BIP-340 has 19 vectors");
    Some(vectors)
}

#[test]
fn bip340_vectors_single_and_against_k256() {
    let Some(vectors) = bip340_vectors() else {
        return;
    };
    for v in &vectors {
        let ours = schnorr::verify(&v.public_key, &v.message, &v.signature).is_ok();
        assert_eq!(ours, v.valid, "vector {}", v.index);
        let uncached = schnorr::Verifier::new()
            .key_cache(None)
            .verify(&v.public_key, &v.message, &v.signature)
            .is_ok();
        assert_eq!(uncached, v.valid, "vector {} without the cache", v.index);
        let oracle = k256::schnorr::VerifyingKey::from_slice(&v.public_key)
            .ok()
            .zip(k256::schnorr::Signature::try_from(v.signature.as_slice()).ok())
            .is_some_and(|(key, sig)| key.verify_raw(&v.message, &sig).is_ok());
        assert_eq!(oracle, v.valid, "k256 on vector {}", v.index);
    }
}

/// A valid BIP-340 signature from k256 (independent of the engine's libsecp256k1).
fn schnorr_signed(seed: u64, message: &[u8]) -> ([u8; 32], [u8; 64]) {
    let secret: [u8; 32] = Sha256::digest(seed.to_le_bytes()).into();
    let key = k256::schnorr::SigningKey::from_slice(&secret).expect("nonzero secret");
    let signature = key.sign_raw(message, &[7; 32]).expect("signs");
    (key.verifying_key().to_bytes().into(), signature.to_bytes())
}

#[test]
fn bip340_vectors_mixed_into_random_valid_batches() {
    let Some(vectors) = bip340_vectors() else {
        return;
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(340);
    for round in 0..12 {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut messages: Vec<Vec<u8>> = Vec::new();
        let mut signatures: Vec<Vec<u8>> = Vec::new();
        let mut expected = Vec::new();
        let filler = [3usize, 40, 300][round % 3];
        for i in 0..filler {
            let message = vec![(i % 251) as u8; i % 97];
            let (key, signature) = schnorr_signed((round * 1000 + i) as u64, &message);
            keys.push(key.to_vec());
            messages.push(message);
            signatures.push(signature.to_vec());
            expected.push(true);
        }
        for v in &vectors {
            let at = rng.random_range(0..=keys.len());
            keys.insert(at, v.public_key.clone());
            messages.insert(at, v.message.clone());
            signatures.insert(at, v.signature.clone());
            expected.insert(at, v.valid);
        }
        let outcome = schnorr::verify_batch(&keys, &messages, &signatures).expect("lengths");
        assert_eq!(outcome.as_slice(), expected.as_slice(), "round {round}");
        let sequential = schnorr::Verifier::new()
            .sequential(true)
            .failure_memory(None)
            .verify_batch(&keys, &messages, &signatures)
            .expect("lengths");
        assert_eq!(sequential.as_slice(), expected.as_slice(), "round {round}");
    }
}

#[test]
fn bip340_vectors_inside_a_chunk_equation() {
    let Some(vectors) = bip340_vectors() else {
        return;
    };
    // Sequential: the first 64 items are the probe, verified singly; the vectors come after
    // them, inside a chunk checked by one equation, so the structural checks (r not below p,
    // s not below n, a key off the curve) and the bisection see them.
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    let mut expected = Vec::new();
    let mut push = |key: Vec<u8>, message: Vec<u8>, signature: Vec<u8>, valid: bool| {
        keys.push(key);
        messages.push(message);
        signatures.push(signature);
        expected.push(valid);
    };
    for i in 0..64u64 {
        let (key, signature) = schnorr_signed(5000 + i, &i.to_le_bytes());
        push(
            key.to_vec(),
            i.to_le_bytes().to_vec(),
            signature.to_vec(),
            true,
        );
    }
    for v in &vectors {
        push(
            v.public_key.clone(),
            v.message.clone(),
            v.signature.clone(),
            v.valid,
        );
    }
    for i in 0..200u64 {
        let (key, signature) = schnorr_signed(6000 + i, &i.to_be_bytes());
        push(
            key.to_vec(),
            i.to_be_bytes().to_vec(),
            signature.to_vec(),
            true,
        );
    }
    let outcome = schnorr::Verifier::new()
        .sequential(true)
        .key_cache(None)
        .failure_memory(None)
        .verify_batch(&keys, &messages, &signatures)
        .expect("lengths");
    assert_eq!(outcome.as_slice(), expected.as_slice());
}

/// Each Wycheproof ECDSA file with the rules it is written for.
const WYCHEPROOF: [(&str, ecdsa::Rules); 3] = [
    (
        "secp256k1/wycheproof_ecdsa_secp256k1_sha256_test.json",
        ecdsa::Rules::PLAIN_DER,
    ),
    (
        "secp256k1/wycheproof_ecdsa_secp256k1_sha256_bitcoin_test.json",
        ecdsa::Rules::BITCOIN,
    ),
    (
        "secp256k1/wycheproof_ecdsa_secp256k1_sha256_p1363_test.json",
        ecdsa::Rules::PLAIN_COMPACT,
    ),
];

struct EcdsaCase {
    id: u64,
    public_key: Vec<u8>,
    hash: [u8; 32],
    signature: Vec<u8>,
    valid: bool,
}

fn wycheproof_cases(file: &str) -> Option<(Vec<EcdsaCase>, usize)> {
    let json = common::read_json(file)?;
    let mut cases = Vec::new();
    let mut acceptable = 0;
    for group in json["testGroups"].as_array().expect("testGroups") {
        let public_key = common::unhex(&group["publicKey"]["uncompressed"]);
        for test in group["tests"].as_array().expect("tests") {
            let valid = match test["result"].as_str().expect("result") {
                "valid" => true,
                "invalid" => false,
                _ => {
                    acceptable += 1;
                    continue;
                }
            };
            cases.push(EcdsaCase {
                id: test["tcId"].as_u64().expect("tcId"),
                public_key: public_key.clone(),
                hash: Sha256::digest(common::unhex(&test["msg"])).into(),
                signature: common::unhex(&test["sig"]),
                valid,
            });
        }
    }
    Some((cases, acceptable))
}

#[test]
fn wycheproof_ecdsa_files_under_their_rules() {
    for (file, rules) in WYCHEPROOF {
        let Some((cases, acceptable)) = wycheproof_cases(file) else {
            return;
        };
        assert_eq!(acceptable, 0, "{file}: decide what acceptable means first");
        assert!(cases.len() > 250, "{file}: {} cases", cases.len());
        let mut verdicts = Vec::new();
        for case in &cases {
            let result = ecdsa::verify(rules, &case.public_key, &case.hash, &case.signature);
            match &result {
                Ok(()) | Err(Error::InvalidSignature) => {}
                // A compact signature of the wrong length is malformed input: invalid.
                Err(Error::Malformed { .. }) if rules == ecdsa::Rules::PLAIN_COMPACT => {}
                Err(other) => panic!("{file} case {}: unexpected {other}", case.id),
            }
            assert_eq!(result.is_ok(), case.valid, "{file} case {}", case.id);
            verdicts.push(result.is_ok());
        }
        let well_formed: Vec<&EcdsaCase> = cases
            .iter()
            .filter(|c| rules != ecdsa::Rules::PLAIN_COMPACT || c.signature.len() == 64)
            .collect();
        let keys: Vec<&[u8]> = well_formed
            .iter()
            .map(|c| c.public_key.as_slice())
            .collect();
        let hashes: Vec<&[u8]> = well_formed.iter().map(|c| c.hash.as_slice()).collect();
        let signatures: Vec<&[u8]> = well_formed.iter().map(|c| c.signature.as_slice()).collect();
        let batch = ecdsa::verify_batch(rules, &keys, &hashes, &signatures).expect("lengths");
        let expected: Vec<bool> = well_formed.iter().map(|c| c.valid).collect();
        assert_eq!(batch.as_slice(), expected.as_slice(), "{file} as one batch");
        // Every key with its table, so that every case runs on our own arithmetic (u1·G + u2·P
        // on tables, the x-coordinate compared mod n) instead of libsecp256k1's.
        let on_tables =
            ecdsa::Verifier::new(rules).key_cache(Some(Arc::new(KeyCache::new(1 << 12))));
        let with_tables = on_tables
            .prepare_keys(&keys)
            .expect("the files' keys are points");
        assert_eq!(with_tables, keys.len(), "{file}: every key has its table");
        let batch = on_tables
            .verify_batch(&keys, &hashes, &signatures)
            .expect("lengths");
        assert_eq!(batch.as_slice(), expected.as_slice(), "{file} on tables");
        for (case, &want) in well_formed.iter().zip(&expected) {
            let single = on_tables.verify(&case.public_key, &case.hash, &case.signature);
            assert_eq!(single.is_ok(), want, "{file} case {} on tables", case.id);
        }
    }
}

/// k256's verdict on a DER signature with either half of s: strict DER (its `der` decoder),
/// r and s in [1, n-1], then the low-S twin verified.
fn k256_any_s(case: &EcdsaCase) -> bool {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&case.public_key);
    let signature = k256::ecdsa::Signature::from_der(&case.signature);
    key.ok()
        .zip(signature.ok())
        .is_some_and(|(key, sig)| key.verify_prehash(&case.hash, &sig.normalize_s()).is_ok())
}

#[test]
fn bitcoin_and_der_files_under_rules_that_accept_high_s_agree_with_k256() {
    let Some((cases, _)) = wycheproof_cases(WYCHEPROOF[1].0) else {
        return;
    };
    let Some((der_cases, _)) = wycheproof_cases(WYCHEPROOF[0].0) else {
        return;
    };
    let consensus = ecdsa::Rules::Bitcoin { low_s: false };
    for case in cases.iter().chain(&der_cases) {
        let ours = ecdsa::verify(consensus, &case.public_key, &case.hash, &case.signature);
        assert_eq!(ours.is_ok(), k256_any_s(case), "case {}", case.id);
    }
    // The Bitcoin file rejects some signatures for their high S alone; consensus accepts them.
    let high_s_only = cases.iter().filter(|c| !c.valid && k256_any_s(c)).count();
    assert!(high_s_only > 0);
}

#[test]
fn go_ethereum_ecrecover_cases() {
    let Some(json) = common::read_json("secp256k1/geth_ecRecover.json") else {
        return;
    };
    let cases = json.as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let input = common::unhex(&case["Input"]);
        let expected = common::unhex(&case["Expected"]);
        let output = ecrecover_precompile(&input);
        assert_eq!(
            output.map(|o| o.to_vec()).unwrap_or_default(),
            expected,
            "{}",
            case["Name"]
        );
    }
}
