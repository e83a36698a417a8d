//! Merkle trees: RFC 6962 reference tree and transparency-dev proof vectors, real Bitcoin
//! blocks, SSZ and FISCO BCOS values derived by hand, and every flavor, over SHA-256 and over
//! SM3, against a small obvious reference implementation kept here.

mod common;

use std::path::Path;

use base64::Engine as _;
use batchverify::merkle::{
    self, Digest, Flavor, HashFn, Merkle, Proof, Tree, BITCOIN, FISCO_BCOS, RFC6962, SSZ,
};
use batchverify::sha256::{self, Hasher};
use batchverify::sm3;
use batchverify::{Error, Field};
use rand::{RngExt, SeedableRng};
use sha2::Digest as _;

fn sha(parts: &[&[u8]]) -> Digest {
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// SM3 by RustCrypto's `sm3` crate, the oracle of the SM3 trees.
fn sm3_of(parts: &[&[u8]]) -> Digest {
    let mut hasher = <::sm3::Sm3 as sha2::Digest>::new();
    for part in parts {
        sha2::Digest::update(&mut hasher, part);
    }
    sha2::Digest::finalize(hasher).into()
}

/// The reference implementations: each flavor written the way its specification reads.
mod reference {
    use super::*;

    /// Bitcoin Core's `ComputeMerkleRoot`: duplicate the odd node, flag equal siblings.
    pub fn bitcoin(leaves: &[Digest]) -> (Digest, bool) {
        if leaves.is_empty() {
            return ([0; 32], false);
        }
        let mut level = leaves.to_vec();
        let mut mutated = false;
        while level.len() > 1 {
            for pair in level.chunks(2) {
                mutated |= pair.len() == 2 && pair[0] == pair[1];
            }
            if level.len() % 2 == 1 {
                level.push(*level.last().unwrap());
            }
            level = level
                .chunks(2)
                .map(|p| sha(&[&sha(&[&p[0], &p[1]])]))
                .collect();
        }
        (level[0], mutated)
    }

    /// RFC 6962 §2.1 MTH, split at the largest power of two below n.
    pub fn rfc6962(leaves: &[Digest]) -> Digest {
        match leaves.len() {
            0 => sha(&[]),
            1 => leaves[0],
            n => {
                let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
                sha(&[&[1], &rfc6962(&leaves[..k]), &rfc6962(&leaves[k..])])
            }
        }
    }

    /// FISCO BCOS's `Merkle::generateMerkle` (width 2): each group of up to two nodes is hashed
    /// as their concatenation, so a lone last node is hashed by itself; one leaf is the root;
    /// a block without transactions has the zero root.
    pub fn fisco_bcos(leaves: &[Digest], hash: fn(&[&[u8]]) -> Digest) -> Digest {
        if leaves.is_empty() {
            return [0; 32];
        }
        let mut level = leaves.to_vec();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|group| {
                    let parts: Vec<&[u8]> = group.iter().map(|node| &node[..]).collect();
                    hash(&parts)
                })
                .collect();
        }
        level[0]
    }

    /// RFC 6962's MTH over SM3.
    pub fn rfc6962_sm3(leaves: &[Digest]) -> Digest {
        match leaves.len() {
            0 => sm3_of(&[]),
            1 => leaves[0],
            n => {
                let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
                sm3_of(&[&[1], &rfc6962_sm3(&leaves[..k]), &rfc6962_sm3(&leaves[k..])])
            }
        }
    }

    /// SSZ `merkleize`: pad with zero chunks to the next power of two (or the limit), then the
    /// full binary tree.
    pub fn ssz(leaves: &[Digest], limit: Option<usize>) -> Digest {
        let width = limit
            .unwrap_or(leaves.len())
            .max(leaves.len())
            .max(1)
            .next_power_of_two();
        let mut level = leaves.to_vec();
        level.resize(width, [0; 32]);
        while level.len() > 1 {
            level = level.chunks(2).map(|p| sha(&[&p[0], &p[1]])).collect();
        }
        level[0]
    }
}

fn random_leaves(n: usize, seed: u64) -> Vec<Digest> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random()).collect()
}

