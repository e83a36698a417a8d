//! BLS12-381: every Ethereum `bls12-381-tests` v0.1.2 case, the RFC 9380 hash-to-curve vectors,
//! both variants and all schemes round-tripping, and batch == single on random corruptions.

mod common;

use batchverify::bls::{self, Encoding, Scheme, SecretKey, SignatureSet, Variant, Verifier};
use batchverify::{Error, Field};
use common::unhex;
use proptest::prelude::*;

fn unhex_list(value: &serde_json::Value) -> Vec<Vec<u8>> {
    value.as_array().expect("list").iter().map(unhex).collect()
}

/// Every case file of one handler, as (file name, input, output).
fn eth_cases(handler: &str) -> Option<Vec<(String, serde_json::Value, serde_json::Value)>> {
    let dir = common::vectors_dir()?
        .join("eth-bls12-381-tests-v0.1.2")
        .join(handler);
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let case: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        cases.push((name, case["input"].clone(), case["output"].clone()));
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    Some(cases)
}

/// Runs `check` on every case of `handler` and returns how many there were.
fn run_eth(handler: &str, check: impl Fn(&str, &serde_json::Value, &serde_json::Value)) -> usize {
    let Some(cases) = eth_cases(handler) else {
        return 0;
    };
    for (name, input, output) in &cases {
        check(name, input, output);
    }
    cases.len()
}

#[test]
fn ethereum_consensus_tests_all_98_cases() {
    if common::vectors_dir().is_none() {
        return;
    }
    let bls = Verifier::ethereum();
    let mut total = 0;
    total += run_eth("sign", |name, input, output| {
        let secret = SecretKey::from_bytes(&unhex(&input["privkey"]));
        match (secret, output.is_null()) {
            (Ok(secret), false) => assert_eq!(
                bls.sign(&secret, &unhex(&input["message"])),
                unhex(output),
                "{name}"
            ),
            (Err(_), true) => {}
            (secret, _) => panic!("{name}: {secret:?} against {output}"),
        }
    });
    total += run_eth("verify", |name, input, output| {
        let result = bls.verify(
            &unhex(&input["pubkey"]),
            &unhex(&input["message"]),
            &unhex(&input["signature"]),
        );
        assert_eq!(
            result.is_ok(),
            output.as_bool().unwrap(),
            "{name}: {result:?}"
        );
    });
    total += run_eth("aggregate", |name, input, output| {
        let result = bls.aggregate_signatures(&unhex_list(input));
        match result {
            Ok(aggregate) => assert_eq!(aggregate, unhex(output), "{name}"),
            Err(error) => assert!(output.is_null(), "{name}: {error}"),
        }
    });
    total += run_eth("aggregate_verify", |name, input, output| {
        let result = bls.aggregate_verify(
            &unhex_list(&input["pubkeys"]),
            &unhex_list(&input["messages"]),
            &unhex(&input["signature"]),
        );
        assert_eq!(
            result.is_ok(),
            output.as_bool().unwrap(),
            "{name}: {result:?}"
        );
    });
    total += run_eth("fast_aggregate_verify", |name, input, output| {
        let result = bls.fast_aggregate_verify(
            &unhex_list(&input["pubkeys"]),
            &unhex(&input["message"]),
            &unhex(&input["signature"]),
        );
        assert_eq!(
            result.is_ok(),
            output.as_bool().unwrap(),
            "{name}: {result:?}"
        );
    });
    total += run_eth("batch_verify", |name, input, output| {
        let keys = unhex_list(&input["pubkeys"]);
        let messages = unhex_list(&input["messages"]);
        let signatures = unhex_list(&input["signatures"]);
        let outcome = bls.verify_batch(&keys, &messages, &signatures).unwrap();
        assert_eq!(outcome.all_valid(), output.as_bool().unwrap(), "{name}");
        for i in 0..keys.len() {
            let single = bls.verify(&keys[i], &messages[i], &signatures[i]).is_ok();
            assert_eq!(outcome.is_valid(i), Some(single), "{name}, set {i}");
        }
    });
    total += run_eth("deserialization_G1", |name, input, output| {
        let result = bls.deserialize_public_key(&unhex(&input["pubkey"]));
        assert_eq!(
            result.is_ok(),
            output.as_bool().unwrap(),
            "{name}: {result:?}"
        );
    });
    total += run_eth("deserialization_G2", |name, input, output| {
        let result = bls.deserialize_signature(&unhex(&input["signature"]));
        assert_eq!(
            result.is_ok(),
            output.as_bool().unwrap(),
            "{name}: {result:?}"
        );
    });
    total += run_eth("hash_to_G2", |name, input, output| {
        let point = bls::hash_to_g2(
            input["msg"].as_str().unwrap().as_bytes(),
            b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_",
            Encoding::RandomOracle,
        );
        assert_eq!(
            point.to_vec(),
            g2_coordinates(&output["x"], &output["y"]),
            "{name}"
        );
    });
    assert_eq!(total, 98);
}

