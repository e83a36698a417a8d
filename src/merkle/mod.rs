//! Merkle trees for the flavors blockchains use, and custom ones, over SHA-256 or SM3.
//!
//! A [`Flavor`] is data: how leaves are hashed, the bytes before each node, the hash (SHA-256,
//! double SHA-256 or SM3), and what happens to an odd node at the end of a level. The presets:
//!
//! | preset | leaves in | node | odd node |
//! |---|---|---|---|
//! | [`BITCOIN`] | txids (internal byte order) | SHA256d(l ‖ r) | paired with itself |
//! | [`RFC6962`] | leaf hash = SHA-256(0x00 ‖ data) | SHA-256(0x01 ‖ l ‖ r) | promoted unchanged |
//! | [`SSZ`] | 32-byte chunks | SHA-256(l ‖ r) | paired with the zero subtree of its height |
//! | [`FISCO_BCOS`] | transaction hashes | SM3(l ‖ r) | hashed alone: SM3(node) |
//!
//! Every flavor takes either hash: [`Flavor::with_hash`] makes an RFC 6962 tree over SM3, or
//! a FISCO BCOS tree over SHA-256 (its Keccak-256 mode is not offered).
//!
//! Roots hash each level's nodes many at a time (the [`crate::sha256`] and [`crate::sm3`]
//! vector paths) and split
//! large trees into cache-sized subtrees across rayon's threads; the result never depends on the
//! thread count. [`Tree`] keeps every level for proofs; [`RootBuilder`] streams leaves in
//! memory that grows with the logarithm of their number.
//!
//! ```
//! use batchverify::merkle::{self, RFC6962};
//!
//! let leaves = merkle::leaf_hashes(&[&b"a"[..], b"b", b"c"], &RFC6962)?;
//! let tree = merkle::Tree::new(&leaves, &RFC6962)?;
//! let proof = tree.proof(2)?;
//! assert!(merkle::verify_inclusion(&RFC6962, &tree.root(), &leaves[2], 2, 3, &proof.siblings));
//! # Ok::<(), batchverify::Error>(())
//! ```

mod stream;
mod tree;

use core::fmt;
use core::str::FromStr;

use rayon::prelude::*;

use crate::backend::{Backend, Execution};
use crate::md32::Job;
pub use crate::sha256::Digest;
use crate::{sha256, sm3, Error, Field};
pub use stream::RootBuilder;
pub use tree::Tree;

/// The hash applied to leaves and nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashFn {
    /// SHA-256 once.
    Sha256,
    /// SHA-256 of the SHA-256 digest (Bitcoin).
    Sha256d,
    /// SM3 once (GB/T 32905), the hash of China's consortium chains.
    Sm3,
}

impl FromStr for HashFn {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "sha256" => Ok(HashFn::Sha256),
            "sha256d" => Ok(HashFn::Sha256d),
            "sm3" => Ok(HashFn::Sm3),
            other => Err(format!(
                "unknown hash {other:?} (expected sha256, sha256d or sm3)"
            )),
        }
    }
}

impl fmt::Display for HashFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashFn::Sha256 => "sha256",
            HashFn::Sha256d => "sha256d",
            HashFn::Sm3 => "sm3",
        })
    }
}

/// How [`leaf_hashes`] turns raw leaf data into the tree's bottom level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeafRule {
    /// The flavor's hash of `prefix ‖ data`.
    Hash {
        /// Domain-separation bytes before the data (RFC 6962: `0x00`).
        prefix: &'static [u8],
    },
    /// The data is the node itself and must be exactly 32 bytes (SSZ chunks).
    Chunk,
}

/// What a level does with its last node when it has an odd number of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OddNode {
    /// Pair it with itself (Bitcoin).
    Duplicate,
    /// Move it up unchanged (RFC 6962: the same tree as splitting at the largest power of two).
    Promote,
    /// Pair it with the root of an all-zero subtree of the same height, so the tree is the full
    /// binary tree over the leaves padded with zero chunks to a power of two (SSZ).
    ZeroPad {
        /// Pad to `limit` leaves instead (SSZ lists with a maximum length); more leaves than
        /// this are an error.
        limit: Option<u64>,
    },
    /// Hash it alone: its parent is the hash of the node prefix and the node (FISCO BCOS, whose
    /// tree hashes each group of up to two children, however many there are).
    HashAlone,
}

/// A Merkle tree construction. Build custom ones from the same parts as the presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flavor {
    /// How raw leaf data becomes a leaf hash.
    pub leaf: LeafRule,
    /// Bytes hashed before the two children of every node.
    pub node_prefix: &'static [u8],
    /// The hash for leaves and nodes.
    pub hash: HashFn,
    /// What happens to an odd node at the end of a level.
    pub odd: OddNode,
}

/// Bitcoin's transaction Merkle tree: txids in internal byte order, SHA256d nodes, the odd node
/// paired with itself. [`bitcoin_root`] also reports CVE-2012-2459 mutation.
pub const BITCOIN: Flavor = Flavor {
    leaf: LeafRule::Hash { prefix: &[] },
    node_prefix: &[],
    hash: HashFn::Sha256d,
    odd: OddNode::Duplicate,
};

