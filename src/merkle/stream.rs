//! Roots of trees too large to hold: leaves arrive in pieces, memory stays at one buffer of
//! leaves plus one pending node per level.

use super::{Digest, Merkle, OddNode, Shape, SUBTREE_HEIGHT};
use crate::Error;

/// Leaves buffered before they are reduced to one subtree root (2^14 digests, 512 KiB): enough
/// to keep every thread busy, small enough to stay in cache.
const BUFFER_HEIGHT: u32 = SUBTREE_HEIGHT + 3;
const BUFFER_LEAVES: usize = 1 << BUFFER_HEIGHT;

/// Computes a root from leaf hashes pushed in any number of pieces; the result equals
/// [`Merkle::root_and_mutation`] over all of them at once.
///
/// ```
/// use batchverify::merkle::{self, RFC6962};
///
/// let leaves: Vec<[u8; 32]> = (0..1000u32).map(|i| batchverify::sha256::hash(&i.to_le_bytes())).collect();
/// let mut builder = merkle::Merkle::new(RFC6962).root_builder();
/// for piece in leaves.chunks(77) {
///     builder.push(piece)?;
/// }
/// assert_eq!(builder.finish()?.0, merkle::root(&leaves, &RFC6962)?);
/// # Ok::<(), batchverify::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RootBuilder {
    merkle: Merkle,
    buffer: Vec<Digest>,
    /// Roots of complete subtrees not yet paired, tallest (leftmost) first.
    pending: Vec<(u32, Digest)>,
    leaves: u64,
    mutated: bool,
}

impl RootBuilder {
    pub(super) fn new(merkle: Merkle) -> Self {
        RootBuilder {
            merkle,
            buffer: Vec::new(),
            pending: Vec::new(),
            leaves: 0,
            mutated: false,
        }
    }

    /// Adds leaf hashes after those pushed so far.
    pub fn push(&mut self, leaves: &[Digest]) -> Result<(), Error> {
        let total = self.leaves + leaves.len() as u64;
        Shape::new(&self.merkle.flavor, total)?;
        self.leaves = total;
        let mut rest = leaves;
        while !rest.is_empty() {
            let take = (BUFFER_LEAVES - self.buffer.len()).min(rest.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buffer.len() == BUFFER_LEAVES {
                self.reduce_buffer(BUFFER_HEIGHT);
            }
        }
        Ok(())
    }

    /// The root and whether the leaves are mutated (CVE-2012-2459; Bitcoin's flavor only).
    pub fn finish(mut self) -> Result<(Digest, bool), Error> {
        let shape = Shape::new(&self.merkle.flavor, self.leaves)?;
        let zeros = self.merkle.zero_hashes(shape.depth.unwrap_or(0));
        if self.leaves == 0 {
            return Ok((self.merkle.empty_root(&zeros, shape.depth), false));
        }
        // The rest of the buffer as complete power-of-two subtrees, largest first.
        for height in (0..BUFFER_HEIGHT).rev() {
            if self.buffer.len() & (1 << height) != 0 {
                self.reduce_buffer(height);
            }
        }
        let Some((mut height, mut node)) = self.pending.pop() else {
            return Ok((self.merkle.empty_root(&zeros, shape.depth), false));
        };
        while let Some((left_height, left)) = self.pending.pop() {
            while height < left_height {
                node = self.merkle.lift_odd(&node, height, &zeros);
                height += 1;
            }
            self.mutated |= self.merkle.flavor.odd == OddNode::Duplicate && left == node;
            node = self.merkle.node(&left, &node);
            height += 1;
        }
        for padding_height in height..shape.depth.unwrap_or(0) {
            node = self.merkle.lift_odd(&node, padding_height, &zeros);
        }
        Ok((node, self.mutated))
    }

    /// Replaces the first 2^height buffered leaves by their subtree root.
    fn reduce_buffer(&mut self, height: u32) {
        let count = 1usize << height;
        // A complete subtree has no odd nodes, so it needs no zero hashes.
        let (root, mutated) = self.merkle.reduce(&self.buffer[..count], height, &[]);
        self.mutated |= mutated;
        self.buffer.drain(..count);
        self.push_subtree(height, root);
    }

    fn push_subtree(&mut self, mut height: u32, mut node: Digest) {
        while let Some(&(left_height, left)) = self.pending.last() {
            if left_height != height {
                break;
            }
            self.pending.pop();
            self.mutated |= self.merkle.flavor.odd == OddNode::Duplicate && left == node;
            node = self.merkle.node(&left, &node);
            height += 1;
        }
        self.pending.push((height, node));
    }
}
