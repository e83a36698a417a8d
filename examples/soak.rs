//! `make soak`: long runs that check every verdict, too slow for `make test`.
//!
//! 1. `RECORDS` (10 million by default) Ed25519 records streamed through the release CLI
//!    (`batchverify verify ed25519`), 1% corrupted at random (one bit of the key, message or
//!    signature) and one line in 100,000 not JSON at all; every verdict line is checked against
//!    the list of what was corrupted, and the CLI's peak memory is read from /proc.
//! 2. `MUTATIONS` (one million by default) randomly mutated items per Ed25519 policy, ECDSA
//!    rule set (plain compact, Ethereum), BIP-340, SM2 and BLS (min-pk) through `verify_batch`,
//!    every verdict checked against another implementation: ed25519-dalek's `verify_strict`
//!    and ed25519-consensus (these share curve25519-dalek with the engine; the tests add
//!    ed25519-compact), k256 (none of the engine's libsecp256k1 or its own sums and tables),
//!    RustCrypto's sm2 (none of the engine's SM2 arithmetic), zkcrypto's `bls12_381` (none of
//!    blst). BLS is the slow row: signing and the oracle's pairings took 54 s for 20,000 on
//!    two cores, about 45 minutes per million.
//!
//! Usage: `cargo run --release --example soak -- PATH_TO_BATCHVERIFY [RECORDS] [MUTATIONS]`.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use batchverify::ed25519::{Policy, Verifier};
use ed25519_dalek::{Signer, SigningKey};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

#[path = "../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;
#[path = "../tests/common/zkcrypto_bls.rs"]
mod zkcrypto_bls;

const SIGNERS: usize = 4096;
const CORRUPT_ONE_IN: u64 = 100;
const GARBAGE_ONE_IN: u64 = 100_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let cli = args
        .next()
        .expect("usage: soak PATH_TO_BATCHVERIFY [RECORDS] [MUTATIONS]");
    let records: u64 = args
        .next()
        .map_or(10_000_000, |n| n.parse().expect("RECORDS"));
    let mutations: usize = args
        .next()
        .map_or(1_000_000, |n| n.parse().expect("MUTATIONS"));
    let signers: Vec<SigningKey> = (0..SIGNERS as u64)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&i.to_le_bytes());
            SigningKey::from_bytes(&seed)
        })
        .collect();
    stream_through_cli(&cli, &signers, records);
    for policy in [Policy::Strict, Policy::Zip215] {
        mutations_against_oracle(policy, &signers, mutations);
    }
    secp256k1_against_k256(mutations);
    sm2_against_rustcrypto(mutations);
    bls_against_zkcrypto(mutations);
}

/// One record: its JSONL line and whether it must verify.
fn record(signers: &[SigningKey], index: u64) -> (String, bool) {
    let mut rng = StdRng::seed_from_u64(0x50a4_0000 ^ index);
    if index % GARBAGE_ONE_IN == GARBAGE_ONE_IN - 1 {
        return ("{\"public_key\": not json".to_string(), false);
    }
    let signer = &signers[rng.random_range(0..signers.len())];
    let message: Vec<u8> = (0..rng.random_range(0..200))
        .map(|_| rng.random())
        .collect();
    let mut key = signer.verifying_key().to_bytes().to_vec();
    let mut signature = signer.sign(&message).to_bytes().to_vec();
    let mut message = message;
    let corrupt = rng.random_range(0..CORRUPT_ONE_IN) == 0;
    if corrupt {
        let field = match rng.random_range(0..3) {
            0 => &mut key,
            1 if !message.is_empty() => &mut message,
            _ => &mut signature,
        };
        let at = rng.random_range(0..field.len());
        field[at] ^= 1 << rng.random_range(0..8);
    }
    let line = format!(
        "{{\"public_key\":\"{}\",\"message\":\"{}\",\"signature\":\"{}\"}}",
        hex::encode(&key),
        hex::encode(&message),
        hex::encode(&signature)
    );
    (line, !corrupt)
}

