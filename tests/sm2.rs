//! SM2 signatures: the standard's example (ZA, e and the verdict), OpenSSL's 320 judged cases
//! single and in random batches, signatures made here by RustCrypto's `sm2` with random
//! corruptions (verdict by verdict against its own verifier), batch == single under every
//! thread count and cache setting, and malformed input.

mod common;

use std::sync::Arc;

use ::sm2::dsa::signature::{Signer as _, Verifier as _};
use batchverify::sm2::{self, Encoding, Verifier};
use batchverify::{Error, Field, KeyCache};
use rand::{RngExt, SeedableRng};

struct Case {
    public_key: Vec<u8>,
    id: Vec<u8>,
    message: Vec<u8>,
    der: Vec<u8>,
    compact: Vec<u8>,
    valid: bool,
}

fn openssl_cases() -> Option<Vec<Case>> {
    let text = common::read_text("sm2-sm3/sm2_openssl.jsonl")?;
    Some(
        text.lines()
            .map(|line| {
                let case: serde_json::Value = serde_json::from_str(line).expect("json line");
                Case {
                    public_key: common::unhex(&case["public_key"]),
                    id: common::unhex(&case["id"]),
                    message: common::unhex(&case["message"]),
                    der: common::unhex(&case["signature_der"]),
                    compact: [common::unhex(&case["r"]), common::unhex(&case["s"])].concat(),
                    valid: case["valid"].as_bool().expect("verdict"),
                }
            })
            .collect(),
    )
}

/// Verifiers that must agree on everything: with and without a key cache, in parallel and on
/// one thread.
fn verifiers() -> Vec<Verifier> {
    vec![
        Verifier::new(),
        Verifier::new().key_cache(None),
        Verifier::new()
            .key_cache(Some(Arc::new(KeyCache::new(4))))
            .sequential(true),
    ]
}

#[test]
fn the_standard_example_gives_its_za_e_and_verdict() {
    let Some(standard) = common::read_json("sm2-sm3/standard.json") else {
        return;
    };
    let example = &standard["sm2_sign"][0];
    let key = [
        vec![0x04],
        common::unhex(&example["public_key_x"]),
        common::unhex(&example["public_key_y"]),
    ]
    .concat();
    let id = example["id_ascii"].as_str().unwrap().as_bytes();
    let message = example["message_ascii"].as_str().unwrap().as_bytes();
    let za = sm2::za(&key, id).expect("a valid key");
    assert_eq!(za.to_vec(), common::unhex(&example["za"]));
    let e = batchverify::sm3::hash(&[&za[..], message].concat());
    assert_eq!(e.to_vec(), common::unhex(&example["e"]));
    let signature = [common::unhex(&example["r"]), common::unhex(&example["s"])].concat();
    let mut compressed = vec![0x02 | (key[64] & 1)];
    compressed.extend_from_slice(&key[1..33]);
    for verifier in verifiers() {
        for public_key in [&key, &compressed] {
            assert_eq!(
                verifier.verify_with_id(public_key, id, message, &signature),
                Ok(())
            );
            assert_eq!(
                verifier.verify_prehashed(public_key, &e, &signature),
                Ok(())
            );
            assert_eq!(
                verifier.verify_with_id(public_key, b"1234567812345679", message, &signature),
                Err(Error::InvalidSignature)
            );
        }
    }
    assert_eq!(id, sm2::DEFAULT_ID);
    assert_eq!(sm2::verify(&key, message, &signature), Ok(()));
}

#[test]
fn openssl_cases_single_in_both_encodings() {
    let Some(cases) = openssl_cases() else {
        return;
    };
    assert_eq!(cases.len(), 320);
    assert_eq!(cases.iter().filter(|c| c.valid).count(), 240);
    for verifier in verifiers() {
        for (i, case) in cases.iter().enumerate() {
            for (signature, encoding) in [
                (&case.der, Encoding::Der),
                (&case.compact, Encoding::Compact),
            ] {
                for verifier in [verifier.clone(), verifier.clone().encoding(encoding)] {
                    let verdict = verifier.verify_with_id(
                        &case.public_key,
                        &case.id,
                        &case.message,
                        signature,
                    );
                    assert_eq!(verdict.is_ok(), case.valid, "case {i}, {encoding:?}");
                }
            }
        }
    }
}