/// RFC 6962 / RFC 9162 (Certificate Transparency, Sigstore): leaf hash SHA-256(0x00 ‖ data),
/// node SHA-256(0x01 ‖ l ‖ r), odd nodes promoted.
pub const RFC6962: Flavor = Flavor {
    leaf: LeafRule::Hash { prefix: &[0x00] },
    node_prefix: &[0x01],
    hash: HashFn::Sha256,
    odd: OddNode::Promote,
};

/// FISCO BCOS 3.x's transaction and receipt roots in its national-crypto mode: the leaves
/// are the transactions' SM3 hashes as they are, a node is SM3(l ‖ r), and the last node of
/// an odd level is hashed alone, SM3(node). One leaf is its own root; no leaves give 32 zero
/// bytes (the block header's empty root).
///
/// Defined by `bcos-crypto/bcos-crypto/merkle/Merkle.h` (class `Merkle`, default width 2) and
/// `bcos-tars-protocol/bcos-tars-protocol/protocol/BlockImpl.cpp` (`calculateTransactionRoot`)
/// in FISCO-BCOS/FISCO-BCOS at commits 9082b060a5c8cdb938472af0e20f618d1442a7e3 and
/// 04b1e4d6e80b9f633cb5569455e6f44f8173859a.
pub const FISCO_BCOS: Flavor = Flavor {
    leaf: LeafRule::Hash { prefix: &[] },
    node_prefix: &[],
    hash: HashFn::Sm3,
    odd: OddNode::HashAlone,
};

/// Ethereum consensus SSZ `merkleize`: 32-byte chunks, SHA-256(l ‖ r), padded with zero
/// subtrees to the next power of two. [`Flavor::with_limit`] pads to a list's limit instead, and
/// [`mix_in_length`] finishes a list's `hash_tree_root`.
pub const SSZ: Flavor = Flavor {
    leaf: LeafRule::Chunk,
    node_prefix: &[],
    hash: HashFn::Sha256,
    odd: OddNode::ZeroPad { limit: None },
};

impl Flavor {
    /// The same flavor padded with zero subtrees up to `limit` leaves (SSZ `merkleize` with a
    /// limit).
    pub const fn with_limit(self, limit: u64) -> Flavor {
        Flavor {
            odd: OddNode::ZeroPad { limit: Some(limit) },
            ..self
        }
    }

    /// The same flavor over another hash (SM3 for an RFC 6962 log of a national-crypto chain).
    pub const fn with_hash(self, hash: HashFn) -> Flavor {
        Flavor { hash, ..self }
    }

    fn job(&self) -> Job<'static> {
        Job {
            prefix: self.node_prefix,
            double: self.hash == HashFn::Sha256d,
        }
    }
}

impl FromStr for Flavor {
    type Err = String;

    /// A preset's name, or `<preset> over <hash>` as [`Flavor`]'s `Display` writes a preset
    /// over another hash.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some((preset, hash)) = name.split_once(" over ") {
            return Ok(preset.parse::<Flavor>()?.with_hash(hash.parse()?));
        }
        match name {
            "bitcoin" => Ok(BITCOIN),
            "rfc6962" => Ok(RFC6962),
            "ssz" => Ok(SSZ),
            "fisco-bcos" => Ok(FISCO_BCOS),
            other => Err(format!(
                "unknown Merkle flavor {other:?} (expected bitcoin, rfc6962, ssz or fisco-bcos)"
            )),
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BITCOIN => f.write_str("bitcoin"),
            RFC6962 => f.write_str("rfc6962"),
            SSZ => f.write_str("ssz"),
            FISCO_BCOS => f.write_str("fisco-bcos"),
            custom => match [BITCOIN, RFC6962, SSZ, FISCO_BCOS]
                .into_iter()
                .find(|preset| preset.with_hash(custom.hash) == custom)
            {
                Some(preset) => write!(f, "{preset} over {}", custom.hash),
                None => write!(f, "{custom:?}"),
            },
        }
    }
}

/// Leaves per subtree that one thread reduces on its own: 2^11 digests (64 KiB) and the level
/// above stay in the core's L2 cache.
const SUBTREE_HEIGHT: u32 = 11;
const SUBTREE_LEAVES: usize = 1 << SUBTREE_HEIGHT;

/// Height of the subtrees whose GPU nodes the CPU recomputes from the leaves, a sample of them
/// per call: one dispatch's worth, 2^9 leaves each.
#[cfg(feature = "gpu")]
const CHECKED_SUBTREE_HEIGHT: u32 = 9;

/// The smallest subtree worth a task of its own.
const MIN_SUBTREE_HEIGHT: u32 = 8;

/// A root and how it was computed ([`Merkle::root_report`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootReport {
    /// The root.
    pub root: Digest,
    /// Whether some level had two equal siblings ([`Merkle::root_and_mutation`]).
    pub mutated: bool,
    /// The backend that computed it.
    pub execution: Execution,
}