fn stream_through_cli(cli: &str, signers: &[SigningKey], records: u64) {
    let started = Instant::now();
    let mut child = Command::new(cli)
        .args(["verify", "ed25519", "--policy", "strict", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cli}: {e}"));
    let pid = child.id();
    let stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let (expected_tx, expected_rx) = std::sync::mpsc::sync_channel::<Vec<bool>>(8);
    let (checked, invalid, peak) = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut stdin = BufWriter::with_capacity(1 << 20, stdin);
            const CHUNK: u64 = 65_536;
            for start in (0..records).step_by(CHUNK as usize) {
                let end = (start + CHUNK).min(records);
                let chunk: Vec<(String, bool)> = (start..end)
                    .into_par_iter()
                    .map(|i| record(signers, i))
                    .collect();
                // The checker must know what to expect before the CLI's answers fill its pipe.
                expected_tx
                    .send(chunk.iter().map(|(_, valid)| *valid).collect())
                    .expect("the checker runs");
                for (line, _) in &chunk {
                    writeln!(stdin, "{line}").expect("the CLI reads its input");
                }
            }
        });
        let mut lines = BufReader::with_capacity(1 << 20, stdout).lines();
        let (mut checked, mut invalid, mut peak) = (0u64, 0u64, None);
        for expected in expected_rx {
            // The high-water mark so far, sampled once a chunk while the CLI surely runs.
            peak = peak_memory_kib(pid).or(peak);
            for valid in expected {
                let line = lines
                    .next()
                    .expect("one verdict per record")
                    .expect("utf-8");
                let verdict: serde_json::Value = serde_json::from_str(&line).expect("JSON verdict");
                assert_eq!(verdict["index"], checked, "verdicts in input order");
                assert_eq!(verdict["valid"], valid, "record {checked}: {line}");
                invalid += u64::from(!valid);
                checked += 1;
            }
        }
        peak = peak_memory_kib(pid).or(peak);
        assert!(lines.next().is_none(), "no verdict beyond the records");
        (checked, invalid, peak)
    });
    let status = child.wait().expect("the CLI exits");
    assert_eq!(
        status.code(),
        Some(1),
        "exit status 1: some records invalid"
    );
    assert_eq!(checked, records);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "cli stream: {checked} records ({invalid} invalid or malformed), every verdict as \
         expected; {seconds:.0} s ({:.0} records/s, generation included); CLI peak RSS {} MiB",
        checked as f64 / seconds,
        peak.map_or("unknown".to_string(), |kib| format!(
            "{:.1}",
            kib as f64 / 1024.0
        ))
    );
}

/// The process's peak resident set (VmHWM), while it is still running.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Items built to hit the edges: honest signatures with bits flipped, keys and R replaced by
/// small-order or non-canonical encodings, S replaced by unreduced values.
fn mutated_item(signers: &[SigningKey], rng: &mut StdRng) -> ([u8; 32], Vec<u8>, [u8; 64]) {
    const EDGES: [[u8; 32]; 4] = [
        [0; 32],
        {
            let mut identity = [0u8; 32];
            identity[0] = 1;
            identity
        },
        {
            // y = p - 1 with the sign bit set: a non-canonical encoding of a small-order point.
            let mut y = [0xff; 32];
            y[0] = 0xec;
            y
        },
        [0xff; 32],
    ];
    let signer = &signers[rng.random_range(0..signers.len())];
    let mut message: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
    let mut key = signer.verifying_key().to_bytes();
    let mut signature = signer.sign(&message).to_bytes();
    match rng.random_range(0..10) {
        8 | 9 => return mixed_order(rng, message),
        0 => {}
        1 => key[rng.random_range(0..32)] ^= 1 << rng.random_range(0..8),
        2 => signature[rng.random_range(0..64)] ^= 1 << rng.random_range(0..8),
        3 if !message.is_empty() => {
            let at = rng.random_range(0..message.len());
            message[at] ^= 1 << rng.random_range(0..8);
        }
        4 => key = EDGES[rng.random_range(0..EDGES.len())],
        5 => signature[..32].copy_from_slice(&EDGES[rng.random_range(0..EDGES.len())]),
        6 => signature[63] |= 0x10 << rng.random_range(0..4),
        _ => signature[32..].copy_from_slice(&EDGES[rng.random_range(0..EDGES.len())]),
    }
    (key, message, signature)
}

/// A signature made with a torsion point added to the key (or to R): it passes the cofactored
/// equation (`Zip215`), and the cofactorless one (`Strict`) only when k kills the torsion, so
/// the two policies disagree on it most of the time.
fn mixed_order(rng: &mut StdRng, message: Vec<u8>) -> ([u8; 32], Vec<u8>, [u8; 64]) {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::Scalar;
    use sha2::{Digest, Sha512};
    let scalar = |rng: &mut StdRng| {
        let mut wide = [0u8; 64];
        wide[..32].copy_from_slice(&rng.random::<[u8; 32]>());
        wide[32..].copy_from_slice(&rng.random::<[u8; 32]>());
        Scalar::from_bytes_mod_order_wide(&wide)
    };
    let (secret, nonce) = (scalar(rng), scalar(rng));
    let torsion = EIGHT_TORSION[rng.random_range(1..8)];
    let on_key = rng.random_range(0..2) == 0;
    let key = ED25519_BASEPOINT_POINT * secret + if on_key { torsion } else { Default::default() };
    let r = ED25519_BASEPOINT_POINT * nonce + if on_key { Default::default() } else { torsion };
    let (key, r) = (key.compress().to_bytes(), r.compress().to_bytes());
    let k = Scalar::from_bytes_mod_order_wide(
        &Sha512::new()
            .chain_update(r)
            .chain_update(key)
            .chain_update(&message)
            .finalize()
            .into(),
    );
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&r);
    signature[32..].copy_from_slice((nonce + k * secret).as_bytes());
    (key, message, signature)
}