#[test]
fn openssl_cases_in_random_batches() {
    let Some(cases) = openssl_cases() else {
        return;
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5302_0320);
    for round in 0..30 {
        let len = match round {
            0 => 0,
            1 => 1,
            2 => 320,
            _ => rng.random_range(2..700),
        };
        let picked: Vec<&Case> = (0..len)
            .map(|_| &cases[rng.random_range(0..cases.len())])
            .collect();
        let keys: Vec<&[u8]> = picked.iter().map(|c| &c.public_key[..]).collect();
        let ids: Vec<&[u8]> = picked.iter().map(|c| &c.id[..]).collect();
        let messages: Vec<&[u8]> = picked.iter().map(|c| &c.message[..]).collect();
        let signatures: Vec<&[u8]> = picked
            .iter()
            .map(|c| {
                if rng.random() {
                    &c.der[..]
                } else {
                    &c.compact[..]
                }
            })
            .collect();
        let want: Vec<bool> = picked.iter().map(|c| c.valid).collect();
        for verifier in verifiers() {
            let outcome = verifier
                .verify_batch_with_ids(&keys, &ids, &messages, &signatures)
                .expect("well-formed batch");
            assert_eq!(outcome.as_slice(), &want[..], "round {round}");
        }
    }
}

/// A signature made by RustCrypto's signer, with its key, ID and message.
struct Signed {
    public_key: Vec<u8>,
    id: String,
    message: Vec<u8>,
    signature: Vec<u8>,
}

fn sign_many(count: usize, signers: usize, rng: &mut impl rand::Rng) -> Vec<Signed> {
    let ids = ["1234567812345678", "ALICE123@YAHOO.COM", "org1.peer0", ""];
    let keys: Vec<(::sm2::dsa::SigningKey, &str)> = (0..signers)
        .map(|i| {
            let secret = loop {
                let bytes: [u8; 32] = rng.random();
                if let Ok(secret) = ::sm2::SecretKey::from_slice(&bytes) {
                    break secret;
                }
            };
            let id = ids[i % ids.len()];
            (
                ::sm2::dsa::SigningKey::new(id, &secret).expect("signing key"),
                id,
            )
        })
        .collect();
    (0..count)
        .map(|i| {
            let (key, id) = &keys[i % signers];
            let length = rng.random_range(0..300);
            let message: Vec<u8> = (0..length).map(|_| rng.random()).collect();
            let signature: ::sm2::dsa::Signature = key.sign(&message);
            let public_key = key.verifying_key().to_sec1_bytes().to_vec();
            let signature = if i % 2 == 0 {
                signature.to_bytes().to_vec()
            } else {
                signature.to_der().to_bytes().to_vec()
            };
            Signed {
                public_key,
                id: id.to_string(),
                message,
                signature,
            }
        })
        .collect()
}

/// RustCrypto's verdict, the oracle.
fn oracle(item: &Signed) -> bool {
    let Ok(key) = ::sm2::dsa::VerifyingKey::from_sec1_bytes(&item.id, &item.public_key) else {
        return false;
    };
    let signature = match item.signature.len() {
        64 => ::sm2::dsa::Signature::from_slice(&item.signature),
        _ => ::sm2::dsa::Signature::from_der(&item.signature),
    };
    signature.is_ok_and(|signature| key.verify(&item.message, &signature).is_ok())
}

#[test]
fn corrupted_rustcrypto_signatures_verdict_by_verdict() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5302_c0de);
    let mut items = sign_many(1500, 40, &mut rng);
    for item in items.iter_mut().skip(1) {
        match rng.random_range(0..8) {
            0 => {
                let at = rng.random_range(0..item.signature.len());
                item.signature[at] ^= 1 << rng.random_range(0..8);
            }
            1 => item.message.push(rng.random()),
            2 => {
                let at = rng.random_range(1..item.public_key.len());
                item.public_key[at] ^= 1 << rng.random_range(0..8);
            }
            3 => item.id.push('x'),
            4 => item.signature = vec![0; 64],
            _ => {}
        }
    }
    let want: Vec<bool> = items.iter().map(oracle).collect();
    assert!(want.iter().filter(|&&v| v).count() > 400);
    assert!(want.iter().filter(|&&v| !v).count() > 700);
    let keys: Vec<&[u8]> = items.iter().map(|s| &s.public_key[..]).collect();
    let ids: Vec<&[u8]> = items.iter().map(|s| s.id.as_bytes()).collect();
    let messages: Vec<&[u8]> = items.iter().map(|s| &s.message[..]).collect();
    let signatures: Vec<&[u8]> = items.iter().map(|s| &s.signature[..]).collect();
    for verifier in verifiers() {
        for (i, item) in items.iter().enumerate() {
            let single = verifier.verify_with_id(
                &item.public_key,
                item.id.as_bytes(),
                &item.message,
                &item.signature,
            );
            assert_eq!(single.is_ok(), want[i], "item {i}");
        }
        let batch = verifier
            .verify_batch_with_ids(&keys, &ids, &messages, &signatures)
            .expect("well-formed batch");
        assert_eq!(batch.as_slice(), &want[..]);
    }
}