/// Runs `$body` with `$hasher` bound to the engine of the flavor's hash.
macro_rules! with_engine {
    ($merkle:expr, $hasher:ident => $body:expr) => {
        match $merkle.flavor.hash {
            HashFn::Sm3 => {
                let $hasher = &$merkle.sm3;
                $body
            }
            HashFn::Sha256 | HashFn::Sha256d => {
                let $hasher = &$merkle.sha256;
                $body
            }
        }
    };
}

/// Merkle operations for one flavor on one hash engine (path, threading and [`Backend`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merkle {
    flavor: Flavor,
    sha256: sha256::Hasher,
    sm3: sm3::Hasher,
}

impl Merkle {
    /// `flavor` on the best path for its hash, using rayon's threads for large trees.
    pub fn new(flavor: Flavor) -> Self {
        Merkle {
            flavor,
            sha256: sha256::Hasher::new(),
            sm3: sm3::Hasher::new(),
        }
    }

    /// `flavor` on a given SHA-256 hasher (a forced path, or sequential). An SM3 flavor takes
    /// the hasher's backend and threading on SM3's best path; [`Merkle::with_sm3_hasher`]
    /// forces an SM3 path.
    pub fn with_hasher(flavor: Flavor, hasher: sha256::Hasher) -> Self {
        let sm3 = sm3::Hasher::new().with_backend(hasher.backend());
        Merkle {
            flavor,
            sha256: hasher,
            sm3: if hasher.is_parallel() {
                sm3
            } else {
                sm3.sequential()
            },
        }
    }

    /// The same flavor on a given SM3 hasher (a forced path, or sequential), for SM3 trees.
    pub fn with_sm3_hasher(self, hasher: sm3::Hasher) -> Self {
        Merkle {
            sm3: hasher,
            ..self
        }
    }

    /// The same engine computing roots and leaf hashes on `backend` (see [`Backend`]).
    pub fn with_backend(self, backend: Backend) -> Self {
        Merkle {
            sha256: self.sha256.with_backend(backend),
            sm3: self.sm3.with_backend(backend),
            ..self
        }
    }

    /// The backend roots and leaf hashes ask for.
    fn backend(&self) -> Backend {
        with_engine!(self, hasher => hasher.backend())
    }

    /// The same, on the calling thread only.
    fn sequential(&self) -> Merkle {
        Merkle {
            sha256: self.sha256.sequential(),
            sm3: self.sm3.sequential(),
            ..*self
        }
    }

    /// The flavor.
    pub fn flavor(&self) -> &Flavor {
        &self.flavor
    }

    /// The leaf rule applied to each item of `data`.
    pub fn leaf_hashes<D: AsRef<[u8]> + Sync>(&self, data: &[D]) -> Result<Vec<Digest>, Error> {
        match self.flavor.leaf {
            LeafRule::Chunk => data
                .iter()
                .enumerate()
                .map(|(index, chunk)| {
                    let chunk = chunk.as_ref();
                    chunk.try_into().map_err(|_| Error::Malformed {
                        index,
                        field: Field::Leaf,
                        expected_len: 32,
                        actual_len: chunk.len(),
                    })
                })
                .collect(),
            LeafRule::Hash { prefix } => {
                let job = Job {
                    prefix,
                    double: self.flavor.hash == HashFn::Sha256d,
                };
                Ok(with_engine!(self, hasher => hasher.hash_messages_placed(&job, data).0))
            }
        }
    }

    /// The root over `leaves` (leaf hashes, not raw data).
    pub fn root(&self, leaves: &[Digest]) -> Result<Digest, Error> {
        Ok(self.root_and_mutation(leaves)?.0)
    }

    /// The root, and whether some level has two equal siblings (Bitcoin Core's CVE-2012-2459
    /// check; always `false` for flavors that do not duplicate odd nodes).
    pub fn root_and_mutation(&self, leaves: &[Digest]) -> Result<(Digest, bool), Error> {
        let report = self.root_report(leaves)?;
        Ok((report.root, report.mutated))
    }

    /// The root, the mutation flag, and whether the CPU or the GPU computed them.
    pub fn root_report(&self, leaves: &[Digest]) -> Result<RootReport, Error> {
        let shape = Shape::new(&self.flavor, leaves.len() as u64)?;
        let zeros = self.zero_hashes(shape.depth.unwrap_or(0));
        if leaves.is_empty() {
            return Ok(RootReport {
                root: self.empty_root(&zeros, shape.depth),
                mutated: false,
                execution: Execution::cpu(),
            });
        }
        #[cfg(feature = "gpu")]
        let execution = match crate::gpu::attempt(
            self.backend(),
            crate::gpu::GpuWork::Root(leaves.len()),
            |context| self.reduce_on_gpu(context, leaves, shape.height(), &zeros),
        ) {
            Ok(((root, mutated), execution)) => {
                return Ok(RootReport {
                    root,
                    mutated,
                    execution,
                })
            }
            Err(execution) => execution,
        };
        #[cfg(not(feature = "gpu"))]
        let execution = crate::backend::cpu_only(self.backend());
        let (root, mutated) = self.reduce(leaves, shape.height(), &zeros);
        Ok(RootReport {
            root,
            mutated,
            execution,
        })
    }

