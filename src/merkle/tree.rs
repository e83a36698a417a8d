//! A Merkle tree that keeps every level, for inclusion and consistency proofs.

use rayon::prelude::*;

use super::{Digest, Merkle, OddNode, Proof, Shape};
use crate::backend::Execution;
use crate::Error;

/// Every level of a tree, leaves first, root last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    merkle: Merkle,
    levels: Vec<Vec<Digest>>,
    zeros: Vec<Digest>,
    root: Digest,
    mutated: bool,
    execution: Execution,
}

impl Tree {
    /// The tree over `leaves` (leaf hashes) under `flavor`.
    pub fn new(leaves: &[Digest], flavor: &super::Flavor) -> Result<Tree, Error> {
        Tree::build(Merkle::new(*flavor), leaves)
    }

    pub(super) fn build(merkle: Merkle, leaves: &[Digest]) -> Result<Tree, Error> {
        let shape = Shape::new(&merkle.flavor, leaves.len() as u64)?;
        let zeros = merkle.zero_hashes(shape.depth.unwrap_or(0));
        let mut first = Vec::new();
        crate::md32::pages::reserve_digests(&mut first, leaves.len());
        first.par_extend(leaves.par_iter().copied());
        let mut levels = vec![first];
        let mut mutated = false;
        if leaves.is_empty() {
            let root = merkle.empty_root(&zeros, shape.depth);
            return Ok(Tree {
                merkle,
                levels,
                zeros,
                root,
                mutated,
                execution: Execution::cpu(),
            });
        }
        // The GPU builds the levels up to the single node, checked on the CPU; the CPU adds
        // what padding flavors grow above it.
        #[cfg(feature = "gpu")]
        let execution = match crate::gpu::attempt(
            merkle.backend(),
            crate::gpu::GpuWork::Tree(leaves.len()),
            |context| {
                let (upper, mutated) = crate::gpu::beside(
                    || context.tree_levels(&merkle.flavor, leaves, &zeros),
                    || {
                        merkle.flavor.odd == OddNode::Duplicate
                            && super::equal_sibling_ranges(leaves)
                    },
                );
                let upper = upper?;
                merkle.check_gpu_levels(context, leaves, &upper, &zeros)?;
                Ok((upper, mutated))
            },
        ) {
            Ok(((upper, leaves_mutated), execution)) => {
                levels.extend(upper);
                mutated = leaves_mutated;
                execution
            }
            Err(execution) => execution,
        };
        #[cfg(not(feature = "gpu"))]
        let execution = crate::backend::cpu_only(merkle.backend());
        for height in (levels.len() - 1) as u32..shape.height() {
            let mut parents = Vec::new();
            mutated |= merkle.parent_level(&levels[height as usize], height, &zeros, &mut parents);
            levels.push(parents);
        }
        let root = levels[levels.len() - 1][0];
        Ok(Tree {
            merkle,
            levels,
            zeros,
            root,
            mutated,
            execution,
        })
    }

    /// The backend that built the levels.
    pub fn execution(&self) -> &Execution {
        &self.execution
    }

    /// The root.
    pub fn root(&self) -> Digest {
        self.root
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The leaf hashes.
    pub fn leaf_hashes(&self) -> &[Digest] {
        &self.levels[0]
    }

    /// The levels, leaf hashes first; padding flavors store only real nodes.
    pub fn levels(&self) -> &[Vec<Digest>] {
        &self.levels
    }

    /// Whether some level has two equal siblings (CVE-2012-2459; Bitcoin's flavor only).
    pub fn mutated(&self) -> bool {
        self.mutated
    }

    /// The inclusion proof of leaf `index`.
    pub fn proof(&self, index: u64) -> Result<Proof, Error> {
        let tree_size = self.len();
        if index >= tree_size {
            return Err(Error::IndexOutOfRange { index, tree_size });
        }
        let mut siblings = Vec::with_capacity(self.levels.len());
        for (height, level) in self.levels[..self.levels.len() - 1].iter().enumerate() {
            let position = (index >> height) as usize;
            match level.get(position ^ 1) {
                Some(sibling) => siblings.push(*sibling),
                None => match self.merkle.flavor.odd {
                    OddNode::Duplicate => siblings.push(level[position]),
                    OddNode::Promote | OddNode::HashAlone => {}
                    OddNode::ZeroPad { .. } => siblings.push(self.zeros[height]),
                },
            }
        }
        Ok(Proof {
            index,
            tree_size,
            siblings,
        })
    }

    /// Inclusion proofs of many leaves, built in parallel. An index asked for twice is an error.
    pub fn proofs(&self, indices: &[u64]) -> Result<Vec<Proof>, Error> {
        let mut sorted = indices.to_vec();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(Error::DuplicateIndex { index: pair[0] });
        }
        indices.par_iter().map(|&index| self.proof(index)).collect()
    }

    /// RFC 6962 §2.1.2: the proof that the first `old_size` leaves form a prefix of this tree.
    /// Only flavors that promote odd nodes define it.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Digest>, Error> {
        self.merkle.require_promotion("a consistency proof")?;
        let tree_size = self.len();
        if old_size == 0 || old_size > tree_size {
            return Err(Error::IndexOutOfRange {
                index: old_size,
                tree_size,
            });
        }
        let mut proof = Vec::new();
        self.subproof(old_size, 0, tree_size, true, &mut proof);
        Ok(proof)
    }

    /// SUBPROOF(m, D[start..end], complete) of RFC 6962 §2.1.2.
    fn subproof(&self, m: u64, start: u64, end: u64, complete: bool, proof: &mut Vec<Digest>) {
        let len = end - start;
        if m == len {
            if !complete {
                proof.push(self.range_hash(start, end));
            }
            return;
        }
        let split = largest_power_of_two_below(len);
        if m <= split {
            self.subproof(m, start, start + split, complete, proof);
            proof.push(self.range_hash(start + split, end));
        } else {
            self.subproof(m - split, start + split, end, false, proof);
            proof.push(self.range_hash(start, start + split));
        }
    }

    /// MTH(D[start..end]) for a range that is a left-aligned subtree of a promoted tree: the
    /// stored node where one exists, else the split at the largest power of two.
    fn range_hash(&self, start: u64, end: u64) -> Digest {
        let len = end - start;
        let height = len.next_power_of_two().trailing_zeros() as usize;
        let aligned = start.is_multiple_of(1 << height);
        let whole_node = len.is_power_of_two() || end == self.len();
        if aligned && whole_node && height < self.levels.len() {
            return self.levels[height][(start >> height) as usize];
        }
        let split = largest_power_of_two_below(len);
        self.merkle.node(
            &self.range_hash(start, start + split),
            &self.range_hash(start + split, end),
        )
    }
}

/// The largest power of two strictly less than `n` (n >= 2).
fn largest_power_of_two_below(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}
