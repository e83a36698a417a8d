//! Ed25519 against an implementation that shares no arithmetic with batchverify: ed25519-compact
//! (its own field, point and scalar code, a port of libsodium's), where the other oracles
//! (ed25519-dalek, ed25519-consensus) build on the same curve25519-dalek as we do.
//!
//! ed25519-compact's rule is neither policy: it rejects S >= L, keys it counts as weak (the
//! identity among them) and key and R encodings its decoder refuses (non-canonical ones), and
//! accepts when `[S]B - [k]A - R` has small order (cofactored, as ZIP-215). So on every input:
//! - a `Strict`-valid signature is valid to it (canonical, no small-order point, exact equation);
//! - a signature valid to it is `Zip215`-valid (the same equation, stricter decoding);
//!
//! and where the rules differ the verdicts may too. On CCTV's 914 edge cases, for example,
//! `Zip215` accepts 720 that it refuses (300 weak keys, 226 keys and 194 R it does not decode),
//! and it accepts 63 that `Strict` refuses (small-order points, torsioned equations). Those
//! counts per corpus are pinned below, so a change on either side shows. On honest signatures
//! with random corruptions, where no rule difference arises, all three verdicts (and the
//! batches') are equal.

mod common;

use batchverify::ed25519::{Policy, Verifier};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

struct Case {
    public_key: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
}

fn compact_verdict(case: &Case) -> bool {
    let (Ok(key), Ok(signature)) = (
        ed25519_compact::PublicKey::from_slice(&case.public_key),
        ed25519_compact::Signature::from_slice(&case.signature),
    ) else {
        return false;
    };
    key.verify(&case.message, &signature).is_ok()
}

fn single(policy: Policy, case: &Case) -> bool {
    Verifier::new(policy)
        .key_cache(None)
        .verify(&case.public_key, &case.message, &case.signature)
        .is_ok()
}

fn batch(policy: Policy, cases: &[Case]) -> Vec<bool> {
    let well_formed = |c: &Case| c.public_key.len() == 32 && c.signature.len() == 64;
    let kept: Vec<&Case> = cases.iter().filter(|c| well_formed(c)).collect();
    let keys: Vec<&[u8]> = kept.iter().map(|c| c.public_key.as_slice()).collect();
    let messages: Vec<&[u8]> = kept.iter().map(|c| c.message.as_slice()).collect();
    let signatures: Vec<&[u8]> = kept.iter().map(|c| c.signature.as_slice()).collect();
    let outcome = Verifier::new(policy)
        .failure_memory(None)
        .verify_batch(&keys, &messages, &signatures)
        .expect("well-formed");
    let mut verdicts = outcome.as_slice().iter();
    cases
        .iter()
        .map(|c| well_formed(c) && *verdicts.next().unwrap())
        .collect()
}

/// Checks the two implications on every case, single and batch, and returns how many cases
/// `Zip215` accepts that ed25519-compact does not, and how many ed25519-compact accepts that
/// `Strict` does not.
fn disagreements(corpus: &str, cases: &[Case]) -> (usize, usize) {
    let zip215 = batch(Policy::Zip215, cases);
    let strict = batch(Policy::Strict, cases);
    let (mut zip215_only, mut compact_only) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let compact = compact_verdict(case);
        assert_eq!(zip215[i], single(Policy::Zip215, case), "{corpus} {i}");
        assert_eq!(strict[i], single(Policy::Strict, case), "{corpus} {i}");
        assert!(
            !strict[i] || compact,
            "{corpus} {i}: Strict-valid, compact-invalid"
        );
        assert!(
            !compact || zip215[i],
            "{corpus} {i}: compact-valid, Zip215-invalid"
        );
        zip215_only += usize::from(zip215[i] && !compact);
        compact_only += usize::from(compact && !strict[i]);
    }
    (zip215_only, compact_only)
}

fn cases_from(json: &serde_json::Value, key: &str, message: &str, signature: &str) -> Vec<Case> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|case| Case {
            public_key: common::unhex(&case[key]),
            message: match &case[message] {
                serde_json::Value::String(text) if message == "msg" => text.as_bytes().to_vec(),
                other => common::unhex(other),
            },
            signature: common::unhex(&case[signature]),
        })
        .collect()
}

