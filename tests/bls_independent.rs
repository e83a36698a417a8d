//! BLS12-381 against zkcrypto's `bls12_381`: its own field, curve, hash-to-curve and pairing
//! code, none of blst's (which both batchverify and the other BLS oracle use). Verdicts on the
//! Ethereum consensus `verify` cases and on seeded random batches with corruptions, both
//! variants, single and batch.

mod common;

use batchverify::bls::{Scheme, SecretKey, Variant, Verifier};
use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{pairing, G1Affine, G1Projective, G2Affine, G2Projective};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

type Expander = ExpandMsgXmd<sha2_09::Sha256>;

/// `e(pk, H(m)) == e(g1, sig)` for min-pk, `e(H(m), pk) == e(sig, g2)` for min-sig, after
/// decoding both points with their subgroup checks and refusing the identity key (KeyValidate).
fn zkcrypto_verdict(variant: Variant, dst: &[u8], key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    fn point<T, const N: usize>(
        bytes: &[u8],
        decode: fn(&[u8; N]) -> subtle::CtOption<T>,
    ) -> Option<T> {
        Option::from(decode(bytes.try_into().ok()?))
    }
    match variant {
        Variant::MinPk => {
            let (Some(key), Some(sig)) = (
                point(key, G1Affine::from_compressed),
                point(sig, G2Affine::from_compressed),
            ) else {
                return false;
            };
            let hashed = <G2Projective as HashToCurve<Expander>>::hash_to_curve(message, dst);
            !bool::from(key.is_identity())
                && pairing(&key, &G2Affine::from(hashed)) == pairing(&G1Affine::generator(), &sig)
        }
        Variant::MinSig => {
            let (Some(key), Some(sig)) = (
                point(key, G2Affine::from_compressed),
                point(sig, G1Affine::from_compressed),
            ) else {
                return false;
            };
            let hashed = <G1Projective as HashToCurve<Expander>>::hash_to_curve(message, dst);
            !bool::from(key.is_identity())
                && pairing(&G1Affine::from(hashed), &key) == pairing(&sig, &G2Affine::generator())
        }
    }
}

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
        let independent = zkcrypto_verdict(Variant::MinPk, bls.dst(), &key, &message, &signature);
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
            .map(|i| zkcrypto_verdict(variant, bls.dst(), &keys[i], &messages[i], &signatures[i]))
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