    /// The root with `context`'s GPU reducing the first nine levels (see
    /// [`Merkle::reduce_on_gpu`]).
    #[cfg(feature = "gpu")]
    pub(crate) fn root_on_gpu(
        &self,
        context: &crate::gpu::GpuContext,
        leaves: &[Digest],
    ) -> Result<(Digest, bool), crate::gpu::GpuError> {
        let (shape, zeros) = self.gpu_shape(leaves.len())?;
        if leaves.is_empty() {
            return Ok((self.empty_root(&zeros, shape.depth), false));
        }
        self.reduce_on_gpu(context, leaves, shape.height(), &zeros)
    }

    #[cfg(feature = "gpu")]
    pub(crate) fn root_on_gpu_resident(
        &self,
        context: &crate::gpu::GpuContext,
        leaves: &crate::gpu::GpuLeaves,
    ) -> Result<(Digest, bool), crate::gpu::GpuError> {
        let (shape, zeros) = self.gpu_shape(leaves.len())?;
        if leaves.is_empty() {
            return Ok((self.empty_root(&zeros, shape.depth), false));
        }
        let (node, height, mutated) = context.reduce_resident(&self.flavor, leaves, &zeros)?;
        Ok((self.lift(node, height..shape.height(), &zeros), mutated))
    }

    /// The tree's shape and zero-subtree roots, for the GPU entry points (a list over its
    /// limit is not something the GPU can compute).
    #[cfg(feature = "gpu")]
    fn gpu_shape(&self, leaves: usize) -> Result<(Shape, Vec<Digest>), crate::gpu::GpuError> {
        let shape = Shape::new(&self.flavor, leaves as u64)
            .map_err(|error| crate::gpu::GpuError::Unsupported(error.to_string()))?;
        let zeros = self.zero_hashes(shape.depth.unwrap_or(0));
        Ok((shape, zeros))
    }

    /// The root of `leaves` with the GPU's help: it reduces the first levels, the CPU checks a
    /// sample of its nodes against the leaves under them and reduces the rest, and the CPU
    /// alone finds the mutation flag.
    #[cfg(feature = "gpu")]
    fn reduce_on_gpu(
        &self,
        context: &crate::gpu::GpuContext,
        leaves: &[Digest],
        levels: u32,
        zeros: &[Digest],
    ) -> Result<(Digest, bool), crate::gpu::GpuError> {
        let (pieces, mutated) = crate::gpu::beside(
            || context.reduce_pieces(&self.flavor, leaves, zeros),
            || self.flavor.odd == OddNode::Duplicate && equal_sibling_ranges(leaves),
        );
        let pieces = pieces?;
        let height = pieces
            .iter()
            .map(|&(_, reached)| reached)
            .max()
            .unwrap_or(0);
        let nodes: Vec<Digest> = pieces
            .into_iter()
            .flat_map(|(nodes, reached)| match nodes[..] {
                // A last piece too small for a whole dispatch stopped lower, at one node.
                [node] if reached < height => vec![self.lift(node, reached..height, zeros)],
                _ => nodes,
            })
            .collect();
        self.check_gpu_subtrees(context, leaves, &[&nodes], height, zeros)?;
        Ok((self.reduce_from(&nodes, height, levels, zeros).0, mutated))
    }

    /// Checks the levels the GPU built above `leaves` for a tree: a sample of the subtrees of
    /// [`CHECKED_SUBTREE_HEIGHT`] level by level, and everything above those recomputed.
    #[cfg(feature = "gpu")]
    pub(crate) fn check_gpu_levels(
        &self,
        context: &crate::gpu::GpuContext,
        leaves: &[Digest],
        upper: &[Vec<Digest>],
        zeros: &[Digest],
    ) -> Result<(), crate::gpu::GpuError> {
        let checked = upper.len().min(CHECKED_SUBTREE_HEIGHT as usize);
        let lower: Vec<&[Digest]> = upper[..checked].iter().map(Vec::as_slice).collect();
        self.check_gpu_subtrees(context, leaves, &lower, checked as u32, zeros)?;
        let mut parents = Vec::new();
        for (below, pair) in (checked as u32..).zip(upper[checked.max(1) - 1..].windows(2)) {
            self.parent_level(&pair[0], below, zeros, &mut parents);
            if parents != pair[1] {
                return Err(context.reject(format!("Merkle level at height {}", below + 1)));
            }
        }
        Ok(())
    }