fn awkward_sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = (0..=300).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2100);
    sizes.extend((0..40).map(|_| rng.random_range(301..2100)));
    for k in 9..=16 {
        sizes.extend([(1 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    sizes
}

fn check_against_reference(merkle: &Merkle, leaves: &[Digest], want: Digest, context: &str) {
    assert_eq!(merkle.root(leaves).unwrap(), want, "root, {context}");
    assert_eq!(merkle.tree(leaves).unwrap().root(), want, "tree, {context}");
    let mut builder = merkle.root_builder();
    for piece in leaves.chunks(1 + leaves.len() / 3) {
        builder.push(piece).unwrap();
    }
    assert_eq!(builder.finish().unwrap().0, want, "streaming, {context}");
}

#[test]
fn every_flavor_matches_the_reference_on_awkward_sizes() {
    for n in awkward_sizes() {
        let leaves = random_leaves(n, n as u64);
        let (bitcoin, mutated) = reference::bitcoin(&leaves);
        assert_eq!(
            merkle::bitcoin_root(&leaves),
            (bitcoin, mutated),
            "bitcoin n={n}"
        );
        check_against_reference(
            &Merkle::new(BITCOIN),
            &leaves,
            bitcoin,
            &format!("bitcoin n={n}"),
        );
        check_against_reference(
            &Merkle::new(RFC6962),
            &leaves,
            reference::rfc6962(&leaves),
            &format!("rfc6962 n={n}"),
        );
        check_against_reference(
            &Merkle::new(SSZ),
            &leaves,
            reference::ssz(&leaves, None),
            &format!("ssz n={n}"),
        );
        let limit = n + n / 3 + 1;
        check_against_reference(
            &Merkle::new(SSZ.with_limit(limit as u64)),
            &leaves,
            reference::ssz(&leaves, Some(limit)),
            &format!("ssz limit {limit} n={n}"),
        );
    }
}

#[test]
fn every_sm3_flavor_matches_the_reference_on_awkward_sizes() {
    for n in awkward_sizes() {
        let leaves = random_leaves(n, n as u64);
        check_against_reference(
            &Merkle::new(FISCO_BCOS),
            &leaves,
            reference::fisco_bcos(&leaves, sm3_of),
            &format!("fisco-bcos n={n}"),
        );
        check_against_reference(
            &Merkle::new(FISCO_BCOS.with_hash(HashFn::Sha256)),
            &leaves,
            reference::fisco_bcos(&leaves, sha),
            &format!("fisco-bcos over sha256 n={n}"),
        );
        check_against_reference(
            &Merkle::new(RFC6962.with_hash(HashFn::Sm3)),
            &leaves,
            reference::rfc6962_sm3(&leaves),
            &format!("rfc6962 over sm3 n={n}"),
        );
    }
}

#[test]
fn fisco_bcos_root_worked_by_hand() {
    // FISCO BCOS publishes no fixed root, so this one is worked by hand from Merkle.h (width 2,
    // a lone node hashed alone, one leaf its own root): leaves SM3("tx0"), SM3("tx1"),
    // SM3("tx2"); root = SM3(SM3(l0 ‖ l1) ‖ SM3(l2)). The digests were computed with
    // `openssl dgst -sm3`.
    let data: Vec<&[u8]> = vec![b"tx0", b"tx1", b"tx2"];
    let leaves = merkle::leaf_hashes(&data, &FISCO_BCOS).unwrap();
    assert_eq!(
        hex::encode(leaves[0]),
        "93e62a705ab8650cc4a89a13435638544d65be7e11a46506087be253867e6469"
    );
    let root = merkle::root(&leaves, &FISCO_BCOS).unwrap();
    assert_eq!(
        hex::encode(root),
        "3fd4872aed8dccafbec9ae43267790f320b08a803c2d0ad79cf288acafc325ae"
    );
    assert_eq!(merkle::root(&leaves[..1], &FISCO_BCOS).unwrap(), leaves[0]);
    assert_eq!(merkle::root(&[], &FISCO_BCOS).unwrap(), [0; 32]);
    assert_eq!(
        merkle::root(&[], &RFC6962.with_hash(HashFn::Sm3)).unwrap(),
        sm3::hash(b"")
    );
}

#[test]
fn every_sm3_path_builds_the_same_trees() {
    for path in sm3::supported_paths() {
        for flavor in [
            FISCO_BCOS,
            RFC6962.with_hash(HashFn::Sm3),
            SSZ.with_hash(HashFn::Sm3),
        ] {
            let hasher = sm3::Hasher::with_path(path).unwrap();
            for n in [0, 1, 2, 3, 17, 1000, 4097, 5000] {
                let leaves = random_leaves(n, 99);
                let want = Merkle::new(flavor).root(&leaves).unwrap();
                let merkle = Merkle::new(flavor).with_sm3_hasher(hasher);
                check_against_reference(&merkle, &leaves, want, &format!("{path} {flavor} n={n}"));
                check_against_reference(
                    &Merkle::new(flavor).with_sm3_hasher(hasher.sequential()),
                    &leaves,
                    want,
                    &format!("{path} sequential {flavor} n={n}"),
                );
            }
        }
    }
}

#[test]
fn every_sha256_path_builds_the_same_trees() {
    for path in sha256::supported_paths() {
        for flavor in [BITCOIN, RFC6962, SSZ] {
            let hasher = Hasher::with_path(path).unwrap();
            for n in [0, 1, 2, 3, 17, 1000, 4097, 5000] {
                let leaves = random_leaves(n, 99);
                let want = Merkle::new(flavor).root(&leaves).unwrap();
                let merkle = Merkle::with_hasher(flavor, hasher);
                check_against_reference(&merkle, &leaves, want, &format!("{path} {flavor} n={n}"));
                check_against_reference(
                    &Merkle::with_hasher(flavor, hasher.sequential()),
                    &leaves,
                    want,
                    &format!("{path} sequential {flavor} n={n}"),
                );
            }
        }
    }
}

#[test]
fn streaming_matches_in_memory_for_large_trees_in_odd_pieces() {
    let leaves = random_leaves((1 << 17) + 12_345, 3);
    for flavor in [BITCOIN, RFC6962, SSZ, SSZ.with_limit(1 << 20), FISCO_BCOS] {
        let merkle = Merkle::new(flavor);
        let want = merkle.root_and_mutation(&leaves).unwrap();
        let mut builder = merkle.root_builder();
        for piece in leaves.chunks(9_999) {
            builder.push(piece).unwrap();
        }
        assert_eq!(builder.finish().unwrap(), want, "{flavor}");
    }
}

/// Trees whose levels reach 4 MiB (131,072 digests) take memory advised onto huge pages; the
/// root, the levels and the proofs must not notice.
#[test]
fn large_trees_match_the_reference_and_prove_their_leaves() {
    let leaves = random_leaves(300_001, 6);
    for (flavor, want) in [
        (RFC6962, reference::rfc6962(&leaves)),
        (SSZ, reference::ssz(&leaves, None)),
    ] {
        check_against_reference(&Merkle::new(flavor), &leaves, want, &format!("{flavor}"));
        let tree = Tree::new(&leaves, &flavor).unwrap();
        let indices = [0u64, 1, 131_071, 131_072, 299_999, 300_000];
        let proofs = tree.proofs(&indices).unwrap();
        let claimed: Vec<Digest> = indices.iter().map(|&i| leaves[i as usize]).collect();
        let mask = merkle::verify_inclusions(&flavor, &want, &claimed, &proofs).unwrap();
        assert!(mask.iter().all(|&ok| ok), "{flavor}");
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let leaves = random_leaves((1 << 16) + 1, 4);
    for flavor in [BITCOIN, RFC6962, SSZ, FISCO_BCOS] {
        let want = Merkle::with_hasher(flavor, Hasher::new().sequential())
            .with_sm3_hasher(sm3::Hasher::new().sequential())
            .root(&leaves)
            .unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(
                pool.install(|| merkle::root(&leaves, &flavor)).unwrap(),
                want
            );
        }
    }
}

#[test]
fn inclusion_proofs_verify_for_every_leaf_and_fail_when_anything_changes() {
    for flavor in [
        BITCOIN,
        RFC6962,
        SSZ,
        SSZ.with_limit(100),
        FISCO_BCOS,
        RFC6962.with_hash(HashFn::Sm3),
    ] {
        for n in [1usize, 2, 3, 5, 6, 7, 8, 11, 13, 31, 64, 65, 100] {
            let leaves = random_leaves(n, 1000 + n as u64);
            let tree = Tree::new(&leaves, &flavor).unwrap();
            let root = tree.root();
            let size = n as u64;
            for (i, leaf) in leaves.iter().enumerate() {
                let index = i as u64;
                let proof = tree.proof(index).unwrap();
                assert_eq!((proof.index, proof.tree_size), (index, size));
                let ok = |root: &[u8], leaf: &[u8], index, size, siblings: &[Digest]| {
                    merkle::verify_inclusion(&flavor, root, leaf, index, size, siblings)
                };
                assert!(
                    ok(&root, leaf, index, size, &proof.siblings),
                    "{flavor} n={n} i={i}"
                );
                let other = leaves[(i + 1) % n];
                if other != *leaf {
                    assert!(!ok(&root, &other, index, size, &proof.siblings));
                }
                assert!(!ok(&root, leaf, index, size + 1000, &proof.siblings));
                assert!(
                    !ok(&root, leaf, size, size, &proof.siblings),
                    "index out of range"
                );
                assert!(!ok(&root, leaf, u64::MAX, 0, &proof.siblings));
                assert!(!ok(&root[..31], leaf, index, size, &proof.siblings));
                if let Some((_, shorter)) = proof.siblings.split_last() {
                    assert!(!ok(&root, leaf, index, size, shorter), "truncated proof");
                    let mut flipped = proof.siblings.clone();
                    flipped[0][7] ^= 4;
                    assert!(!ok(&root, leaf, index, size, &flipped));
                }
                let mut longer = proof.siblings.clone();
                longer.push([0; 32]);
                assert!(!ok(&root, leaf, index, size, &longer), "extra sibling");
                if n > 1 {
                    let neighbour = (index + 1) % size;
                    assert!(
                        !ok(&root, leaf, neighbour, size, &proof.siblings)
                            || leaves[neighbour as usize] == *leaf
                    );
                }
            }
            assert_eq!(
                tree.proof(size),
                Err(Error::IndexOutOfRange {
                    index: size,
                    tree_size: size
                })
            );
        }
    }
}

#[test]
fn huge_claimed_tree_sizes_are_rejected_without_overflow() {
    let leaves = random_leaves(8, 6);
    for flavor in [BITCOIN, RFC6962, SSZ, FISCO_BCOS] {
        let tree = Tree::new(&leaves, &flavor).unwrap();
        let proof = tree.proof(5).unwrap();
        for size in [u64::MAX, u64::MAX - 1, (1 << 63) + 1] {
            assert!(
                !merkle::verify_inclusion(
                    &flavor,
                    &tree.root(),
                    &leaves[5],
                    5,
                    size,
                    &proof.siblings
                ),
                "{flavor} size {size}"
            );
        }
    }
}

#[test]
fn many_proofs_at_once_return_a_mask() {
    let leaves = random_leaves(1000, 5);
    for flavor in [BITCOIN, RFC6962, SSZ, FISCO_BCOS] {
        let tree = Tree::new(&leaves, &flavor).unwrap();
        let indices: Vec<u64> = (0..1000).step_by(7).collect();
        let mut proofs = tree.proofs(&indices).unwrap();
        let mut claimed: Vec<Digest> = indices.iter().map(|&i| leaves[i as usize]).collect();
        claimed[3][0] ^= 1;
        proofs[10].siblings.pop();
        proofs[20].index += 1;
        let mask = merkle::verify_inclusions(&flavor, &tree.root(), &claimed, &proofs).unwrap();
        let bad: Vec<usize> = mask
            .iter()
            .enumerate()
            .filter(|(_, ok)| !**ok)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(bad, [3, 10, 20], "{flavor}");
        assert_eq!(
            tree.proofs(&[5, 9, 5]),
            Err(Error::DuplicateIndex { index: 5 })
        );
        assert_eq!(
            merkle::verify_inclusions(&flavor, &tree.root(), &claimed[1..], &proofs),
            Err(Error::CountMismatch {
                field: Field::Leaf,
                expected: proofs.len(),
                actual: proofs.len() - 1
            })
        );
    }
}

#[test]
fn empty_trees_have_defined_roots_and_no_proofs() {
    assert_eq!(merkle::root(&[], &RFC6962).unwrap(), sha(&[]));
    assert_eq!(merkle::root(&[], &SSZ).unwrap(), [0; 32]);
    assert_eq!(merkle::bitcoin_root(&[]), ([0; 32], false));
    let tree = Tree::new(&[], &RFC6962).unwrap();
    assert!(tree.is_empty());
    assert_eq!(
        tree.proof(0),
        Err(Error::IndexOutOfRange {
            index: 0,
            tree_size: 0
        })
    );
    assert!(!merkle::verify_inclusion(
        &RFC6962,
        &sha(&[]),
        &[0; 32],
        0,
        0,
        &[] as &[Digest]
    ));
    assert!(Merkle::new(RFC6962).root_builder().finish().unwrap().0 == sha(&[]));
}

#[test]
fn consistency_proofs_round_trip_and_are_rfc6962_only() {
    for n in 1..=70u64 {
        let leaves = random_leaves(n as usize, n);
        let tree = Tree::new(&leaves, &RFC6962).unwrap();
        for m in 1..=n {
            let old = reference::rfc6962(&leaves[..m as usize]);
            let proof = tree.consistency_proof(m).unwrap();
            assert!(
                merkle::verify_consistency(&RFC6962, m, n, &old, &tree.root(), &proof).unwrap(),
                "{m} -> {n}"
            );
            if !proof.is_empty() {
                let mut bad = proof.clone();
                bad.last_mut().unwrap()[0] ^= 1;
                assert!(
                    !merkle::verify_consistency(&RFC6962, m, n, &old, &tree.root(), &bad).unwrap()
                );
            }
        }
        assert!(tree.consistency_proof(0).is_err());
        assert!(tree.consistency_proof(n + 1).is_err());
    }
    let tree = Tree::new(&random_leaves(5, 0), &BITCOIN).unwrap();
    assert_eq!(
        tree.consistency_proof(2),
        Err(Error::UnsupportedByFlavor {
            operation: "a consistency proof"
        })
    );
}

#[test]
fn rfc6962_reference_tree() {
    let Some((reference, data)) = common::rfc6962_reference_tree() else {
        return;
    };
    let leaves = merkle::leaf_hashes(&data, &RFC6962).unwrap();
    let roots = reference["root_hash_by_tree_size_hex"].as_array().unwrap();
    assert_eq!(roots.len(), 9);
    for (size, want) in roots.iter().enumerate() {
        assert_eq!(
            merkle::root(&leaves[..size], &RFC6962).unwrap().to_vec(),
            common::unhex(want),
            "size {size}"
        );
    }
    let tree = Tree::new(&leaves, &RFC6962).unwrap();
    let levels = reference["node_hashes_by_level_hex"].as_array().unwrap();
    for (height, want) in levels.iter().enumerate() {
        let want: Vec<Vec<u8>> = want.as_array().unwrap().iter().map(common::unhex).collect();
        let got: Vec<Vec<u8>> = tree.levels()[height].iter().map(|d| d.to_vec()).collect();
        assert_eq!(got, want, "level {height}");
    }
}

fn ct_cases(kind: &str) -> Option<Vec<(String, serde_json::Value)>> {
    let dir = common::vectors_dir()?.join("ct-rfc6962").join(kind);
    let mut cases = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                cases.push((display(&path), serde_json::from_str(&text).unwrap()));
            }
        }
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    Some(cases)
}

fn display(path: &Path) -> String {
    path.components()
        .rev()
        .take(3)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("<")
}

fn b64(value: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str().unwrap_or(""))
        .unwrap()
}