#[test]
fn batches_do_not_depend_on_the_thread_count_or_the_cache() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(64);
    let mut items = sign_many(600, 7, &mut rng);
    for item in items.iter_mut().step_by(5) {
        item.message.push(1);
    }
    let keys: Vec<&[u8]> = items.iter().map(|s| &s.public_key[..]).collect();
    let ids: Vec<&[u8]> = items.iter().map(|s| s.id.as_bytes()).collect();
    let messages: Vec<&[u8]> = items.iter().map(|s| &s.message[..]).collect();
    let signatures: Vec<&[u8]> = items.iter().map(|s| &s.signature[..]).collect();
    let want: Vec<bool> = items.iter().map(oracle).collect();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for verifier in verifiers() {
            let outcome = pool.install(|| {
                verifier
                    .verify_batch_with_ids(&keys, &ids, &messages, &signatures)
                    .unwrap()
            });
            assert_eq!(outcome.as_slice(), &want[..], "{threads} threads");
        }
    }
}

#[test]
fn default_id_batches_and_prehashed_batches_agree_with_singles() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let items: Vec<Signed> = sign_many(200, 8, &mut rng)
        .into_iter()
        .filter(|s| s.id.as_bytes() == sm2::DEFAULT_ID)
        .collect();
    assert!(!items.is_empty());
    let keys: Vec<&[u8]> = items.iter().map(|s| &s.public_key[..]).collect();
    let messages: Vec<&[u8]> = items.iter().map(|s| &s.message[..]).collect();
    let mut signatures: Vec<Vec<u8>> = items.iter().map(|s| s.signature.clone()).collect();
    signatures[0][10] ^= 4;
    let hashes: Vec<[u8; 32]> = items
        .iter()
        .map(|s| {
            let za = sm2::za(&s.public_key, sm2::DEFAULT_ID).unwrap();
            batchverify::sm3::hash(&[&za[..], &s.message].concat())
        })
        .collect();
    let outcome = sm2::verify_batch(&keys, &messages, &signatures).unwrap();
    let prehashed = Verifier::new()
        .verify_batch_prehashed(&keys, &hashes, &signatures)
        .unwrap();
    for i in 0..items.len() {
        let single = sm2::verify(keys[i], messages[i], &signatures[i]).is_ok();
        assert_eq!(outcome.as_slice()[i], single, "item {i}");
        assert_eq!(prehashed.as_slice()[i], single, "item {i}");
        assert_eq!(
            sm2::verify_prehashed(keys[i], &hashes[i], &signatures[i]).is_ok(),
            single
        );
        assert_eq!(single, i != 0);
    }
}

#[test]
fn malformed_input_is_an_error_naming_item_and_field() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let item = &sign_many(1, 1, &mut rng)[0];
    let key = &item.public_key[..];
    let verifier = Verifier::new();
    assert_eq!(
        verifier.verify(&key[..64], &item.message, &item.signature),
        Err(Error::LengthNotAllowed {
            index: 0,
            field: Field::PublicKey,
            allowed: &[33, 65],
            actual_len: 64
        })
    );
    let long_id = vec![b'a'; sm2::MAX_ID_LEN + 1];
    let error = verifier
        .verify_with_id(key, &long_id, &item.message, &item.signature)
        .unwrap_err();
    assert_eq!(
        error,
        Error::TooLong {
            index: 0,
            field: Field::SignerId,
            max_len: 8191,
            actual_len: 8192
        }
    );
    assert!(error.to_string().contains("id at index 0"));
    assert!(sm2::za(key, &long_id[1..]).is_ok(), "8,191 bytes fit ENTL");
    assert!(matches!(
        verifier.verify_prehashed(key, &[0; 31], &item.signature),
        Err(Error::Malformed {
            field: Field::MessageHash,
            ..
        })
    ));
    assert!(matches!(
        verifier
            .clone()
            .encoding(Encoding::Compact)
            .verify(key, &item.message, &[0; 70]),
        Err(Error::Malformed {
            field: Field::Signature,
            ..
        })
    ));
    let keys = vec![key; 3];
    let messages = vec![&item.message[..]; 3];
    let mut signatures = vec![&item.signature[..]; 3];
    assert!(matches!(
        verifier.verify_batch(&keys, &messages, &signatures[..2]),
        Err(Error::CountMismatch {
            field: Field::Signature,
            ..
        })
    ));
    let short_key = &key[..40];
    let bad_keys = [key, key, short_key];
    assert!(matches!(
        verifier.verify_batch(&bad_keys, &messages, &signatures),
        Err(Error::LengthNotAllowed { index: 2, .. })
    ));
    signatures[1] = &[];
    assert_eq!(
        verifier
            .verify_batch(&keys, &messages, &signatures)
            .unwrap()
            .as_slice(),
        &[true, false, true][..]
    );
}