/// `total` items from `make` (seeded by their index) through `batch` in batches of 1,000, every
/// verdict checked against `oracle`; prints the count and the time.
fn soak<T: Send + Sync>(
    name: &str,
    total: usize,
    make: impl Fn(&mut StdRng) -> T + Sync,
    batch: impl Fn(&[T]) -> Vec<bool>,
    oracle: impl Fn(&T) -> bool + Sync,
) {
    const BATCH: usize = 1000;
    let started = Instant::now();
    let mut invalid = 0usize;
    for chunk in 0..total.div_ceil(BATCH) {
        let items: Vec<T> = (0..BATCH.min(total - chunk * BATCH))
            .into_par_iter()
            .map(|i| {
                make(&mut StdRng::seed_from_u64(
                    ((chunk * BATCH + i) as u64) << 1 | 1,
                ))
            })
            .collect();
        let verdicts = batch(&items);
        let expected: Vec<bool> = items.par_iter().map(&oracle).collect();
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(verdicts[i], *want, "{name}: batch {chunk} item {i}");
        }
        invalid += expected.iter().filter(|v| !**v).count();
    }
    println!(
        "{name}: {total} mutated items ({invalid} invalid), every batch verdict equal to the \
         oracle's; {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

fn mutations_against_oracle(policy: Policy, signers: &[SigningKey], total: usize) {
    let verifier = Verifier::new(policy);
    soak(
        &policy.to_string(),
        total,
        |rng| mutated_item(signers, rng),
        |items| {
            let [keys, messages, signatures] = columns(items, |(k, m, s)| [&k[..], &m[..], &s[..]]);
            verifier
                .verify_batch(&keys, &messages, &signatures)
                .expect("well-formed")
                .into_vec()
        },
        |(key, message, signature)| oracles::ed25519_oracle(policy, key, message, signature),
    );
}

/// The key, message and signature columns of `items`, as a batch call takes them.
fn columns<'a, T>(items: &'a [T], fields: impl Fn(&'a T) -> [&'a [u8]; 3]) -> [Vec<&'a [u8]>; 3] {
    let mut columns = [Vec::new(), Vec::new(), Vec::new()];
    for item in items {
        for (column, field) in columns.iter_mut().zip(fields(item)) {
            column.push(field);
        }
    }
    columns
}

/// One bit of `bytes` flipped, at random.
fn flip(rng: &mut StdRng, bytes: &mut [u8]) {
    if !bytes.is_empty() {
        let at = rng.random_range(0..bytes.len());
        bytes[at] ^= 1 << rng.random_range(0..8);
    }
}

/// A secp256k1 item: a compressed key, a 32-byte message (ECDSA's hash), a compact ECDSA
/// signature and a BIP-340 one, by one of 1,024 signers, each part mutated one time in ten.
type Secp256k1Item = ([u8; 33], [u8; 32], [u8; 64], [u8; 64]);

fn secp256k1_item(rng: &mut StdRng) -> Secp256k1Item {
    let mut secret = [0u8; 32];
    secret[24..].copy_from_slice(&(rng.random_range(0..1024u64) + 1).to_be_bytes());
    let ecdsa_key = k256::ecdsa::SigningKey::from_slice(&secret).expect("secret");
    let schnorr_key = k256::schnorr::SigningKey::from_slice(&secret).expect("secret");
    let mut message: [u8; 32] = rng.random();
    let (signature, _) = ecdsa_key.sign_prehash_recoverable(&message);
    let mut ecdsa_signature: [u8; 64] = signature.to_bytes().into();
    let mut schnorr_signature = schnorr_key
        .sign_raw(&message, &rng.random::<[u8; 32]>())
        .expect("signs")
        .to_bytes();
    let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(
        ecdsa_key.verifying_key().as_affine(),
        true,
    );
    let mut key: [u8; 33] = point.as_bytes().try_into().expect("33 bytes");
    match rng.random_range(0..10) {
        0 => flip(rng, &mut key),
        1 => flip(rng, &mut message),
        2 => flip(rng, &mut ecdsa_signature),
        3 => flip(rng, &mut schnorr_signature),
        // The high-s twin: valid under the plain rules only.
        4 => {
            let s: [u8; 32] = ecdsa_signature[32..].try_into().expect("32 bytes");
            let s = <k256::Scalar as k256::elliptic_curve::PrimeField>::from_repr(s.into())
                .expect("s below n");
            ecdsa_signature[32..].copy_from_slice(&(-s).to_bytes());
        }
        _ => {}
    }
    (key, message, ecdsa_signature, schnorr_signature)
}