fn b64_list(value: &serde_json::Value) -> Vec<Vec<u8>> {
    value
        .as_array()
        .map(|items| items.iter().map(b64).collect())
        .unwrap_or_default()
}

fn reference_tree() -> Option<Tree> {
    let reference = common::read_json("ct-rfc6962/reference_tree_8_leaves.json")?;
    let data: Vec<Vec<u8>> = reference["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(common::unhex)
        .collect();
    Some(Tree::new(&merkle::leaf_hashes(&data, &RFC6962).unwrap(), &RFC6962).unwrap())
}

#[test]
fn transparency_dev_inclusion_vectors() {
    let (Some(cases), Some(tree)) = (ct_cases("inclusion"), reference_tree()) else {
        return;
    };
    assert_eq!(cases.len(), 98);
    let mut verified = Vec::new();
    for (name, case) in &cases {
        let (index, size) = (
            case["leafIdx"].as_u64().unwrap(),
            case["treeSize"].as_u64().unwrap(),
        );
        let proof = b64_list(&case["proof"]);
        let ok = merkle::verify_inclusion(
            &RFC6962,
            &b64(&case["root"]),
            &b64(&case["leafHash"]),
            index,
            size,
            &proof,
        );
        assert_eq!(ok, !case["wantErr"].as_bool().unwrap(), "{name}");
        if ok {
            verified.push(name.clone());
            if (1..=8).contains(&size)
                && b64(&case["root"])
                    == merkle::root(&tree.leaf_hashes()[..size as usize], &RFC6962).unwrap()
            {
                let ours = Tree::new(&tree.leaf_hashes()[..size as usize], &RFC6962)
                    .unwrap()
                    .proof(index)
                    .unwrap();
                let ours: Vec<Vec<u8>> = ours.siblings.iter().map(|d| d.to_vec()).collect();
                assert_eq!(ours, proof, "generated proof for {name}");
            }
        }
    }
    assert_eq!(verified.len(), 6, "{verified:?}");
}

#[test]
fn transparency_dev_consistency_vectors() {
    let (Some(cases), Some(tree)) = (ct_cases("consistency"), reference_tree()) else {
        return;
    };
    assert_eq!(cases.len(), 98);
    let mut verified = Vec::new();
    for (name, case) in &cases {
        let (size1, size2) = (
            case["size1"].as_u64().unwrap(),
            case["size2"].as_u64().unwrap(),
        );
        let proof = b64_list(&case["proof"]);
        let ok = merkle::verify_consistency(
            &RFC6962,
            size1,
            size2,
            &b64(&case["root1"]),
            &b64(&case["root2"]),
            &proof,
        )
        .unwrap();
        assert_eq!(ok, !case["wantErr"].as_bool().unwrap(), "{name}");
        if ok {
            verified.push(name.clone());
            if size2 == 8 && size1 >= 1 {
                let ours: Vec<Vec<u8>> = tree
                    .consistency_proof(size1)
                    .unwrap()
                    .iter()
                    .map(|d| d.to_vec())
                    .collect();
                assert_eq!(ours, proof, "generated proof for {name}");
            }
        }
    }
    assert_eq!(verified.len(), 6, "{verified:?}");
}

#[test]
fn bitcoin_blocks_and_cve_2012_2459() {
    let Some(blocks) = common::read_json("bitcoin-blocks/blocks.json") else {
        return;
    };
    assert_eq!(blocks.as_array().unwrap().len(), 3);
    for block in blocks.as_array().unwrap() {
        let mut txids = common::block_txids(block["txids_file"].as_str().unwrap()).unwrap();
        assert_eq!(txids.len() as u64, block["n_tx"].as_u64().unwrap());
        let header_root = common::unhex(&block["merkle_root_header_internal_hex"]);
        let (root, mutated) = merkle::bitcoin_root(&txids);
        assert_eq!(root.to_vec(), header_root, "{}", block["file"]);
        assert!(!mutated);
        let tree = Tree::new(&txids, &BITCOIN).unwrap();
        for index in 0..txids.len() as u64 {
            let proof = tree.proof(index).unwrap();
            assert!(merkle::verify_inclusion(
                &BITCOIN,
                &root,
                &txids[index as usize],
                index,
                txids.len() as u64,
                &proof.siblings
            ));
        }
        if txids.len() % 2 == 1 {
            txids.push(*txids.last().unwrap());
            let (same_root, mutated) = merkle::bitcoin_root(&txids);
            assert_eq!(
                same_root.to_vec(),
                header_root,
                "the CVE-2012-2459 twin has the same root"
            );
            assert!(mutated, "{} with its last txid repeated", block["file"]);
            assert!(Tree::new(&txids, &BITCOIN).unwrap().mutated());
        }
    }
}

/// SSZ values worked out by hand from the definition (`merkleize` pads to a power of two with
/// zero chunks; `mix_in_length` appends the length as a 32-byte little-endian chunk). The zero
/// subtree roots are the `zero_hashes` the Ethereum deposit contract publishes.
#[test]
fn ssz_by_hand() {
    let zero_hashes = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b",
        "db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71",
        "c78009fdf07fc56a11f122370658a353aaa542ed63e44c4bc15ff4cd105ab33c",
    ];
    for (height, want) in zero_hashes.iter().enumerate() {
        let root = merkle::root(&[], &SSZ.with_limit(1 << height)).unwrap();
        assert_eq!(hex::encode(root), *want, "empty list, limit 2^{height}");
    }
    let a = [0x11; 32];
    let b = [0x22; 32];
    let c = [0x33; 32];
    assert_eq!(
        merkle::root(&[a], &SSZ).unwrap(),
        a,
        "one chunk is its own root"
    );
    assert_eq!(merkle::root(&[a, b], &SSZ).unwrap(), sha(&[&a, &b]));
    let three = sha(&[&sha(&[&a, &b]), &sha(&[&c, &[0; 32]])]);
    assert_eq!(merkle::root(&[a, b, c], &SSZ).unwrap(), three);
    let zero2 = hex::decode(zero_hashes[2]).unwrap();
    assert_eq!(
        merkle::root(&[a, b, c], &SSZ.with_limit(8)).unwrap(),
        sha(&[&three, &zero2])
    );
    let mut length = [0u8; 32];
    length[0] = 3;
    assert_eq!(merkle::mix_in_length(&three, 3), sha(&[&three, &length]));
    assert_eq!(
        merkle::root(&[a, b, c], &SSZ.with_limit(2)),
        Err(Error::TooManyLeaves {
            limit: 2,
            actual: 3
        })
    );
}