/// RustCrypto's group arithmetic and big integers: what makes a signature satisfy the
/// verification equation, so that a test can build one that only a range check rejects.
mod equation {
    use ::sm2::elliptic_curve::sec1::ToSec1Point as _;
    use ::sm2::elliptic_curve::PrimeField as _;
    use num_bigint::BigUint;

    pub fn order() -> BigUint {
        BigUint::parse_bytes(
            b"fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123",
            16,
        )
        .unwrap()
    }

    pub fn prime() -> BigUint {
        BigUint::parse_bytes(
            b"fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff",
            16,
        )
        .unwrap()
    }

    pub fn bytes32(value: &BigUint) -> [u8; 32] {
        let digits = value.to_bytes_be();
        let mut out = [0u8; 32];
        out[32 - digits.len()..].copy_from_slice(&digits);
        out
    }

    fn scalar(value: &BigUint) -> ::sm2::Scalar {
        Option::from(::sm2::Scalar::from_repr(bytes32(value).into())).expect("below n")
    }

    pub fn point(secret: &BigUint) -> ::sm2::ProjectivePoint {
        ::sm2::ProjectivePoint::GENERATOR * scalar(secret)
    }

    pub fn encode(point: &::sm2::ProjectivePoint) -> Vec<u8> {
        point.to_affine().to_sec1_point(false).as_bytes().to_vec()
    }

    /// The e for which (r, s), both taken mod n, satisfy the equation for `key`:
    /// e = r − x(s·G + t·P) mod n with t = r + s mod n.
    pub fn e_for(key: &::sm2::ProjectivePoint, r: &BigUint, s: &BigUint) -> [u8; 32] {
        let n = order();
        let (r, s) = (r % &n, s % &n);
        let t = (&r + &s) % &n;
        let sum = ::sm2::ProjectivePoint::GENERATOR * scalar(&s) + *key * scalar(&t);
        let x = BigUint::from_bytes_be(&encode(&sum)[1..33]);
        bytes32(&((&r + &n - x % &n) % &n))
    }
}

#[test]
fn signatures_that_satisfy_the_equation_outside_the_ranges_are_false_verdicts() {
    use num_bigint::BigUint;
    let n = equation::order();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let mut below = |bound: &BigUint| BigUint::from_bytes_be(&rng.random::<[u8; 32]>()) % bound;
    let key_point = equation::point(&(below(&n) + 1u8));
    let key = equation::encode(&key_point);
    let verifier = Verifier::new().encoding(Encoding::Compact);
    let signature =
        |r: &BigUint, s: &BigUint| [equation::bytes32(r), equation::bytes32(s)].concat();
    let check = |r: &BigUint, s: &BigUint| {
        let e = equation::e_for(&key_point, r, s);
        verifier.verify_prehashed(&key, &e, &signature(r, s))
    };
    // Far below 2^256 − n, so that r + n and s + n still fit in 32 bytes.
    let small = BigUint::from(1u8) << 200;
    let (r, s) = (below(&small) + 1u8, below(&small) + 1u8);
    assert_eq!(check(&r, &s), Ok(()), "the construction itself verifies");
    let zero = BigUint::from(0u8);
    for (r, s, what) in [
        (r.clone() + &n, s.clone(), "r + n"),
        (r.clone(), s.clone() + &n, "s + n"),
        (zero.clone(), s.clone(), "r = 0"),
        (n.clone(), s.clone(), "r = n"),
        (r.clone(), zero.clone(), "s = 0"),
        (r.clone(), &n - &r, "r + s = n, so t = 0"),
    ] {
        assert_eq!(check(&r, &s), Err(Error::InvalidSignature), "{what}");
    }
}