fn secp256k1_against_k256(total: usize) {
    use batchverify::secp256k1::{ecdsa, schnorr};
    for (rules, low_s_only) in [
        (ecdsa::Rules::PLAIN_COMPACT, false),
        (ecdsa::Rules::Ethereum, true),
    ] {
        let verifier = ecdsa::Verifier::new(rules);
        soak(
            &format!("ecdsa {rules}"),
            total,
            secp256k1_item,
            |items| {
                let [keys, hashes, signatures] = columns(items, |i| [&i.0[..], &i.1[..], &i.2[..]]);
                verifier
                    .verify_batch(&keys, &hashes, &signatures)
                    .expect("well-formed")
                    .into_vec()
            },
            |(key, hash, signature, _)| {
                oracles::k256_ecdsa_oracle(key, hash, signature, low_s_only)
            },
        );
    }
    let verifier = schnorr::Verifier::new();
    soak(
        "bip340",
        total,
        secp256k1_item,
        |items| {
            let [keys, messages, signatures] = columns(items, |i| [&i.0[1..], &i.1[..], &i.3[..]]);
            verifier
                .verify_batch(&keys, &messages, &signatures)
                .expect("well-formed")
                .into_vec()
        },
        |(key, message, _, signature)| oracles::k256_schnorr_oracle(&key[1..], message, signature),
    );
}

/// An SM2 item by one of 256 signers with the default ID: key, message, r‖s, one part mutated
/// one time in eight.
fn sm2_item(rng: &mut StdRng) -> (Vec<u8>, Vec<u8>, [u8; 64]) {
    use ::sm2::dsa::signature::Signer as _;
    let mut secret = [0u8; 32];
    secret[24..].copy_from_slice(&(rng.random_range(0..256u64) + 1).to_be_bytes());
    let secret = ::sm2::SecretKey::from_slice(&secret).expect("secret");
    let signer = ::sm2::dsa::SigningKey::new("1234567812345678", &secret).expect("key");
    let mut message: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
    let signature: ::sm2::dsa::Signature = signer.sign(&message);
    let mut signature: [u8; 64] = signature.to_bytes().into();
    let mut key = signer.verifying_key().to_sec1_bytes().to_vec();
    match rng.random_range(0..8) {
        0 => flip(rng, &mut key),
        1 => flip(rng, &mut message),
        2 => flip(rng, &mut signature),
        _ => {}
    }
    (key, message, signature)
}

fn sm2_against_rustcrypto(total: usize) {
    let verifier = batchverify::sm2::Verifier::new().encoding(batchverify::sm2::Encoding::Compact);
    soak(
        "sm2",
        total,
        sm2_item,
        |items| {
            let [keys, messages, signatures] = columns(items, |i| [&i.0[..], &i.1[..], &i.2[..]]);
            verifier
                .verify_batch(&keys, &messages, &signatures)
                .expect("well-formed")
                .into_vec()
        },
        |(key, message, signature)| {
            oracles::sm2_oracle(key, "1234567812345678", message, signature)
        },
    );
}

/// A BLS (min-pk) item: one of 256 signers' key, a message of up to 64 bytes and its signature,
/// each mutated one time in six (one bit of the signature or the key, a byte added to the
/// message, or another signer's key).
fn bls_item(rng: &mut StdRng, bls: &batchverify::bls::Verifier) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let signer = |index: u64| {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&index.to_le_bytes());
        batchverify::bls::SecretKey::key_gen(&seed).expect("32 bytes of seed")
    };
    let index = rng.random_range(0..256u64);
    let secret = signer(index);
    let mut message: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
    let mut signature = bls.sign(&secret, &message);
    let mut key = bls.public_key(&secret);
    match rng.random_range(0..24) {
        0 => flip(rng, &mut signature),
        1 => flip(rng, &mut key),
        2 => message.push(rng.random()),
        3 => key = bls.public_key(&signer((index + 1) % 256)),
        _ => {}
    }
    (key, message, signature)
}

fn bls_against_zkcrypto(total: usize) {
    let bls = batchverify::bls::Verifier::ethereum();
    soak(
        "BLS min-pk",
        total,
        |rng| bls_item(rng, &bls),
        |items| {
            let [keys, messages, signatures] = columns(items, |(k, m, s)| [&k[..], &m[..], &s[..]]);
            bls.verify_batch(&keys, &messages, &signatures)
                .expect("well-formed")
                .into_vec()
        },
        |(key, message, signature)| {
            zkcrypto_bls::verdict(
                batchverify::bls::Variant::MinPk,
                bls.dst(),
                key,
                message,
                signature,
            )
        },
    );
}