    /// Recomputes from `leaves` the subtrees of `height` under the GPU's nodes at
    /// [`crate::gpu::sample_positions`], comparing every node the GPU gave: `gpu_levels` are
    /// the subtrees' top levels, the last at `height`. A mismatch stops the GPU's use.
    #[cfg(feature = "gpu")]
    pub(crate) fn check_gpu_subtrees(
        &self,
        context: &crate::gpu::GpuContext,
        leaves: &[Digest],
        gpu_levels: &[&[Digest]],
        height: u32,
        zeros: &[Digest],
    ) -> Result<(), crate::gpu::GpuError> {
        let Some(top) = gpu_levels.last() else {
            return Ok(());
        };
        let lowest_kept = height + 1 - gpu_levels.len() as u32;
        let sequential = self.sequential();
        let wrong = crate::gpu::sample_positions(top.len())
            .into_par_iter()
            .find_map_any(|index| {
                let start = index << height;
                let end = ((index + 1) << height).min(leaves.len());
                let mut level = leaves[start..end].to_vec();
                let mut parents = Vec::new();
                for at in 0..=height {
                    if at > 0 {
                        sequential.parent_level(&level, at - 1, zeros, &mut parents);
                        std::mem::swap(&mut level, &mut parents);
                    }
                    if at < lowest_kept {
                        continue;
                    }
                    let first = index << (height - at);
                    let gpu =
                        gpu_levels[(at - lowest_kept) as usize].get(first..first + level.len());
                    if gpu != Some(&level[..]) {
                        return Some(format!(
                            "Merkle node {index} at height {height} (or below it)"
                        ));
                    }
                }
                None
            });
        match wrong {
            Some(what) => Err(context.reject(what)),
            None => Ok(()),
        }
    }

    /// Takes the last node of a level up through `heights` with no sibling: what the odd-node
    /// rule does to the right edge of a tree taller than its leaves need.
    #[cfg(feature = "gpu")]
    fn lift(&self, mut node: Digest, heights: core::ops::Range<u32>, zeros: &[Digest]) -> Digest {
        for height in heights {
            node = self.lift_odd(&node, height, zeros);
        }
        node
    }

    /// A tree that keeps its levels, for proofs.
    pub fn tree(&self, leaves: &[Digest]) -> Result<Tree, Error> {
        Tree::build(*self, leaves)
    }

    /// A streaming root computation over leaves pushed in pieces.
    pub fn root_builder(&self) -> RootBuilder {
        RootBuilder::new(*self)
    }

    /// Reduces `leaves` `levels` times to one node, applying the odd rule at each level (as the
    /// rightmost subtree of a larger tree must). Large inputs go to rayon's threads as
    /// cache-sized subtrees first.
    fn reduce(&self, leaves: &[Digest], levels: u32, zeros: &[Digest]) -> (Digest, bool) {
        self.reduce_from(leaves, 0, levels, zeros)
    }

    /// [`Merkle::reduce`] from `nodes` at `height` up to `levels`.
    fn reduce_from(
        &self,
        nodes: &[Digest],
        height: u32,
        levels: u32,
        zeros: &[Digest],
    ) -> (Digest, bool) {
        // Every thread gets a subtree once each can have one of at least 2^8 leaves: a plain
        // sha2 tree split that way beat a single thread from 1,000 leaves on two cores.
        let per_thread = nodes.len() / rayon::current_num_threads();
        if per_thread < 1 << MIN_SUBTREE_HEIGHT || nodes.len() <= 1 << MIN_SUBTREE_HEIGHT {
            return self.reduce_levels(nodes.to_vec(), height..levels, zeros);
        }
        let subtree_top = height + per_thread.ilog2().min(SUBTREE_HEIGHT);
        let sequential = self.sequential();
        let (roots, mutations): (Vec<Digest>, Vec<bool>) = nodes
            .par_chunks(1 << (subtree_top - height))
            .map(|chunk| sequential.reduce_levels(chunk.to_vec(), height..subtree_top, zeros))
            .unzip();
        let (root, mutated) = self.reduce_levels(roots, subtree_top..levels, zeros);
        (root, mutated || mutations.contains(&true))
    }

    fn reduce_levels(
        &self,
        mut level: Vec<Digest>,
        heights: core::ops::Range<u32>,
        zeros: &[Digest],
    ) -> (Digest, bool) {
        let mut parents = Vec::with_capacity(level.len() / 2 + 1);
        let mut mutated = false;
        for height in heights {
            mutated |= self.parent_level(&level, height, zeros, &mut parents);
            std::mem::swap(&mut level, &mut parents);
        }
        (level[0], mutated)
    }

    /// Fills `parents` with the level above `level` (at `height`); returns whether two real
    /// siblings were equal.
    fn parent_level(
        &self,
        level: &[Digest],
        height: u32,
        zeros: &[Digest],
        parents: &mut Vec<Digest>,
    ) -> bool {
        let pairs = level.len() / 2;
        let count = level.len().div_ceil(2);
        parents.clear();
        let equal_pair = |pair: &[Digest]| pair[0] == pair[1];
        let mutated = if level.len() > SUBTREE_LEAVES {
            // On all threads: the first touch of a large level's memory costs more than
            // hashing it (a tree kept for proofs allocates every level).
            crate::md32::pages::reserve_digests(parents, count);
            parents.par_extend(rayon::iter::repeat_n([0; 32], count));
            self.flavor.odd == OddNode::Duplicate && level.par_chunks_exact(2).any(equal_pair)
        } else {
            parents.resize(count, [0; 32]);
            self.flavor.odd == OddNode::Duplicate && level.chunks_exact(2).any(equal_pair)
        };
        let job = self.flavor.job();
        with_engine!(self, hasher => hasher.hash_pairs_into(&job, level, &mut parents[..pairs]));
        if let [.., last] = level {
            if level.len() % 2 == 1 {
                parents[pairs] = self.lift_odd(last, height, zeros);
            }
        }
        mutated
    }

