//! BLS12-381 against zkcrypto's `bls12_381`: its own field, curve, hash-to-curve and pairing
//! code, none of blst's (which both batchverify and the other BLS oracle use). Verdicts on the
//! Ethereum consensus `verify` cases and on seeded random batches with corruptions, both
//! variants, single and batch.

mod common;
#[path = "common/zkcrypto_bls.rs"]
mod zkcrypto_bls;

use batchverify::bls::{Scheme, SecretKey, Variant, Verifier};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[test]
fn ethereum_verify_cases_agree_with_zkcrypto() {
    let Some(dir) = common::vectors_dir() else {
        return;
    };
    let dir = dir.join("eth-bls12-381-tests-v0.1.2").join("verify");
    let bls = Verifier::ethereum();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let input = &case["input"];
        let (key, message, signature) = (
            common::unhex(&input["pubkey"]),
            common::unhex(&input["message"]),
            common::unhex(&input["signature"]),
        );
        let expected = case["output"].as_bool().unwrap();
        let independent =
            zkcrypto_bls::verdict(Variant::MinPk, bls.dst(), &key, &message, &signature);
        assert_eq!(independent, expected, "zkcrypto on {}", path.display());
        assert_eq!(
            bls.verify(&key, &message, &signature).is_ok(),
            expected,
            "{}",
            path.display()
        );
        count += 1;
    }
    assert_eq!(count, 29);
}

#[test]
fn corrupted_batches_agree_with_zkcrypto() {
    let mut rng = StdRng::seed_from_u64(0xb15);
    for variant in [Variant::MinPk, Variant::MinSig] {
        let bls = Verifier::new(variant, Scheme::ProofOfPossession).key_cache(None);
        let secrets: Vec<SecretKey> = (0..8)
            .map(|_| SecretKey::key_gen(&rng.random::<[u8; 32]>()).unwrap())
            .collect();
        let size = 48;
        let mut keys = Vec::new();
        let mut messages = Vec::new();
        let mut signatures = Vec::new();
        for i in 0..size {
            let signer = &secrets[rng.random_range(0..secrets.len())];
            let message: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
            let mut signature = bls.sign(signer, &message);
            let mut key = bls.public_key(signer);
            let mut message = message;
            match i % 6 {
                1 => {
                    let at = rng.random_range(0..signature.len());
                    signature[at] ^= 1 << rng.random_range(0..8);
                }
                3 => message.push(0),
                5 => key = bls.public_key(&secrets[(i + 1) % secrets.len()]),
                _ => {}
            }
            keys.push(key);
            messages.push(message);
            signatures.push(signature);
        }
        let independent: Vec<bool> = (0..size)
            .map(|i| {
                zkcrypto_bls::verdict(variant, bls.dst(), &keys[i], &messages[i], &signatures[i])
            })
            .collect();
        assert!(independent.iter().filter(|&&v| v).count() >= size / 2);
        assert!(independent.iter().any(|&v| !v));
        let outcome = bls.verify_batch(&keys, &messages, &signatures).unwrap();
        assert_eq!(outcome.as_slice(), &independent[..], "{variant:?} batch");
        for i in 0..size {
            assert_eq!(
                bls.verify(&keys[i], &messages[i], &signatures[i]).is_ok(),
                independent[i],
                "{variant:?} item {i}"
            );
        }
    }
}