/// "c0,c1" hex coordinates in blst's uncompressed order: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0.
fn g2_coordinates(x: &serde_json::Value, y: &serde_json::Value) -> Vec<u8> {
    let mut bytes = Vec::new();
    for coordinate in [x, y] {
        let parts: Vec<&str> = coordinate.as_str().unwrap().split(',').collect();
        for part in [parts[1], parts[0]] {
            bytes.extend(unhex(&serde_json::Value::from(part)));
        }
    }
    bytes
}

#[test]
fn rfc9380_hash_to_curve_vectors() {
    let Some(dir) = common::vectors_dir() else {
        return;
    };
    let mut checked = 0;
    for suite in [
        "BLS12381G1_XMD_SHA-256_SSWU_RO_",
        "BLS12381G1_XMD_SHA-256_SSWU_NU_",
        "BLS12381G2_XMD_SHA-256_SSWU_RO_",
        "BLS12381G2_XMD_SHA-256_SSWU_NU_",
    ] {
        let path = dir.join("hash-to-curve").join(format!("{suite}.json"));
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let dst = file["dst"].as_str().unwrap().as_bytes();
        let encoding = if suite.ends_with("_RO_") {
            Encoding::RandomOracle
        } else {
            Encoding::NonUniform
        };
        for vector in file["vectors"].as_array().unwrap() {
            let msg = vector["msg"].as_str().unwrap().as_bytes();
            let (x, y) = (&vector["P"]["x"], &vector["P"]["y"]);
            if suite.starts_with("BLS12381G1") {
                let mut want = unhex(x);
                want.extend(unhex(y));
                assert_eq!(
                    bls::hash_to_g1(msg, dst, encoding).to_vec(),
                    want,
                    "{suite}"
                );
            } else {
                let want = g2_coordinates(x, y);
                assert_eq!(
                    bls::hash_to_g2(msg, dst, encoding).to_vec(),
                    want,
                    "{suite}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 20);
}

fn every_suite() -> Vec<Verifier> {
    let mut suites = Vec::new();
    for variant in [Variant::MinPk, Variant::MinSig] {
        for scheme in [
            Scheme::Basic,
            Scheme::MessageAugmentation,
            Scheme::ProofOfPossession,
        ] {
            suites.push(Verifier::new(variant, scheme));
        }
    }
    suites
}

fn secret(seed: u8) -> SecretKey {
    SecretKey::key_gen(&[seed; 32]).unwrap()
}

#[test]
fn every_variant_and_scheme_signs_verifies_and_aggregates() {
    for bls in every_suite() {
        let label = format!("{:?} {:?}", bls.variant(), bls.scheme());
        let secrets: Vec<SecretKey> = (1..=4).map(secret).collect();
        let keys: Vec<Vec<u8>> = secrets.iter().map(|s| bls.public_key(s)).collect();
        assert!(keys.iter().all(|k| k.len() == bls.public_key_len()));
        let messages: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 10]).collect();
        let signatures: Vec<Vec<u8>> = secrets
            .iter()
            .zip(&messages)
            .map(|(s, m)| bls.sign(s, m))
            .collect();
        assert!(signatures.iter().all(|s| s.len() == bls.signature_len()));
        for i in 0..4 {
            assert_eq!(
                bls.verify(&keys[i], &messages[i], &signatures[i]),
                Ok(()),
                "{label}"
            );
            assert_eq!(
                bls.verify(&keys[i], b"other", &signatures[i]),
                Err(Error::InvalidSignature),
                "{label}"
            );
        }
        let aggregate = bls.aggregate_signatures(&signatures).unwrap();
        assert_eq!(
            bls.aggregate_verify(&keys, &messages, &aggregate),
            Ok(()),
            "{label}"
        );
        let mut swapped = messages.clone();
        swapped.swap(0, 1);
        assert_eq!(
            bls.aggregate_verify(&keys, &swapped, &aggregate),
            Err(Error::InvalidSignature)
        );
        let same: Vec<Vec<u8>> = secrets.iter().map(|s| bls.sign(s, b"vote")).collect();
        let same_aggregate = bls.aggregate_signatures(&same).unwrap();
        let votes = vec![b"vote".to_vec(); 4];
        match bls.scheme() {
            Scheme::Basic => {
                assert_eq!(
                    bls.aggregate_verify(&keys, &votes, &same_aggregate),
                    Err(Error::DuplicateMessage { index: 1 })
                );
                assert!(matches!(
                    bls.fast_aggregate_verify(&keys, b"vote", &same_aggregate),
                    Err(Error::UnsupportedByScheme { .. })
                ));
            }
            Scheme::MessageAugmentation => {
                assert_eq!(bls.aggregate_verify(&keys, &votes, &same_aggregate), Ok(()));
            }
            Scheme::ProofOfPossession => {
                assert_eq!(bls.aggregate_verify(&keys, &votes, &same_aggregate), Ok(()));
                assert_eq!(
                    bls.fast_aggregate_verify(&keys, b"vote", &same_aggregate),
                    Ok(())
                );
                let aggregate_key = bls.aggregate_public_keys(&keys).unwrap();
                assert_eq!(bls.verify(&aggregate_key, b"vote", &same_aggregate), Ok(()));
            }
        }
        let other_dst = bls.clone().with_dst(b"MY-APP-V1");
        assert_eq!(
            other_dst.verify(&keys[0], &messages[0], &signatures[0]),
            Err(Error::InvalidSignature),
            "{label}: the tag is bound into the signature"
        );
        let mine = other_dst.sign(&secrets[0], &messages[0]);
        assert_eq!(other_dst.verify(&keys[0], &messages[0], &mine), Ok(()));
    }
}

#[test]
fn bad_input_names_the_item_and_field() {
    let bls = Verifier::ethereum();
    let key = bls.public_key(&secret(1));
    let signature = bls.sign(&secret(1), b"m");
    assert_eq!(
        bls.verify_batch(
            &[&key[..], &key[..47]],
            &[b"m", b"m"],
            &[&signature, &signature]
        ),
        Err(Error::Malformed {
            index: 1,
            field: Field::PublicKey,
            expected_len: 48,
            actual_len: 47
        })
    );
    assert_eq!(
        bls.verify_batch(&[&key], &[b"m", b"n"], &[&signature]),
        Err(Error::CountMismatch {
            field: Field::Message,
            expected: 1,
            actual: 2
        })
    );
    let mut off_curve = key.clone();
    off_curve[47] ^= 1;
    assert!(matches!(
        bls.verify(&off_curve, b"m", &signature),
        Err(Error::InvalidPoint {
            index: 0,
            field: Field::PublicKey,
            ..
        })
    ));
    let mut identity = vec![0u8; 48];
    identity[0] = 0xc0;
    assert!(matches!(
        bls.validate_public_key(&identity),
        Err(Error::InvalidPoint { reason, .. }) if reason.contains("infinity")
    ));
    assert_eq!(bls.deserialize_public_key(&identity), Ok(()));
    assert!(matches!(
        SecretKey::from_bytes(&[0; 32]),
        Err(Error::InvalidPoint {
            field: Field::SecretKey,
            ..
        })
    ));
    assert!(matches!(
        SecretKey::key_gen(&[1; 31]),
        Err(Error::Malformed {
            field: Field::SecretKey,
            ..
        })
    ));
    assert_eq!(
        bls.aggregate_signatures::<&[u8]>(&[]),
        Err(Error::EmptyInput {
            field: Field::Signature
        })
    );
}

/// Signature sets: each one's keys, message and (aggregate) signature.
struct Fixture {
    keys: Vec<Vec<Vec<u8>>>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<Vec<u8>>,
    /// The sets the corruptions changed, ascending.
    corrupted: Vec<usize>,
}

/// A batch of `n` sets over `distinct` messages, each set signed by `signers` keys, with the
/// sets listed in `corrupt` damaged in one of several ways.
fn batch_fixture(
    bls: &Verifier,
    n: usize,
    distinct: usize,
    signers: usize,
    corrupt: &[(usize, u8)],
) -> Fixture {
    let mut keys = Vec::new();
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    for i in 0..n {
        let message = format!("slot {}", i % distinct).into_bytes();
        let secrets: Vec<SecretKey> = (0..signers)
            .map(|j| secret((i * signers + j) as u8))
            .collect();
        let set_keys: Vec<Vec<u8>> = secrets.iter().map(|s| bls.public_key(s)).collect();
        let parts: Vec<Vec<u8>> = secrets.iter().map(|s| bls.sign(s, &message)).collect();
        keys.push(set_keys);
        signatures.push(bls.aggregate_signatures(&parts).unwrap());
        messages.push(message);
    }
    let honest = (keys.clone(), messages.clone(), signatures.clone());
    for &(index, kind) in corrupt {
        let index = index % n;
        match kind % 4 {
            0 => messages[index].push(b'!'),
            1 => signatures[index] = signatures[(index + 1) % n].clone(),
            2 => keys[index][0] = bls.public_key(&secret(250)),
            _ => {
                // Not a point: the verdict is false, as single verification says.
                signatures[index][5] ^= 0x40;
            }
        }
    }
    // A later corruption can undo an earlier one (the same bit flipped twice, a signature
    // copied back), so what counts is what differs at the end.
    let corrupted = (0..n)
        .filter(|&i| {
            keys[i] != honest.0[i] || messages[i] != honest.1[i] || signatures[i] != honest.2[i]
        })
        .collect();
    Fixture {
        keys,
        messages,
        signatures,
        corrupted,
    }
}

fn verdicts(bls: &Verifier, fixture: &Fixture) -> Vec<bool> {
    let Fixture {
        keys,
        messages,
        signatures,
        ..
    } = fixture;
    let key_refs: Vec<Vec<&[u8]>> = keys
        .iter()
        .map(|set| set.iter().map(Vec::as_slice).collect())
        .collect();
    let sets: Vec<SignatureSet<'_>> = key_refs
        .iter()
        .zip(messages)
        .zip(signatures)
        .map(|((public_keys, message), signature)| SignatureSet {
            public_keys,
            message,
            signature,
        })
        .collect();
    bls.verify_sets(&sets).unwrap().into_vec()
}

fn single_verdicts(bls: &Verifier, fixture: &Fixture) -> Vec<bool> {
    (0..fixture.keys.len())
        .map(|i| {
            common::oracles::blst_oracle(
                bls,
                &fixture.keys[i],
                &fixture.messages[i],
                &fixture.signatures[i],
            )
        })
        .collect()
}

fn invalid(verdicts: &[bool]) -> Vec<usize> {
    (0..verdicts.len()).filter(|&i| !verdicts[i]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn batch_verdicts_equal_single_verdicts(
        n in 1usize..24,
        distinct in 1usize..6,
        signers in 1usize..3,
        corrupt in proptest::collection::vec((0usize..24, 0u8..4), 0..4),
        min_sig in any::<bool>(),
    ) {
        let variant = if min_sig { Variant::MinSig } else { Variant::MinPk };
        let bls = Verifier::new(variant, Scheme::ProofOfPossession);
        let fixture = batch_fixture(&bls, n, distinct, signers, &corrupt);
        let single = single_verdicts(&bls, &fixture);
        prop_assert_eq!(invalid(&single), fixture.corrupted.clone());
        prop_assert_eq!(&verdicts(&bls, &fixture), &single);
        prop_assert_eq!(&verdicts(&bls.clone().sequential(true), &fixture), &single);
        let uncached = bls.clone().key_cache(None);
        prop_assert_eq!(&verdicts(&uncached, &fixture), &single);
    }
}

#[test]
fn grouping_by_message_gives_the_verdicts_of_distinct_messages() {
    let bls = Verifier::ethereum();
    // Every set signs one of three messages; the same sets with each message made unique
    // (no grouping possible) must get the same verdicts, corruptions included.
    let corrupt = [(3, 0), (7, 1), (8, 2), (15, 3)];
    let fixture = batch_fixture(&bls, 20, 3, 1, &corrupt);
    let grouped = verdicts(&bls, &fixture);
    assert_eq!(grouped, single_verdicts(&bls, &fixture));
    assert_eq!(invalid(&grouped), [3, 7, 8, 15]);
    let ungrouped = verdicts(&bls, &batch_fixture(&bls, 20, 20, 1, &corrupt));
    assert_eq!(grouped, ungrouped);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let bls = Verifier::new(Variant::MinSig, Scheme::ProofOfPossession);
    let fixture = batch_fixture(&bls, 40, 5, 2, &[(5, 1), (33, 2)]);
    let want = single_verdicts(&bls, &fixture);
    assert_eq!(invalid(&want), [5, 33]);
    for threads in [1, 2, 3, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| verdicts(&bls, &fixture));
        assert_eq!(got, want, "{threads} threads");
    }
}

#[test]
fn augmented_and_basic_batches() {
    for scheme in [Scheme::Basic, Scheme::MessageAugmentation] {
        let bls = Verifier::new(Variant::MinPk, scheme);
        let fixture = batch_fixture(&bls, 12, 4, 1, &[(2, 0), (9, 2)]);
        let Fixture {
            keys,
            messages,
            signatures,
            ..
        } = &fixture;
        let flat: Vec<&[u8]> = keys.iter().map(|set| set[0].as_slice()).collect();
        let outcome = bls.verify_batch(&flat, messages, signatures).unwrap();
        let single = single_verdicts(&bls, &fixture);
        assert_eq!(outcome.into_vec(), single, "{scheme:?}");
        assert_eq!(invalid(&single), [2, 9]);
        let two_keys: Vec<&[u8]> = vec![flat[0], flat[1]];
        let set = SignatureSet {
            public_keys: &two_keys,
            message: &messages[0],
            signature: &signatures[0],
        };
        assert!(matches!(
            bls.verify_sets(&[set]),
            Err(Error::UnsupportedByScheme { .. })
        ));
    }
}
