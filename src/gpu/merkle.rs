//! Merkle levels on the GPU: leaves go up once, every dispatch reduces up to nine levels in
//! workgroup memory, and only the top node (plus the mutation flag) comes back.

use super::{
    ensure, grid, prefix_words, GpuContext, GpuError, Kernel, PipelineKey, WorkBuffers, INPUT_USAGE,
};
use crate::merkle::{Flavor, HashFn, OddNode};
use crate::sha256::Digest;

/// Levels one workgroup reduces: 256 invocations hash 512 nodes' parents, then halve.
const LEVELS_PER_DISPATCH: u32 = 9;

/// Leaf hashes kept on the GPU, for roots that measure (or repeat) the kernels without the
/// upload. Made by [`GpuContext::upload`].
#[derive(Debug)]
pub struct GpuLeaves {
    buffer: wgpu::Buffer,
    count: usize,
}

impl GpuLeaves {
    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no leaves.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl GpuContext {
    /// Leaves the GPU reduces in one piece: the largest power of two whose digests fit one
    /// buffer binding. Larger trees are reduced as chunks of this many leaves.
    pub fn merkle_chunk_leaves(&self) -> usize {
        let digests = (self.max_binding_bytes / 32).max(1);
        1 << (63 - digests.leading_zeros())
    }

    /// Copies `leaves` to a new GPU buffer (at most [`GpuContext::merkle_chunk_leaves`]).
    pub fn upload(&self, leaves: &[Digest]) -> Result<GpuLeaves, GpuError> {
        self.fits_one_buffer(leaves.len())?;
        self.scoped(|| {
            let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("resident leaves"),
                // Empty bindings are not allowed; an empty tree still gets a buffer.
                size: 32 * leaves.len().max(1) as u64,
                usage: INPUT_USAGE,
                mapped_at_creation: false,
            });
            if !leaves.is_empty() {
                self.queue.write_buffer(&buffer, 0, leaves.as_flattened());
            }
            GpuLeaves {
                buffer,
                count: leaves.len(),
            }
        })
    }

    fn fits_one_buffer(&self, leaves: usize) -> Result<(), GpuError> {
        if leaves > self.merkle_chunk_leaves() {
            return Err(GpuError::Unsupported(format!(
                "{leaves} leaves in one buffer (at most {})",
                self.merkle_chunk_leaves()
            )));
        }
        Ok(())
    }

    /// The root of `leaves` under `flavor`, and whether a level had two equal siblings
    /// (Bitcoin's CVE-2012-2459 check): the whole tree on this GPU, chunked to its limits.
    pub fn merkle_root(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
    ) -> Result<(Digest, bool), GpuError> {
        crate::merkle::Merkle::new(*flavor).root_on_gpu(self, leaves)
    }

    /// The root of leaves already on the GPU: only the kernels and the root's read-back.
    pub fn merkle_root_resident(
        &self,
        flavor: &Flavor,
        leaves: &GpuLeaves,
    ) -> Result<(Digest, bool), GpuError> {
        crate::merkle::Merkle::new(*flavor).root_on_gpu_resident(self, leaves)
    }

    /// Reduces `leaves` (at most one chunk) until one node is left; returns it, its height and
    /// the mutation flag. `zeros` are the zero-subtree roots by height for padding flavors.
    pub(crate) fn reduce_chunk(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
        zeros: &[Digest],
    ) -> Result<(Digest, u32, bool), GpuError> {
        let reduced = self.reduce_uploaded(flavor, leaves, zeros, ReadBack::Top)?;
        Ok((reduced.top(), reduced.height, reduced.mutated))
    }

    /// Every level above `leaves` (at most one chunk) up to the one with a single node, and the
    /// mutation flag: the levels a [`crate::merkle::Tree`] keeps for proofs.
    pub(crate) fn tree_levels(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
        zeros: &[Digest],
    ) -> Result<(Vec<Vec<Digest>>, bool), GpuError> {
        let reduced = self.reduce_uploaded(flavor, leaves, zeros, ReadBack::EveryLevel)?;
        Ok((reduced.levels, reduced.mutated))
    }

    pub(crate) fn reduce_resident(
        &self,
        flavor: &Flavor,
        leaves: &GpuLeaves,
        zeros: &[Digest],
    ) -> Result<(Digest, u32, bool), GpuError> {
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let reduced = self.reduce_buffer(
            &mut scratch.work,
            flavor,
            &leaves.buffer,
            leaves.count,
            zeros,
            ReadBack::Top,
        )?;
        Ok((reduced.top(), reduced.height, reduced.mutated))
    }

    fn reduce_uploaded(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
        zeros: &[Digest],
        read_back: ReadBack,
    ) -> Result<Reduced, GpuError> {
        self.fits_one_buffer(leaves.len())?;
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let scratch = &mut *scratch;
        let input = self.scoped(|| {
            let input = ensure(
                &self.device,
                &mut scratch.input,
                32 * leaves.len() as u64,
                INPUT_USAGE,
                "leaves",
            );
            self.queue.write_buffer(input, 0, leaves.as_flattened());
            input
        })?;
        self.reduce_buffer(
            &mut scratch.work,
            flavor,
            input,
            leaves.len(),
            zeros,
            read_back,
        )
    }

    fn reduce_buffer(
        &self,
        work: &mut WorkBuffers,
        flavor: &Flavor,
        input: &wgpu::Buffer,
        count: usize,
        zeros: &[Digest],
        read_back: ReadBack,
    ) -> Result<Reduced, GpuError> {
        let prefix = prefix_words(flavor.node_prefix)?;
        let pipeline = self.pipeline(PipelineKey {
            kernel: Kernel::MerkleReduce,
            odd_rule: match flavor.odd {
                OddNode::Duplicate => 0,
                OddNode::Promote => 1,
                OddNode::ZeroPad { .. } => 2,
            },
            double_hash: flavor.hash == HashFn::Sha256d,
            prefix_len: flavor.node_prefix.len() as u32,
        })?;
        let levels_per_dispatch = |remaining: usize| match read_back {
            ReadBack::Top => levels_for(remaining),
            ReadBack::EveryLevel => 1,
        };
        // Nodes per level above the leaves, as the dispatches below will produce them.
        let mut sizes = Vec::new();
        let mut remaining = count;
        while remaining > 1 {
            remaining = remaining.div_ceil(1 << levels_per_dispatch(remaining));
            sizes.push(remaining);
        }
        let read_sizes: Vec<usize> = match read_back {
            ReadBack::Top => vec![1],
            ReadBack::EveryLevel => sizes.clone(),
        };
        let read_bytes = 32 * read_sizes.iter().sum::<usize>() as u64;
        let (bytes, height) = self.scoped(|| {
            let level_bytes = 32 * sizes.first().copied().unwrap_or(1) as u64;
            let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
            ensure(
                &self.device,
                &mut work.levels[0],
                level_bytes,
                usage,
                "level",
            );
            ensure(
                &self.device,
                &mut work.levels[1],
                level_bytes,
                usage,
                "level",
            );
            let flag = ensure(
                &self.device,
                &mut work.flag,
                4,
                usage | wgpu::BufferUsages::COPY_DST,
                "mutated",
            );
            let readback = ensure(
                &self.device,
                &mut work.readback,
                read_bytes + 4,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                "readback",
            );
            let zero_roots = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("zero roots"),
                size: 32 * zeros.len().max(1) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            self.queue
                .write_buffer(&zero_roots, 0, zeros.as_flattened());
            let levels: [&wgpu::Buffer; 2] = [
                work.levels[0].as_ref().expect("ensured"),
                work.levels[1].as_ref().expect("ensured"),
            ];
            let mut encoder = self.device.create_command_encoder(&Default::default());
            encoder.clear_buffer(flag, 0, None);
            let mut source = input;
            let mut remaining = count;
            let mut height = 0;
            let mut read_offset = 0;
            for (target, &groups) in levels.iter().cycle().zip(&sizes) {
                let levels = levels_per_dispatch(remaining);
                let mut params = Vec::with_capacity(48);
                for word in [remaining as u32, height, levels, groups as u32] {
                    params.extend_from_slice(&word.to_le_bytes());
                }
                params.extend_from_slice(&prefix);
                let params = self.uniform(&params);
                let bind_group =
                    self.bind_group(&pipeline, &[&params, source, target, &zero_roots, flag]);
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline.pipeline);
                pass.set_bind_group(0, &bind_group, &[]);
                let (x, y) = grid(groups as u64);
                pass.dispatch_workgroups(x, y, 1);
                drop(pass);
                if read_back == ReadBack::EveryLevel {
                    let level_bytes = 32 * groups as u64;
                    encoder.copy_buffer_to_buffer(target, 0, readback, read_offset, level_bytes);
                    read_offset += level_bytes;
                }
                source = target;
                remaining = groups;
                height += levels;
            }
            if read_back == ReadBack::Top {
                encoder.copy_buffer_to_buffer(source, 0, readback, 0, 32);
            }
            encoder.copy_buffer_to_buffer(flag, 0, readback, read_bytes, 4);
            Ok::<_, GpuError>((self.finish(encoder, readback, read_bytes + 4)?, height))
        })??;
        let (nodes, flag) = bytes.split_at(read_bytes as usize);
        let mut nodes = nodes.chunks_exact(32).map(|node| {
            let digest: Digest = node.try_into().expect("chunks of 32");
            digest
        });
        let levels = read_sizes
            .iter()
            .map(|&size| nodes.by_ref().take(size).collect())
            .collect();
        Ok(Reduced {
            levels,
            height,
            mutated: flag != [0; 4],
        })
    }
}

/// What [`GpuContext::reduce_buffer`] copies back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadBack {
    /// Only the last node (each dispatch reduces as many levels as it can).
    Top,
    /// Every level above the leaves (each dispatch reduces one level).
    EveryLevel,
}

struct Reduced {
    /// The levels read back, lowest first; with [`ReadBack::Top`] just the last node.
    levels: Vec<Vec<Digest>>,
    /// The height of the last node.
    height: u32,
    mutated: bool,
}

impl Reduced {
    fn top(&self) -> Digest {
        self.levels
            .last()
            .and_then(|level| level.first())
            .copied()
            .unwrap_or_default()
    }
}

/// Levels the next dispatch reduces `count` nodes by: all of them, up to nine.
fn levels_for(count: usize) -> u32 {
    let to_one = usize::BITS - (count.max(2) - 1).leading_zeros();
    to_one.min(LEVELS_PER_DISPATCH)
}