#[test]
fn corpora_keep_to_the_rule_differences() {
    let mut counts = Vec::new();
    if let Some(json) = common::read_json("cctv-ed25519/ed25519vectors.json") {
        counts.push((
            "cctv",
            disagreements("cctv", &cases_from(&json, "key", "msg", "sig")),
        ));
    }
    if let Some(json) = common::read_json("ed25519-speccheck/cases.json") {
        let cases = cases_from(&json, "pub_key", "message", "signature");
        counts.push(("speccheck", disagreements("speccheck", &cases)));
    }
    if let Some(json) = common::read_json("zip215/zip215.json") {
        let cases: Vec<Case> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|case| Case {
                public_key: common::unhex(&case["vk_bytes"]),
                message: b"Zcash".to_vec(),
                signature: common::unhex(&case["sig_bytes"]),
            })
            .collect();
        counts.push(("zip215", disagreements("zip215", &cases)));
    }
    if let Some(json) = common::read_json("wycheproof/ed25519_test.json") {
        let mut cases = Vec::new();
        for group in json["testGroups"].as_array().unwrap() {
            let public_key = common::unhex(&group["publicKey"]["pk"]);
            for test in group["tests"].as_array().unwrap() {
                cases.push(Case {
                    public_key: public_key.clone(),
                    message: common::unhex(&test["msg"]),
                    signature: common::unhex(&test["sig"]),
                });
            }
        }
        counts.push(("wycheproof", disagreements("wycheproof", &cases)));
    }
    if counts.is_empty() {
        return;
    }
    eprintln!("(Zip215 only, compact but not Strict) per corpus: {counts:?}");
    assert_eq!(counts, EXPECTED_DISAGREEMENTS);
}

/// Measured and pinned; every count is a rule difference named in the module doc (Wycheproof's
/// one is tcId 151, R the "x = -0" encoding of the identity, which ZIP-215 accepts).
const EXPECTED_DISAGREEMENTS: &[(&str, (usize, usize))] = &[
    ("cctv", (720, 63)),
    ("speccheck", (6, 2)),
    ("zip215", (196, 0)),
    ("wycheproof", (1, 0)),
];

#[test]
fn corrupted_honest_signatures_agree_exactly() {
    let mut rng = StdRng::seed_from_u64(0x0ac1e);
    let signers: Vec<ed25519_dalek::SigningKey> = (0..40)
        .map(|_| ed25519_dalek::SigningKey::from_bytes(&rng.random()))
        .collect();
    for round in 0..6 {
        let size = [1, 2, 63, 64, 65, 700][round];
        let mut cases: Vec<Case> = (0..size)
            .map(|i| {
                let key = &signers[rng.random_range(0..signers.len())];
                let message: Vec<u8> = (0..rng.random_range(0..80)).map(|_| rng.random()).collect();
                let signature = ed25519_dalek::Signer::sign(key, &message)
                    .to_bytes()
                    .to_vec();
                let mut case = Case {
                    public_key: key.verifying_key().to_bytes().to_vec(),
                    message,
                    signature,
                };
                if (i + round) % 7 == 3 {
                    let field = match rng.random_range(0..3) {
                        0 => &mut case.public_key,
                        1 => &mut case.signature,
                        _ => &mut case.message,
                    };
                    if !field.is_empty() {
                        let at = rng.random_range(0..field.len());
                        field[at] ^= 1 << rng.random_range(0..8);
                    }
                }
                case
            })
            .collect();
        cases.shuffle(&mut rng);
        let compact: Vec<bool> = cases.iter().map(compact_verdict).collect();
        assert!(compact.iter().any(|&v| v) || size < 3);
        assert_eq!(
            batch(Policy::Zip215, &cases),
            compact,
            "Zip215, {size} items"
        );
        assert_eq!(
            batch(Policy::Strict, &cases),
            compact,
            "Strict, {size} items"
        );
    }
}
