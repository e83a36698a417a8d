//! The secp256k1 and SM2 field operations and secp256k1's GLV split, against big integers
//! (num-bigint, which shares nothing with them); nothing may panic.
//!
//! The input is two 32-byte values and a 32-byte scalar, big-endian. secp256k1's field takes
//! any value below 2^256 (it stands for its residue mod p); SM2's takes values below p only.
#![no_main]

use batchverify::fuzzing::FieldResults;
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

// Only `take`: the input is fixed fields, not items.
#[allow(dead_code)]
mod input;
use input::take;

/// secp256k1's p, SM2's p and secp256k1's group order n, big-endian hex.
const SECP256K1_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
const SM2_P: &str = "fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff";
const SECP256K1_N: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
/// λ, the cube root of one mod n whose endomorphism the split uses.
const LAMBDA: &str = "5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72";

fn hex(value: &str) -> BigUint {
    BigUint::parse_bytes(value.as_bytes(), 16).expect("a hex constant")
}

fn int(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// `value` as 32 big-endian bytes (it is below 2^256).
fn bytes(value: &BigUint) -> [u8; 32] {
    let digits = value.to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - digits.len()..].copy_from_slice(&digits);
    out
}

/// Every result equals the big-integer one mod `p`, canonical; a square root exists exactly
/// when the value is a square.
fn check(name: &str, p: &BigUint, a: &[u8], b: &[u8], results: &FieldResults) {
    let (a, b) = (int(a) % p, int(b) % p);
    let one = BigUint::from(1u8);
    let expected = [
        ("sum", (&a + &b) % p),
        ("difference", (&a + p - &b) % p),
        ("product", (&a * &b) % p),
        ("square", (&a * &a) % p),
        ("negation", (p - &a) % p),
        ("inverse", a.modpow(&(p - 2u8), p)),
    ];
    let got = [
        results.sum,
        results.difference,
        results.product,
        results.square,
        results.negation,
        results.inverse,
    ];
    for ((operation, want), got) in expected.iter().zip(got) {
        assert_eq!(got, bytes(want), "{name} {operation} of {a:x} and {b:x}");
    }
    let is_square = a == BigUint::from(0u8) || a.modpow(&((p - &one) >> 1u8), p) == one;
    match results.square_root {
        Some(root) => {
            let root = int(&root);
            assert!(&root < p, "{name}: a root of {a:x} not reduced");
            assert_eq!((&root * &root) % p, a, "{name}: a wrong root of {a:x}");
        }
        None => assert!(!is_square, "{name}: no root found for the square {a:x}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let (Some(a), Some(b), Some(k)) = (
        take(&mut data, 32),
        take(&mut data, 32),
        take(&mut data, 32),
    ) else {
        return;
    };
    let (a, b): (&[u8; 32], &[u8; 32]) = (a.try_into().unwrap(), b.try_into().unwrap());
    check(
        "secp256k1",
        &hex(SECP256K1_P),
        a,
        b,
        &batchverify::fuzzing::secp256k1_field(a, b),
    );
    let sm2_p = hex(SM2_P);
    match batchverify::fuzzing::sm2_field(a, b) {
        Some(results) => check("sm2", &sm2_p, a, b, &results),
        None => assert!(
            int(a) >= sm2_p || int(b) >= sm2_p,
            "in-range SM2 input refused"
        ),
    }

    // k = k1 + k2·λ (mod n), each half below 2^128 in magnitude (a "negative" half lies just
    // below n).
    let n = hex(SECP256K1_N);
    let k = int(k) % &n;
    let (k1, k2) = batchverify::fuzzing::secp256k1_glv_split(&bytes(&k));
    let (k1, k2) = (int(&k1), int(&k2));
    assert_eq!((&k1 + &k2 * hex(LAMBDA)) % &n, k, "the split of {k:x}");
    let bound = BigUint::from(1u8) << 128u8;
    for half in [k1, k2] {
        assert!(
            half < bound || &n - &half < bound,
            "a long half {half:x} of {k:x}"
        );
    }
});