#[test]
fn coordinates_at_or_above_p_are_not_reduced() {
    use num_bigint::BigUint;
    let p = equation::prime();
    let b = BigUint::parse_bytes(
        b"28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93",
        16,
    )
    .unwrap();
    // The smallest x on the curve: its encoding plus p still fits in 32 bytes.
    let (x, y) = (1u32..)
        .map(BigUint::from)
        .find_map(|x| {
            let rhs = (x.pow(3) + &p * 3u8 - &x * 3u8 + &b) % &p;
            let y = rhs.modpow(&((&p + 1u8) >> 2), &p);
            ((&y * &y) % &p == rhs).then_some((x, y))
        })
        .unwrap();
    let uncompressed = |x: &BigUint, y: &BigUint| {
        [&[4u8][..], &equation::bytes32(x), &equation::bytes32(y)].concat()
    };
    let compressed = |x: &BigUint| {
        let prefix = if y.bit(0) { 3u8 } else { 2 };
        [&[prefix][..], &equation::bytes32(x)].concat()
    };
    assert!(sm2::za(&uncompressed(&x, &y), b"").is_ok());
    assert!(sm2::za(&compressed(&x), b"").is_ok());
    let x_above = &x + &p;
    // (y + p would not fit in 32 bytes: y is not small.)
    for key in [uncompressed(&x_above, &y), compressed(&x_above)] {
        assert!(
            matches!(sm2::za(&key, b""), Err(Error::InvalidPoint { .. })),
            "{}",
            hex::encode(&key)
        );
    }
    let item_key = uncompressed(&x_above, &y);
    let e = [7u8; 32];
    assert_eq!(
        Verifier::new().verify_prehashed(&item_key, &e, &[1u8; 64]),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn malformed_der_and_prefixes_are_false_verdicts() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let item = &sign_many(1, 1, &mut rng)[0];
    let mut bad_prefix = item.public_key.clone();
    bad_prefix[0] = 0x06;
    assert_eq!(
        Verifier::new().verify(&bad_prefix, &item.message, &item.signature),
        Err(Error::InvalidSignature)
    );
    for der in [vec![0x30], vec![0x30, 0x00], vec![0u8; 71], vec![0x30; 72]] {
        assert_eq!(
            Verifier::new().verify(&item.public_key, &item.message, &der),
            Err(Error::InvalidSignature)
        );
    }
}

/// A 64-byte signature that is also well-formed DER would get one verdict as r‖s and another
/// as DER, and a signer can grind for one: without a named encoding it is never accepted (an
/// error for a single call, `false` in a batch). Failed before: it was read as r‖s.
#[test]
fn a_64_byte_der_signature_needs_a_named_encoding() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(640);
    let signed = sign_many(1, 1, &mut rng).remove(0);
    assert_eq!(
        signed.signature.len(),
        64,
        "the first item is signed compact"
    );
    // SEQUENCE { INTEGER (29 bytes), INTEGER (29 bytes) }: 2 + 2 * (2 + 29) = 64 bytes.
    let mut der = vec![0x30, 62, 0x02, 29];
    der.extend([0x11; 29]);
    der.extend([0x02, 29]);
    der.extend([0x22; 29]);
    assert_eq!(der.len(), 64);
    let (key, id, message) = (
        &signed.public_key[..],
        signed.id.as_bytes(),
        &signed.message[..],
    );
    let keys = [key, key];
    let ids = [id, id];
    let messages = [message, message];
    let signatures = [&signed.signature[..], &der[..]];

    let unnamed = Verifier::new().key_cache(None);
    assert!(unnamed
        .verify_with_id(key, id, message, &signed.signature)
        .is_ok());
    assert_eq!(unnamed.check_encoding(&signed.signature), Ok(()));
    let ambiguous = |index| Error::AmbiguousEncoding {
        index,
        field: Field::Signature,
    };
    assert_eq!(unnamed.check_encoding(&der), Err(ambiguous(0)));
    assert_eq!(
        unnamed.verify_with_id(key, id, message, &der),
        Err(ambiguous(0))
    );
    // In a batch the ambiguous item is never accepted, and does not fail the others.
    assert_eq!(
        unnamed
            .verify_batch_with_ids(&keys, &ids, &messages, &signatures)
            .unwrap()
            .as_slice(),
        [true, false]
    );

    let compact = Verifier::new().key_cache(None).encoding(Encoding::Compact);
    let der_reader = Verifier::new().key_cache(None).encoding(Encoding::Der);
    assert_eq!(
        compact
            .verify_batch_with_ids(&keys, &ids, &messages, &signatures)
            .unwrap()
            .as_slice(),
        [true, false]
    );
    assert_eq!(der_reader.check_encoding(&der), Ok(()));
    assert_eq!(
        der_reader.verify_with_id(key, id, message, &der),
        Err(Error::InvalidSignature)
    );
}