    /// The parent of a node that has no real sibling.
    fn lift_odd(&self, node: &Digest, height: u32, zeros: &[Digest]) -> Digest {
        match self.flavor.odd {
            OddNode::Duplicate => self.node(node, node),
            OddNode::Promote => *node,
            OddNode::ZeroPad { .. } => self.node(node, &zeros[height as usize]),
            OddNode::HashAlone => self.lone(node),
        }
    }

    fn node(&self, left: &Digest, right: &Digest) -> Digest {
        let job = self.flavor.job();
        with_engine!(self, hasher => hasher.node(&job, left, right))
    }

    /// The parent of a node hashed alone.
    fn lone(&self, node: &Digest) -> Digest {
        let job = self.flavor.job();
        with_engine!(self, hasher => hasher.hash_job(&job, node))
    }

    /// Roots of all-zero subtrees of height 0..=depth (only padding flavors use them).
    pub(crate) fn zero_hashes(&self, depth: u32) -> Vec<Digest> {
        let mut zeros = vec![[0; 32]];
        if matches!(self.flavor.odd, OddNode::ZeroPad { .. }) {
            for height in 0..depth as usize {
                zeros.push(self.node(&zeros[height], &zeros[height]));
            }
        }
        zeros
    }

    /// The root of a tree with no leaves: the hash of nothing for RFC 6962 (its definition),
    /// the zero subtree for padding flavors, and all zeros for Bitcoin (as Bitcoin Core's
    /// `ComputeMerkleRoot` returns; blocks always have a coinbase) and FISCO BCOS (its block
    /// header's root without transactions).
    fn empty_root(&self, zeros: &[Digest], depth: Option<u32>) -> Digest {
        match self.flavor.odd {
            OddNode::Promote => with_engine!(self, hasher => hasher.hash(&[])),
            OddNode::ZeroPad { .. } => zeros[depth.unwrap_or(0) as usize],
            OddNode::Duplicate | OddNode::HashAlone => [0; 32],
        }
    }

    /// Whether `proof` shows `leaf_hash` at `index` in the tree of `tree_size` leaves with root
    /// `root`. Any field of the wrong length, an index outside the tree or a proof of the wrong
    /// length is `false`.
    pub fn verify_inclusion<P: AsRef<[u8]>>(
        &self,
        root: &[u8],
        leaf_hash: &[u8],
        index: u64,
        tree_size: u64,
        proof: &[P],
    ) -> bool {
        let (Ok(root), Ok(leaf)) = (<&Digest>::try_from(root), <&Digest>::try_from(leaf_hash))
        else {
            return false;
        };
        let Some(siblings) = digests(proof) else {
            return false;
        };
        if index >= tree_size {
            return false;
        }
        let computed = match self.flavor.odd {
            OddNode::Promote => self.promoted_path_root(leaf, index, tree_size, &siblings),
            OddNode::HashAlone => self.lone_path_root(leaf, index, tree_size, &siblings),
            OddNode::Duplicate | OddNode::ZeroPad { .. } => {
                self.full_path_root(leaf, index, tree_size, &siblings)
            }
        };
        computed.is_some_and(|computed| &computed == root)
    }

    /// [`Merkle::verify_inclusion`] for many leaves of one tree at once, in parallel.
    pub fn verify_inclusions(
        &self,
        root: &[u8],
        leaf_hashes: &[Digest],
        proofs: &[Proof],
    ) -> Result<Vec<bool>, Error> {
        if leaf_hashes.len() != proofs.len() {
            return Err(Error::CountMismatch {
                field: Field::Leaf,
                expected: proofs.len(),
                actual: leaf_hashes.len(),
            });
        }
        let single = self.sequential();
        Ok(leaf_hashes
            .par_iter()
            .zip(proofs)
            .map(|(leaf, proof)| {
                single.verify_inclusion(root, leaf, proof.index, proof.tree_size, &proof.siblings)
            })
            .collect())
    }

    /// RFC 9162 §2.1.3.2: the path of a tree whose odd nodes are promoted, so levels without a
    /// sibling contribute nothing to the proof.
    fn promoted_path_root(
        &self,
        leaf: &Digest,
        index: u64,
        tree_size: u64,
        siblings: &[Digest],
    ) -> Option<Digest> {
        let mut walk = PromotedWalk {
            position: index,
            last: tree_size - 1,
        };
        let mut node = *leaf;
        for sibling in siblings {
            node = if walk.step()? {
                self.node(sibling, &node)
            } else {
                self.node(&node, sibling)
            };
        }
        (walk.last == 0).then_some(node)
    }

    /// The path of a tree whose odd nodes are hashed alone: a level where the node is the last
    /// of an odd count has no sibling in the proof and hashes the node by itself.
    fn lone_path_root(
        &self,
        leaf: &Digest,
        index: u64,
        tree_size: u64,
        siblings: &[Digest],
    ) -> Option<Digest> {
        let (mut position, mut last) = (index, tree_size - 1);
        let mut siblings = siblings.iter();
        let mut node = *leaf;
        while last > 0 {
            node = if position == last && position % 2 == 0 {
                self.lone(&node)
            } else if position % 2 == 0 {
                self.node(&node, siblings.next()?)
            } else {
                self.node(siblings.next()?, &node)
            };
            position >>= 1;
            last >>= 1;
        }
        siblings.next().is_none().then_some(node)
    }