#[test]
fn leaf_rules() {
    let data: Vec<&[u8]> = vec![b"", b"tx", &[7; 200]];
    assert_eq!(
        merkle::leaf_hashes(&data, &RFC6962).unwrap(),
        data.iter().map(|d| sha(&[&[0], d])).collect::<Vec<_>>()
    );
    assert_eq!(
        merkle::leaf_hashes(&data, &BITCOIN).unwrap(),
        data.iter().map(|d| sha(&[&sha(&[d])])).collect::<Vec<_>>()
    );
    let chunks = [[1u8; 32].to_vec(), vec![2; 31]];
    let error = merkle::leaf_hashes(&chunks, &SSZ).unwrap_err();
    assert_eq!(
        error,
        Error::Malformed {
            index: 1,
            field: Field::Leaf,
            expected_len: 32,
            actual_len: 31
        }
    );
    assert_eq!(
        error.to_string(),
        "leaf at index 1: expected 32 bytes, got 31"
    );
    assert_eq!(
        merkle::leaf_hashes(&chunks[..1], &SSZ).unwrap(),
        vec![[1; 32]]
    );
    assert_eq!(
        merkle::leaf_hashes(&data, &FISCO_BCOS).unwrap(),
        data.iter().map(|d| sm3_of(&[d])).collect::<Vec<_>>()
    );
    assert_eq!(
        merkle::leaf_hashes(&data, &RFC6962.with_hash(HashFn::Sm3)).unwrap(),
        data.iter().map(|d| sm3_of(&[&[0], d])).collect::<Vec<_>>()
    );
}

