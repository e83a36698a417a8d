use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::Scalar;
use num_bigint::BigUint;
use rand::{Rng, RngExt, SeedableRng};

use super::*;

fn p() -> BigUint {
    (BigUint::from(1u8) << 255u32) - BigUint::from(19u8)
}

fn value_of_limbs(limbs: &Limbs) -> BigUint {
    limbs
        .iter()
        .rev()
        .fold(BigUint::from(0u8), |acc, &limb| (acc << 51u32) + limb)
}

fn bytes_of(value: &BigUint) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    let digits = value.to_bytes_le();
    bytes[..digits.len()].copy_from_slice(&digits);
    bytes
}

/// Every lane path this CPU has, said in the test output.
fn paths() -> Vec<LanePath> {
    let paths = LanePath::available();
    let names: Vec<&str> = paths.iter().map(|path| path.name()).collect();
    eprintln!("decompression lane paths tested: {}", names.join(", "));
    paths
}

/// Encodings of every kind decompression must tell apart: valid points with and without
/// torsion, small-order points, y = 1 and y = -1 with the sign bit set (x = 0), unreduced y
/// (p <= y < 2^255), and random bytes (about half of them not a point).
fn awkward_encodings(rng: &mut impl Rng, random: usize) -> Vec<[u8; 32]> {
    let mut encodings = Vec::new();
    for (i, torsion) in EIGHT_TORSION.iter().enumerate() {
        let point = ED25519_BASEPOINT_POINT * Scalar::from(1000 + i as u64) + torsion;
        encodings.push(point.compress().to_bytes());
        encodings.push(torsion.compress().to_bytes());
        let mut flipped = torsion.compress().to_bytes();
        flipped[31] ^= 0x80;
        encodings.push(flipped);
    }
    let p = p();
    for offset in 0u32..19 {
        for sign in [0u8, 0x80] {
            let mut bytes = bytes_of(&(&p + offset));
            bytes[31] |= sign;
            encodings.push(bytes);
            let mut below = bytes_of(&(&p - 1u32 - offset));
            below[31] |= sign;
            encodings.push(below);
        }
    }
    encodings.push([0xff; 32]);
    encodings.push([0; 32]);
    for _ in 0..random {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        encodings.push(bytes);
        let scalar = Scalar::from(rng.random::<u64>());
        encodings.push((ED25519_BASEPOINT_POINT * scalar).compress().to_bytes());
    }
    encodings
}

#[test]
fn lane_x_coordinates_are_the_ones_decompression_returns() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let encodings = awkward_encodings(&mut rng, 2000);
    for path in paths() {
        let lanes = path.lanes();
        let mut xs = vec![None; lanes];
        let (mut valid, mut invalid) = (0, 0);
        for group in encodings.chunks_exact(lanes) {
            path.x_coordinates(group, &mut xs);
            for (bytes, x) in group.iter().zip(&xs) {
                let expected = CompressedEdwardsY(*bytes).decompress();
                match (expected, x) {
                    (Some(point), Some(x)) => {
                        let from_lane = CompressedEdwardsY(*bytes).decompress_with_x(x);
                        assert_eq!(from_lane, Some(point), "{bytes:02x?}");
                        valid += 1;
                    }
                    (None, None) => invalid += 1,
                    _ => panic!(
                        "{}: {bytes:02x?} decompressed {expected:?}, lane {x:?}",
                        path.name()
                    ),
                }
            }
        }
        assert!(
            valid > 2000 && invalid > 500,
            "{valid} valid, {invalid} invalid"
        );
    }
}

/// What `decompress_all` must return: curve25519-dalek's answers.
fn expected(encodings: &[[u8; 32]], subgroup: bool) -> Vec<Option<Decompressed>> {
    encodings
        .iter()
        .map(|bytes| decompress_serially(bytes, subgroup))
        .collect()
}

#[test]
fn decompress_all_matches_serial_decompression_at_awkward_lengths() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let encodings = awkward_encodings(&mut rng, 40);
    for path in paths() {
        for subgroup in [false, true] {
            for len in [0, 1, 2, 7, 8, 9, 15, 17, encodings.len()] {
                let encodings = &encodings[encodings.len() - len..];
                assert_eq!(
                    decompress_all(Some(path), encodings, subgroup),
                    expected(encodings, subgroup),
                    "{path:?}, {len} points, subgroup {subgroup}"
                );
            }
        }
    }
}

#[test]
fn lane_exponentiation_matches_big_integers() {
    let p = p();
    let exponent = (&p - 5u32) >> 3u32;
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let top = (1u64 << 52) - 1;
    let mut inputs: Vec<Limbs> = vec![[top; 5], [0; 5], ONE, [LIMB_MASK; 5], SQRT_M1, EDWARDS_D];
    inputs.extend((0..400).map(|_| core::array::from_fn(|_| rng.random::<u64>() & top)));
    for path in paths() {
        let lanes = path.lanes();
        let mut out = vec![ZERO; lanes];
        for group in inputs.chunks(lanes).filter(|group| group.len() == lanes) {
            path.pow_p58(group, &mut out);
            for (input, output) in group.iter().zip(&out) {
                let expected = value_of_limbs(input).modpow(&exponent, &p);
                assert_eq!(canonical_bytes(*output), bytes_of(&expected), "{input:?}");
            }
        }
    }
}