    /// A path with one sibling per level: the node itself (Duplicate) or a zero subtree
    /// (ZeroPad) where a level has no real sibling.
    fn full_path_root(
        &self,
        leaf: &Digest,
        index: u64,
        tree_size: u64,
        siblings: &[Digest],
    ) -> Option<Digest> {
        let shape = Shape::new(&self.flavor, tree_size).ok()?;
        if siblings.len() as u32 != shape.height() {
            return None;
        }
        let mut node = *leaf;
        for (height, sibling) in siblings.iter().enumerate() {
            node = if (index >> height).is_multiple_of(2) {
                self.node(&node, sibling)
            } else {
                self.node(sibling, &node)
            };
        }
        Some(node)
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows the tree of `size1` leaves with root `root1` is
    /// a prefix of the tree of `size2` leaves with root `root2`.
    ///
    /// Trees of equal size are consistent when the proof is empty and the roots are equal byte
    /// for byte (as transparency-dev/merkle compares them); consistency with an empty tree
    /// proves nothing and is `false`. Only flavors that promote odd nodes define it.
    pub fn verify_consistency<P: AsRef<[u8]>>(
        &self,
        size1: u64,
        size2: u64,
        root1: &[u8],
        root2: &[u8],
        proof: &[P],
    ) -> Result<bool, Error> {
        self.require_promotion("a consistency proof")?;
        if size1 == 0 || size1 > size2 {
            return Ok(false);
        }
        if size1 == size2 {
            return Ok(proof.is_empty() && root1 == root2);
        }
        let (Ok(root1), Ok(root2)) = (<&Digest>::try_from(root1), <&Digest>::try_from(root2))
        else {
            return Ok(false);
        };
        let Some(mut path) = digests(proof) else {
            return Ok(false);
        };
        if path.is_empty() {
            return Ok(false);
        }
        if size1.is_power_of_two() {
            path.insert(0, *root1);
        }
        let mut walk = PromotedWalk {
            position: size1 - 1,
            last: size2 - 1,
        };
        while walk.position % 2 == 1 {
            walk.position >>= 1;
            walk.last >>= 1;
        }
        let (mut old, mut new) = (path[0], path[0]);
        for node in &path[1..] {
            match walk.step() {
                None => return Ok(false),
                Some(true) => {
                    old = self.node(node, &old);
                    new = self.node(node, &new);
                }
                Some(false) => new = self.node(&new, node),
            }
        }
        Ok(&old == root1 && &new == root2 && walk.last == 0)
    }

    fn require_promotion(&self, operation: &'static str) -> Result<(), Error> {
        if self.flavor.odd == OddNode::Promote {
            Ok(())
        } else {
            Err(Error::UnsupportedByFlavor { operation })
        }
    }
}

/// The position walk RFC 9162 §2.1.3.2 and §2.1.4.2 share: `position` climbs the tree whose
/// rightmost node is `last`, skipping levels where it was promoted.
struct PromotedWalk {
    position: u64,
    last: u64,
}

impl PromotedWalk {
    /// Whether the next proof node goes on the left; `None` when the proof is longer than the
    /// path.
    fn step(&mut self) -> Option<bool> {
        if self.last == 0 {
            return None;
        }
        let on_left = self.position % 2 == 1 || self.position == self.last;
        if on_left {
            while self.position.is_multiple_of(2) && self.position != 0 {
                self.position >>= 1;
                self.last >>= 1;
            }
        }
        self.position >>= 1;
        self.last >>= 1;
        Some(on_left)
    }
}

/// An inclusion proof: the sibling hashes from the leaf's level up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Proof {
    /// The leaf's position.
    pub index: u64,
    /// Number of leaves in the tree.
    pub tree_size: u64,
    /// Sibling hashes, bottom level first.
    pub siblings: Vec<Digest>,
}

/// How tall a tree of some size is under a flavor.
struct Shape {
    /// Height padding flavors grow to (their limit, else the next power of two).
    depth: Option<u32>,
    leaves: u64,
}

impl Shape {
    fn new(flavor: &Flavor, leaves: u64) -> Result<Shape, Error> {
        let depth = match flavor.odd {
            OddNode::ZeroPad { limit } => {
                if let Some(limit) = limit.filter(|&limit| leaves > limit) {
                    return Err(Error::TooManyLeaves {
                        limit,
                        actual: leaves,
                    });
                }
                Some(ceil_log2(limit.unwrap_or(leaves).max(leaves)))
            }
            OddNode::Duplicate | OddNode::Promote | OddNode::HashAlone => None,
        };
        Ok(Shape { depth, leaves })
    }

    /// Levels above the leaves.
    fn height(&self) -> u32 {
        self.depth.unwrap_or_else(|| ceil_log2(self.leaves))
    }
}

