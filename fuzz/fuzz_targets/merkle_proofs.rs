//! Merkle proof verification against a reference written from the RFCs' definitions (RFC 9162
//! §2.1: MTH, PATH and PROOF, recursively) and Bitcoin's tree, hashed with the sha2 crate.
//!
//! The input picks a tree (up to 40 leaves), a claim (sizes, index, roots, leaf) and a mutation
//! of the honest proof. Proofs are unique (short of a hash collision), so the reference verdict
//! is: the claim is true and the proof is exactly the honest one. Nothing may panic, whatever
//! the sizes and indices claimed.
#![no_main]

use batchverify::merkle::{self, Digest, BITCOIN, RFC6962};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest as _, Sha256};

fn sha256(parts: &[&[u8]]) -> Digest {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}

/// RFC 9162 MTH over leaf hashes.
fn mth(leaves: &[Digest]) -> Digest {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let k = largest_power_of_two_below(n);
            sha256(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// RFC 9162 PATH(m, D[n]).
fn path(m: usize, leaves: &[Digest]) -> Vec<Digest> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        let mut proof = path(m, &leaves[..k]);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = path(m - k, &leaves[k..]);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

/// RFC 9162 SUBPROOF(m, D[n], b).
fn subproof(m: usize, leaves: &[Digest], whole: bool) -> Vec<Digest> {
    let n = leaves.len();
    if m == n {
        return if whole { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = largest_power_of_two_below(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], whole);
        proof.push(mth(&leaves[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push(mth(&leaves[..k]));
        proof
    }
}

/// The largest power of two below `n` (for n > 1), where RFC 9162 splits a tree.
fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Bitcoin's levels: SHA256d nodes, an odd last node paired with itself.
fn bitcoin_levels(leaves: &[Digest]) -> Vec<Vec<Digest>> {
    let mut levels = vec![leaves.to_vec()];
    while levels.last().is_some_and(|level| level.len() > 1) {
        let level = levels.last().expect("not empty");
        let next = level
            .chunks(2)
            .map(|pair| {
                let right = pair.get(1).unwrap_or(&pair[0]);
                sha256(&[&sha256(&[&pair[0], right])])
            })
            .collect();
        levels.push(next);
    }
    levels
}

fn bitcoin_path(index: usize, levels: &[Vec<Digest>]) -> Vec<Digest> {
    levels[..levels.len() - 1]
        .iter()
        .enumerate()
        .map(|(height, level)| {
            let at = index >> height;
            *level.get(at ^ 1).unwrap_or(&level[at])
        })
        .collect()
}

/// The honest proof, changed as `how` says.
fn mutate(mut proof: Vec<Digest>, how: u8, at: u8) -> Vec<Digest> {
    let at = usize::from(at);
    match how % 6 {
        1 if !proof.is_empty() => {
            let len = proof.len();
            proof[at % len][at % 32] ^= 1;
        }
        2 => {
            proof.pop();
        }
        3 => proof.push([at as u8; 32]),
        4 if proof.len() > 1 => {
            let len = proof.len();
            proof.swap(at % len, (at + 1) % len);
        }
        5 => proof.clear(),
        _ => {}
    }
    proof
}

fuzz_target!(|data: &[u8]| {
    let Some(&[count, a, b, how, at, claim]) =
        data.get(..6).map(|d| <&[u8; 6]>::try_from(d).unwrap())
    else {
        return;
    };
    let count = usize::from(count % 40) + 1;
    let leaves: Vec<Digest> = (0..count as u32)
        .map(|i| sha256(&[&i.to_le_bytes()]))
        .collect();
    let size = usize::from(a) % (count + 1);
    let index = usize::from(b) % (count + 2);
    let wrong_root = claim & 1 == 1;
    let wrong_leaf = claim & 2 == 2;
    let claimed_leaf = leaves[(index + usize::from(wrong_leaf)) % count];

    // RFC 6962 inclusion.
    let tree = &leaves[..size];
    let honest = if index < size {
        path(index, tree)
    } else {
        Vec::new()
    };
    let proof = mutate(honest.clone(), how, at);
    let mut root = mth(tree);
    root[0] ^= u8::from(wrong_root);
    let expected =
        size > 0 && index < size && !wrong_root && claimed_leaf == leaves[index] && proof == honest;
    let got = merkle::verify_inclusion(
        &RFC6962,
        &root,
        &claimed_leaf,
        index as u64,
        size as u64,
        &proof,
    );
    assert_eq!(got, expected, "rfc6962 inclusion {index} of {size}");

    // RFC 6962 consistency between the first `index` and the first `size` leaves.
    let (m, n) = (index.min(count), size);
    let honest = if 0 < m && m < n {
        subproof(m, &leaves[..n], true)
    } else {
        Vec::new()
    };
    let proof = mutate(honest.clone(), how, at);
    let root1 = mth(&leaves[..m]);
    let mut root2 = mth(&leaves[..n]);
    root2[0] ^= u8::from(wrong_root);
    let expected =
        0 < m && m <= n && proof == honest && if m == n { root1 == root2 } else { !wrong_root };
    let got = merkle::verify_consistency(&RFC6962, m as u64, n as u64, &root1, &root2, &proof)
        .expect("RFC 6962 defines consistency");
    assert_eq!(got, expected, "consistency {m} -> {n}");

    // Bitcoin inclusion.
    if size > 0 {
        let levels = bitcoin_levels(tree);
        let honest = if index < size {
            bitcoin_path(index, &levels)
        } else {
            Vec::new()
        };
        let proof = mutate(honest.clone(), how, at);
        let mut root = levels.last().expect("a root")[0];
        root[0] ^= u8::from(wrong_root);
        let expected =
            index < size && !wrong_root && claimed_leaf == leaves[index] && proof == honest;
        let got = merkle::verify_inclusion(
            &BITCOIN,
            &root,
            &claimed_leaf,
            index as u64,
            size as u64,
            &proof,
        );
        assert_eq!(got, expected, "bitcoin inclusion {index} of {size}");
    }
});
