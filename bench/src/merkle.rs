//! Merkle roots: batchverify against trees built with `sha2` (or, for SM3 trees, the `sm3`
//! crate) and against rs_merkle, with the GPU's rows beside them when the run has one.

use std::sync::Arc;

use batchverify::gpu::GpuContext;
use batchverify::merkle::{Digest, Flavor, HashFn, LeafRule, Merkle, OddNode, SSZ};
use batchverify::Backend;
use rayon::prelude::*;

use crate::sha256::Hash;
use crate::{Case, Record, Spec, Sweep};

/// rs_merkle's tree: SHA-256(l ‖ r) with no prefix, an odd node moved up unchanged. At a power
/// of two leaves its root is SSZ's.
const RS_MERKLE: Flavor = Flavor {
    leaf: LeafRule::Chunk,
    node_prefix: &[],
    hash: HashFn::Sha256,
    odd: OddNode::Promote,
};

/// `count` leaf hashes.
pub fn leaves(count: usize) -> Vec<Digest> {
    (0..count as u64)
        .into_par_iter()
        .map(|i| batchverify::sha256::hash(&i.to_le_bytes()))
        .collect()
}

/// A peer's hash of two children.
type Node = fn(&Digest, &Digest) -> Digest;

fn sha2_node(left: &Digest, right: &Digest) -> Digest {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

fn sm3_node(left: &Digest, right: &Digest) -> Digest {
    use sm3::Digest as _;
    let mut hasher = sm3::Sm3::new();
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The peer's node function for `hash`.
fn peer_node(hash: Hash) -> Node {
    match hash {
        Hash::Sha256 => sha2_node,
        Hash::Sm3 => sm3_node,
    }
}

/// A plain H(l ‖ r) tree built one node at a time, each level a new vector spread over the
/// threads; odd levels padded with zero subtrees, so the root is SSZ's.
fn node_by_node_tree(leaves: &[Digest], node: Node) -> Digest {
    let mut level = leaves.to_vec();
    let mut zero = [0u8; 32];
    let depth = leaves.len().max(1).next_power_of_two().trailing_zeros();
    for _ in 0..depth {
        if level.len() % 2 == 1 {
            level.push(zero);
        }
        level = level.par_chunks(2).map(|p| node(&p[0], &p[1])).collect();
        zero = node(&zero, &zero);
    }
    level.first().copied().unwrap_or(zero)
}

/// Most leaves of one subtree the strong sha2 peer reduces on one thread: 128 KiB of digests,
/// which a core's L2 cache holds.
const PEER_SUBTREE_LEAVES: usize = 1 << 12;

/// The strongest plain tree we know how to write with a peer hash: leaves cut into cache-sized
/// subtrees, each reduced in place on one thread (no allocation per level), the subtree roots
/// reduced the same way; odd nodes paired with zero subtrees, so the root is SSZ's.
fn subtree_tree(leaves: &[Digest], node: Node) -> Digest {
    let depth = leaves.len().max(1).next_power_of_two().trailing_zeros();
    let mut zeros = vec![[0u8; 32]];
    for height in 0..depth as usize {
        zeros.push(node(&zeros[height], &zeros[height]));
    }
    // Small trees still give every thread a subtree. Each rayon job allocates one buffer and
    // reuses it for every subtree it reduces.
    let per_thread = (leaves.len() / rayon::current_num_threads()).max(1);
    let subtree_height = (usize::BITS - 1 - per_thread.leading_zeros())
        .min(PEER_SUBTREE_LEAVES.trailing_zeros())
        .min(depth);
    let subtree_leaves = 1 << subtree_height;
    let mut roots: Vec<Digest> = leaves
        .par_chunks(subtree_leaves)
        .map_init(
            || Vec::with_capacity(subtree_leaves),
            |level, subtree| {
                level.clear();
                level.extend_from_slice(subtree);
                reduce_in_place(level, 0..subtree_height, &zeros, node)
            },
        )
        .collect();
    reduce_in_place(&mut roots, subtree_height..depth, &zeros, node)
}

/// Reduces `level` in place through `heights`, an odd last node paired with the zero subtree
/// of its height; the one node left (the zero subtree's root for an empty level).
fn reduce_in_place(
    level: &mut [Digest],
    heights: std::ops::Range<u32>,
    zeros: &[Digest],
    node: Node,
) -> Digest {
    let mut len = level.len();
    for height in heights.clone() {
        let parents = len.div_ceil(2);
        for i in 0..parents {
            let right = if 2 * i + 1 < len {
                level[2 * i + 1]
            } else {
                zeros[height as usize]
            };
            level[i] = node(&level[2 * i], &right);
        }
        len = parents;
    }
    if len == 0 {
        zeros[heights.end as usize]
    } else {
        level[0]
    }
}

/// rs_merkle's root of the leaves (it builds on one thread).
pub fn rs_merkle_root(leaves: &[Digest]) -> Option<Digest> {
    rs_merkle::MerkleTree::<rs_merkle::algorithms::Sha256>::from_leaves(leaves).root()
}

/// The tree a row measures: SSZ's, over SHA-256 or SM3, and its name in the rows.
fn measured_flavor(hash: Hash) -> (Flavor, &'static str) {
    match hash {
        Hash::Sha256 => (SSZ, "ssz"),
        Hash::Sm3 => (SSZ.with_hash(HashFn::Sm3), "ssz over sm3"),
    }
}

pub(crate) fn cases(spec: &Spec, hash: Hash, gpu: Option<&Arc<GpuContext>>) -> Vec<Case> {
    let leaves = Arc::new(leaves(spec.size));
    let node = peer_node(hash);
    let want = subtree_tree(&leaves, node);
    let (flavor, name) = measured_flavor(hash);
    let ours = Merkle::new(flavor).with_backend(Backend::Cpu);
    let path = match hash {
        Hash::Sha256 => batchverify::sha256::best_path(),
        Hash::Sm3 => batchverify::sm3::best_path(),
    }
    .to_string();
    let mut cases = vec![Case::new("batchverify", &format!("root ({name})"), {
        let leaves = leaves.clone();
        move || ours.root(&leaves).is_ok_and(|root| root == want)
    })
    .path(&path)];
    if let Some(context) = gpu.filter(|_| spec.sweep == Sweep::BatchSize) {
        cases.extend(gpu_cases(context, hash, &leaves, want, &path));
    }
    let peer = match hash {
        Hash::Sha256 => "sha2",
        Hash::Sm3 => "sm3 (RustCrypto)",
    };
    cases.push(
        Case::new(peer, "cache-sized subtrees, buffers reused", {
            let leaves = leaves.clone();
            move || subtree_tree(&leaves, node) == want
        })
        .baseline(),
    );
    cases.push(
        Case::new(peer, "node-by-node tree", {
            let leaves = leaves.clone();
            move || node_by_node_tree(&leaves, node) == want
        })
        .baseline(),
    );
    if spec.threads == 1 && hash == Hash::Sha256 {
        let rs_want = Merkle::new(RS_MERKLE)
            .with_backend(Backend::Cpu)
            .root(&leaves)
            .ok();
        cases.push(
            Case::new("rs_merkle", "MerkleTree::from_leaves", move || {
                rs_merkle_root(&leaves) == rs_want
            })
            .baseline(),
        );
    }
    cases
}

/// The trees kept for proofs on the CPU and the GPU, then the GPU's root end to end (upload,
/// kernels, read-back of the root) and kernel-only (leaves uploaded beforehand, when they fit
/// one buffer).
fn gpu_cases(
    context: &Arc<GpuContext>,
    hash: Hash,
    leaves: &Arc<Vec<Digest>>,
    want: Digest,
    cpu_path: &str,
) -> Vec<Case> {
    let (flavor, name) = measured_flavor(hash);
    let adapter = context.adapter().name.clone();
    // Trees kept for proofs and resident leaves need one buffer, which the adapter bounds.
    let fits_one_buffer = leaves.len() <= context.merkle_chunk_leaves();
    if !fits_one_buffer {
        eprintln!(
            "{} leaves exceed one GPU buffer ({}): no GPU tree or kernel-only rows",
            leaves.len(),
            context.merkle_chunk_leaves()
        );
    }
    let mut cases = Vec::new();
    for backend in [Backend::Cpu, Backend::Gpu]
        .into_iter()
        .filter(|&b| b == Backend::Cpu || fits_one_buffer)
    {
        let merkle = Merkle::new(flavor).with_backend(backend);
        let leaves = leaves.clone();
        let case = Case::new("batchverify", &format!("tree ({name})"), move || {
            merkle
                .tree(&leaves)
                .is_ok_and(|tree| tree.root() == want && tree.execution().backend == backend)
        });
        cases.push(match backend {
            Backend::Gpu => case.on_gpu(&adapter),
            _ => case.path(cpu_path),
        });
    }
    let end_to_end = {
        let (context, leaves) = (context.clone(), leaves.clone());
        Case::new(
            "batchverify",
            &format!("root ({name}), end-to-end"),
            move || {
                context
                    .merkle_root(&flavor, &leaves)
                    .is_ok_and(|(root, _)| root == want)
            },
        )
        .on_gpu(&adapter)
    };
    cases.push(end_to_end);
    if fits_one_buffer {
        match context.upload(leaves) {
            Ok(resident) => {
                let context = context.clone();
                cases.push(
                    Case::new(
                        "batchverify",
                        &format!("root ({name}), kernel-only"),
                        move || {
                            context
                                .merkle_root_resident(&flavor, &resident)
                                .is_ok_and(|(root, _)| root == want)
                        },
                    )
                    .on_gpu(&adapter),
                );
            }
            Err(error) => eprintln!("gpu kernel-only at {} leaves: {error}", leaves.len()),
        }
    }
    cases
}

/// Where `Backend::Auto` should start using the GPU, as these records measured it: the
/// smallest tree from which the GPU's end-to-end root beats the CPU's root at every larger size
/// measured. `None` when no GPU row exists; `Some(None)` when the GPU never won at the largest.
pub fn crossover(records: &[Record]) -> Option<Option<usize>> {
    let rate = |size: usize, backend: &str, operation: &str| {
        records
            .iter()
            .find(|r| {
                r.suite == "merkle"
                    && r.sweep == Sweep::BatchSize
                    && r.batch_size == size
                    && r.backend == backend
                    && r.operation == operation
            })
            .map(|r| r.items_per_second)
    };
    let mut sizes: Vec<usize> = records.iter().map(|r| r.batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let gpu_wins: Vec<(usize, bool)> = sizes
        .iter()
        .filter_map(|&size| {
            let cpu = rate(size, "cpu", "root (ssz)")?;
            let gpu = rate(size, "gpu", "root (ssz), end-to-end")?;
            Some((size, gpu > cpu))
        })
        .collect();
    if gpu_wins.is_empty() {
        return None;
    }
    let from = gpu_wins
        .iter()
        .rposition(|&(_, wins)| !wins)
        .map_or(0, |last_loss| last_loss + 1);
    Some(gpu_wins.get(from).map(|&(size, _)| size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::sample;

    #[test]
    fn the_crossover_is_where_the_gpu_wins_at_every_larger_size() {
        let rows = |wins: &[(usize, bool)]| -> Vec<Record> {
            wins.iter()
                .flat_map(|&(size, gpu_wins)| {
                    let gpu = if gpu_wins { 2.0 } else { 0.5 };
                    [
                        sample("merkle", "root (ssz)", "cpu", size, 1.0, false),
                        sample("merkle", "root (ssz), end-to-end", "gpu", size, gpu, false),
                    ]
                })
                .collect()
        };
        // A win at 2^12 followed by a loss does not count: the GPU must win from there on.
        let noisy = rows(&[
            (1 << 12, true),
            (1 << 14, false),
            (1 << 16, true),
            (1 << 18, true),
        ]);
        assert_eq!(crossover(&noisy), Some(Some(1 << 16)));
        assert_eq!(
            crossover(&rows(&[(1 << 12, true), (1 << 14, true)])),
            Some(Some(1 << 12))
        );
        assert_eq!(
            crossover(&rows(&[(1 << 12, true), (1 << 14, false)])),
            Some(None)
        );
        let cpu_only = vec![sample("merkle", "root (ssz)", "cpu", 1 << 12, 1.0, false)];
        assert_eq!(crossover(&cpu_only), None);
    }

    #[test]
    fn every_peer_tree_agrees_with_ours_at_odd_sizes_and_thread_counts() {
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for count in [0usize, 1, 2, 3, 5, 64, 1000, 4097, 70_001] {
                let leaves = leaves(count);
                let ssz = Merkle::new(SSZ).with_backend(Backend::Cpu);
                let promote = Merkle::new(RS_MERKLE).with_backend(Backend::Cpu);
                pool.install(|| {
                    let want = ssz.root(&leaves).unwrap();
                    assert_eq!(
                        node_by_node_tree(&leaves, sha2_node),
                        want,
                        "{count} leaves, {threads} threads"
                    );
                    assert_eq!(subtree_tree(&leaves, sha2_node), want, "{count} leaves");
                    let sm3 = Merkle::new(SSZ.with_hash(HashFn::Sm3)).with_backend(Backend::Cpu);
                    let want = sm3.root(&leaves).unwrap();
                    assert_eq!(subtree_tree(&leaves, sm3_node), want, "{count} leaves");
                    assert_eq!(node_by_node_tree(&leaves, sm3_node), want);
                    if count > 0 {
                        assert_eq!(rs_merkle_root(&leaves), promote.root(&leaves).ok());
                    }
                });
            }
        }
    }
}