/// Levels above `n` leaves; total for every `u64`, where `next_power_of_two` would overflow.
fn ceil_log2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        u64::BITS - (n - 1).leading_zeros()
    }
}

fn digests<P: AsRef<[u8]>>(items: &[P]) -> Option<Vec<Digest>> {
    items
        .iter()
        .map(|item| item.as_ref().try_into().ok())
        .collect()
}

/// The root over `leaves` (leaf hashes) under `flavor`, on all of rayon's threads.
pub fn root(leaves: &[Digest], flavor: &Flavor) -> Result<Digest, Error> {
    Merkle::new(*flavor).root(leaves)
}

/// Whether some level of the tree over `leaves` has two equal real siblings (CVE-2012-2459),
/// found from the leaves alone. Two whole sibling subtrees have equal roots exactly when their
/// leaves are equal (SHA-256 and SM3 being collision resistant). A right sibling cut short by
/// the end of the list can equal its left one only through the odd-node rule, which repeats a
/// node: the left one then holds two equal whole siblings lower down. So comparing the leaves
/// under every pair of whole siblings, level by level, finds each case a reduction would; the
/// first leaves of the two halves settle most pairs at once.
#[cfg(feature = "gpu")]
pub(crate) fn equal_sibling_ranges(leaves: &[Digest]) -> bool {
    let mut width = 1;
    while 2 * width <= leaves.len() {
        let pairs = leaves.len() / (2 * width);
        let equal = |pair: usize| {
            let (left, right) = leaves[2 * pair * width..][..2 * width].split_at(width);
            left[0] == right[0] && left == right
        };
        let found = if pairs > SUBTREE_LEAVES {
            (0..pairs).into_par_iter().any(equal)
        } else {
            (0..pairs).any(equal)
        };
        if found {
            return true;
        }
        width *= 2;
    }
    false
}

/// The Bitcoin header Merkle root over txids in internal byte order, and whether the list is
/// mutated (CVE-2012-2459: some level has two equal siblings, so another list has the same root).
pub fn bitcoin_root(txids: &[Digest]) -> (Digest, bool) {
    Merkle::new(BITCOIN)
        .root_and_mutation(txids)
        .expect("the Bitcoin flavor has no leaf limit")
}

/// The flavor's leaf rule applied to each item of `data`.
pub fn leaf_hashes<D: AsRef<[u8]> + Sync>(
    data: &[D],
    flavor: &Flavor,
) -> Result<Vec<Digest>, Error> {
    Merkle::new(*flavor).leaf_hashes(data)
}

/// See [`Merkle::verify_inclusion`].
pub fn verify_inclusion<P: AsRef<[u8]>>(
    flavor: &Flavor,
    root: &[u8],
    leaf_hash: &[u8],
    index: u64,
    tree_size: u64,
    proof: &[P],
) -> bool {
    Merkle::new(*flavor).verify_inclusion(root, leaf_hash, index, tree_size, proof)
}

/// See [`Merkle::verify_inclusions`].
pub fn verify_inclusions(
    flavor: &Flavor,
    root: &[u8],
    leaf_hashes: &[Digest],
    proofs: &[Proof],
) -> Result<Vec<bool>, Error> {
    Merkle::new(*flavor).verify_inclusions(root, leaf_hashes, proofs)
}

/// See [`Merkle::verify_consistency`].
pub fn verify_consistency<P: AsRef<[u8]>>(
    flavor: &Flavor,
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &[P],
) -> Result<bool, Error> {
    Merkle::new(*flavor).verify_consistency(size1, size2, root1, root2, proof)
}

/// SSZ `mix_in_length`: SHA-256(root ‖ length as a 256-bit little-endian integer), the
/// `hash_tree_root` of a list from the root of its chunks.
pub fn mix_in_length(root: &Digest, length: u64) -> Digest {
    let mut encoded = [0u8; 32];
    encoded[..8].copy_from_slice(&length.to_le_bytes());
    sha256::Hasher::new().node(&Job::PLAIN, root, &encoded)
}

#[cfg(all(test, feature = "gpu"))]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The leaf comparison the GPU path uses gives the flag a reduction computes, on lists of
    /// few distinct leaves (equal siblings at every level, and right edges cut short).
    #[test]
    fn equal_leaf_ranges_give_the_reductions_mutation_flag() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2459);
        let merkle = Merkle::new(BITCOIN).with_backend(Backend::Cpu);
        let (mut mutated, mut clean) = (0, 0);
        for _ in 0..20_000 {
            let len = rng.random_range(1..80);
            let alphabet = [1, 2, 3, 16, 255][rng.random_range(0..5)];
            let leaves: Vec<Digest> = (0..len)
                .map(|_| [rng.random_range(0..alphabet); 32])
                .collect();
            let (_, expected) = merkle.root_and_mutation(&leaves).unwrap();
            assert_eq!(equal_sibling_ranges(&leaves), expected, "{leaves:?}");
            if expected {
                mutated += 1;
            } else {
                clean += 1;
            }
        }
        assert!(
            mutated > 1000 && clean > 1000,
            "{mutated} mutated, {clean} clean"
        );
    }
}