#[test]
fn custom_flavors_and_names() {
    let custom = Flavor {
        node_prefix: b"node",
        ..SSZ
    };
    let leaves = random_leaves(5, 8);
    let width_8 = {
        let mut level = leaves.clone();
        level.resize(8, [0; 32]);
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| sha(&[b"node", &p[0], &p[1]]))
                .collect();
        }
        level[0]
    };
    assert_eq!(merkle::root(&leaves, &custom).unwrap(), width_8);
    for (name, flavor) in [
        ("bitcoin", BITCOIN),
        ("rfc6962", RFC6962),
        ("ssz", SSZ),
        ("fisco-bcos", FISCO_BCOS),
    ] {
        assert_eq!(name.parse::<Flavor>().unwrap(), flavor);
        assert_eq!(flavor.to_string(), name);
    }
    assert_eq!(
        RFC6962.with_hash(HashFn::Sm3).to_string(),
        "rfc6962 over sm3"
    );
    assert_eq!(
        "rfc6962 over sm3".parse::<Flavor>(),
        Ok(RFC6962.with_hash(HashFn::Sm3))
    );
    assert!("rfc6962 over md5".parse::<Flavor>().is_err());
    for hash in [HashFn::Sha256, HashFn::Sha256d, HashFn::Sm3] {
        assert_eq!(hash.to_string().parse::<HashFn>(), Ok(hash));
    }
    assert!("sha3"
        .parse::<Flavor>()
        .unwrap_err()
        .contains("unknown Merkle flavor"));
    let _: Proof = Tree::new(&leaves, &custom).unwrap().proof(4).unwrap();
}