#[test]
fn canonical_bytes_and_negation_match_big_integers() {
    let p = p();
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let top = (1u64 << 52) - 1;
    let mut inputs: Vec<Limbs> = vec![[top; 5], [0; 5], [LIMB_MASK; 5]];
    inputs.push([LIMB_MASK - 18, LIMB_MASK, LIMB_MASK, LIMB_MASK, LIMB_MASK]); // p
    inputs.push([LIMB_MASK - 19, LIMB_MASK, LIMB_MASK, LIMB_MASK, LIMB_MASK]); // p - 1
    inputs.extend((0..1000).map(|_| core::array::from_fn(|_| rng.random::<u64>() & top)));
    for limbs in inputs {
        let value = value_of_limbs(&limbs) % &p;
        let bytes = canonical_bytes(limbs);
        assert_eq!(bytes, bytes_of(&value), "{limbs:?}");
        assert_eq!(negate(&bytes), bytes_of(&((&p - &value) % &p)), "{limbs:?}");
        assert_eq!(limbs_of(&bytes), {
            let mut reduced = [0u64; 5];
            let mut rest = value.clone();
            for limb in &mut reduced {
                *limb = (&rest & BigUint::from(LIMB_MASK))
                    .to_u64_digits()
                    .first()
                    .copied()
                    .unwrap_or(0);
                rest >>= 51u32;
            }
            reduced
        });
    }
    // The constants are what their names say.
    let d = value_of_limbs(&EDWARDS_D);
    assert_eq!((&d * 121666u32 + 121665u32) % &p, BigUint::from(0u8));
    let i = value_of_limbs(&SQRT_M1);
    assert_eq!((&i * &i + 1u32) % &p, BigUint::from(0u8));
    assert_eq!(value_of_limbs(&ONE_PLUS_D), (&d + 1u32) % &p);
    let rho = value_of_limbs(&RHO);
    assert_eq!((&rho * &rho) % &p, (&d + 1u32) % &p);
    let quartic = (&p - 1u32) >> 2u32;
    assert_eq!(
        rho.modpow(&quartic, &p),
        &p - &i,
        "the root of 1 + d with character -i"
    );
    assert_eq!(value_of_limbs(&LAMBDA), (i * 2u32 * (rho + 1u32)) % &p);
}

#[test]
fn lane_subgroup_test_agrees_with_multiplication_by_the_group_order() {
    subgroup_test_agrees_with_curve25519_dalek(18, 40);
}

/// `make soak`: a million random points, 125,000 in each coset of the prime subgroup, and every
/// encoding edge case, on every lane path, against curve25519-dalek's `is_torsion_free`.
#[test]
#[ignore = "a soak of about a minute in release: `make soak` runs it"]
fn soak_lane_subgroup_test_on_a_million_points() {
    subgroup_test_agrees_with_curve25519_dalek(19, 125_000);
}

/// The lane paths' subgroup answers equal curve25519-dalek's (multiplication by the group
/// order) on the edge-case encodings and on `per_coset` random points in each of the eight
/// cosets.
fn subgroup_test_agrees_with_curve25519_dalek(seed: u64, per_coset: usize) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut encodings = awkward_encodings(&mut rng, 100);
    // Random points in every coset of the prime subgroup, shuffled so that each coset meets
    // every lane.
    for _ in 0..per_coset {
        let prime = ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(rng.random());
        for torsion in EIGHT_TORSION {
            encodings.push((prime + torsion).compress().to_bytes());
        }
    }
    for i in (1..encodings.len()).rev() {
        encodings.swap(i, rng.random_range(0..=i));
    }
    let expected = expected(&encodings, true);
    let in_subgroup = expected
        .iter()
        .flatten()
        .filter(|p| p.torsion_free == Some(true));
    let outside = expected
        .iter()
        .flatten()
        .filter(|p| p.torsion_free == Some(false));
    let (in_subgroup, outside) = (in_subgroup.count(), outside.count());
    assert!(
        in_subgroup > per_coset && outside > 7 * per_coset,
        "{in_subgroup} in, {outside} out"
    );
    eprintln!(
        "{} encodings: {in_subgroup} in the prime subgroup, {outside} outside",
        encodings.len()
    );
    for path in paths() {
        let checked = decompress_all(Some(path), &encodings, true);
        for ((bytes, result), expected) in encodings.iter().zip(checked).zip(&expected) {
            assert_eq!(result, *expected, "{path:?}: {bytes:02x?}");
        }
        assert!(known_answers_hold(path), "{path:?}");
    }
}

/// Every path must pass the known answers to be used, the portable one too (it once went
/// unchecked); where none passes, batches decompress with curve25519-dalek and still get its
/// answers.
#[test]
fn paths_that_fail_the_known_answers_are_not_used() {
    let all = LanePath::available();
    assert!(usable(all.clone(), |_| false).is_empty());
    let without_portable = usable(all.clone(), |path| path != LanePath::Portable);
    assert!(!without_portable.contains(&LanePath::Portable));
    assert_eq!(without_portable.len(), all.len() - 1);
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let encodings = awkward_encodings(&mut rng, 24);
    for subgroup in [false, true] {
        assert_eq!(
            decompress_all(None, &encodings, subgroup),
            expected(&encodings, subgroup)
        );
    }
}
