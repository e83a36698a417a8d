//! Merkle levels on the GPU: leaves go up once, in pieces that are whole subtrees; every
//! dispatch reduces up to nine levels in workgroup memory. For a root, one dispatch per piece
//! runs and its nodes (one per 512 leaves) come back for the CPU to check and finish; a tree
//! kept for proofs gets every level back; leaves kept on the GPU are reduced to the top.

use std::sync::Arc;

use rayon::prelude::*;

use super::{
    ensure, fill_bytes, grid, prefix_words, GpuContext, GpuError, Kernel, Pipeline, PipelineKey,
    WorkBuffers, INPUT_USAGE, UPLOAD_PIECE_BYTES, WORK_USAGE,
};
use crate::md32::HashId;
use crate::merkle::{Flavor, HashFn, OddNode};
use crate::sha256::Digest;

/// Levels one workgroup reduces: 256 invocations hash 512 nodes' parents, then halve.
const LEVELS_PER_DISPATCH: u32 = 9;

/// Leaves per upload piece.
const PIECE_LEAVES: usize = UPLOAD_PIECE_BYTES / 32;

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
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let uploaded = self.scoped(|| {
            let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("resident leaves"),
                // Empty bindings are not allowed; an empty tree still gets a buffer.
                size: 32 * leaves.len().max(1) as u64,
                usage: INPUT_USAGE,
                mapped_at_creation: false,
            });
            scratch
                .staging
                .upload(self, &buffer, leaves.as_flattened())?;
            Ok(GpuLeaves {
                buffer,
                count: leaves.len(),
            })
        });
        scratch.staging.settle(uploaded)
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
    /// (Bitcoin's CVE-2012-2459 check): the first nine levels on this GPU, a sample of them
    /// checked and the levels above computed on the CPU, and the flag from the leaves.
    pub fn merkle_root(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
    ) -> Result<(Digest, bool), GpuError> {
        crate::merkle::Merkle::new(*flavor).root_on_gpu(self, leaves)
    }

    /// The root of leaves already on the GPU: only the kernels and the root's read-back. For
    /// measuring the kernels: the CPU, which does not hold these leaves, checks nothing but
    /// the pipeline's known answer (and the mutation flag is the GPU's).
    pub fn merkle_root_resident(
        &self,
        flavor: &Flavor,
        leaves: &GpuLeaves,
    ) -> Result<(Digest, bool), GpuError> {
        crate::merkle::Merkle::new(*flavor).root_on_gpu_resident(self, leaves)
    }

    /// Leaves per upload piece: each piece is a whole subtree, its first nine levels reduced
    /// while the next piece is written and copied.
    pub fn merkle_piece_leaves(&self) -> usize {
        PIECE_LEAVES.min(self.merkle_chunk_leaves())
    }

    /// The first levels of `leaves` (up to nine: one dispatch per piece), reduced as
    /// consecutive subtrees of [`GpuContext::merkle_piece_leaves`] leaves: each piece's nodes
    /// at the height it reached, and that height. `zeros` are the zero-subtree roots by height
    /// for padding flavors. The CPU checks a sample of these nodes against the leaves and
    /// reduces the rest (a few hundredth of the hashing).
    ///
    /// Pieces go up through a ring of reused staging buffers, each filled on rayon's threads
    /// while the GPU copies and reduces the pieces before it; the nodes collect in one buffer
    /// that is read back once.
    pub(crate) fn reduce_pieces(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
        zeros: &[Digest],
    ) -> Result<Vec<(Vec<Digest>, u32)>, GpuError> {
        let piece_leaves = self.merkle_piece_leaves();
        let piece_bytes = 32 * piece_leaves.min(leaves.len()) as u64;
        let reached: Vec<(usize, u32)> = leaves
            .chunks(piece_leaves)
            .map(|piece| match piece.len() {
                1 => (1, 0),
                len => {
                    let height = levels_for(len);
                    (len.div_ceil(1 << height), height)
                }
            })
            .collect();
        let nodes_bytes = 32 * reached.iter().map(|&(nodes, _)| nodes).sum::<usize>() as u64;
        let pipeline = self.merkle_pipeline(flavor, ReadBack::Top)?;
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let scratch = &mut *scratch;
        let reduced = self.scoped(|| {
            let input = ensure(
                &self.device,
                &mut scratch.input,
                piece_bytes,
                INPUT_USAGE,
                "leaves",
            );
            let buffers = LevelBuffers::new(
                self,
                &mut scratch.work.levels,
                &mut scratch.work.flag,
                flavor,
                piece_bytes / 2,
                zeros,
            )?;
            let gathered = ensure(
                &self.device,
                &mut scratch.work.gathered,
                nodes_bytes,
                WORK_USAGE,
                "gathered",
            );
            let readback = ensure(
                &self.device,
                &mut scratch.work.readback,
                nodes_bytes,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                "readback",
            );
            let mut at = 0;
            for (piece, &(nodes, _)) in leaves.chunks(piece_leaves).zip(&reached) {
                let bytes = piece.as_flattened();
                scratch.staging.submit_piece(
                    self,
                    piece_bytes,
                    |staging| fill_bytes(staging, bytes),
                    |encoder, staging| {
                        encoder.copy_buffer_to_buffer(staging, 0, input, 0, bytes.len() as u64);
                        let (reduced, _) = self.encode_levels(
                            encoder,
                            &pipeline,
                            &buffers,
                            input,
                            piece.len(),
                            Dispatches::First,
                        )?;
                        encoder.copy_buffer_to_buffer(reduced, 0, gathered, at, 32 * nodes as u64);
                        at += 32 * nodes as u64;
                        Ok(())
                    },
                )?;
            }
            let mut encoder = self.device.create_command_encoder(&Default::default());
            encoder.copy_buffer_to_buffer(gathered, 0, readback, 0, nodes_bytes);
            let mut nodes = self.finish(encoder, readback, nodes_bytes)?;
            self.tamper(&mut nodes);
            let mut rest = &nodes[..];
            let pieces = reached
                .iter()
                .map(|&(count, height)| {
                    let (piece, after) = rest.split_at(32 * count);
                    rest = after;
                    let piece = piece
                        .chunks_exact(32)
                        .map(|node| node.try_into().expect("chunks of 32"))
                        .collect();
                    (piece, height)
                })
                .collect();
            Ok::<_, GpuError>(pieces)
        });
        scratch.staging.settle(reduced)
    }

    /// Every level above `leaves` (at most one chunk) up to the one with a single node: the
    /// levels a [`crate::merkle::Tree`] keeps for proofs (which checks a sample of them).
    pub(crate) fn tree_levels(
        &self,
        flavor: &Flavor,
        leaves: &[Digest],
        zeros: &[Digest],
    ) -> Result<Vec<Vec<Digest>>, GpuError> {
        self.fits_one_buffer(leaves.len())?;
        let pipeline = self.merkle_pipeline(flavor, ReadBack::EveryLevel)?;
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let scratch = &mut *scratch;
        let uploaded = self.scoped(|| {
            let input = ensure(
                &self.device,
                &mut scratch.input,
                32 * leaves.len() as u64,
                INPUT_USAGE,
                "leaves",
            );
            scratch.staging.upload(self, input, leaves.as_flattened())?;
            Ok(())
        });
        scratch.staging.settle(uploaded)?;
        let input = scratch.input.as_ref().expect("ensured above");
        let reduced = self.reduce_buffer(
            &mut scratch.work,
            &pipeline,
            flavor,
            input,
            leaves.len(),
            zeros,
            ReadBack::EveryLevel,
        )?;
        let mut levels = reduced.levels;
        if let Some(first) = levels.first_mut() {
            self.tamper(first.as_flattened_mut());
        }
        Ok(levels)
    }

    pub(crate) fn reduce_resident(
        &self,
        flavor: &Flavor,
        leaves: &GpuLeaves,
        zeros: &[Digest],
    ) -> Result<(Digest, u32, bool), GpuError> {
        let pipeline = self.merkle_pipeline(flavor, ReadBack::Top)?;
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let reduced = self.reduce_buffer(
            &mut scratch.work,
            &pipeline,
            flavor,
            &leaves.buffer,
            leaves.count,
            zeros,
            ReadBack::Top,
        )?;
        Ok((reduced.top(), reduced.height, reduced.mutated))
    }

    /// The reduce pipeline for `flavor` that reads back what `read_back` says, checked on first
    /// use against the CPU's root of known leaves (call it before taking the scratch lock: the
    /// check takes it).
    fn merkle_pipeline(
        &self,
        flavor: &Flavor,
        read_back: ReadBack,
    ) -> Result<Arc<Pipeline>, GpuError> {
        let pipeline = self.pipeline(PipelineKey {
            kernel: Kernel::MerkleReduce,
            hash: match flavor.hash {
                HashFn::Sha256 | HashFn::Sha256d => HashId::Sha256,
                HashFn::Sm3 => HashId::Sm3,
            },
            odd_rule: match flavor.odd {
                OddNode::Duplicate => 0,
                OddNode::Promote => 1,
                OddNode::ZeroPad { .. } => 2,
                OddNode::HashAlone => 3,
            },
            double_hash: flavor.hash == HashFn::Sha256d,
            prefix_len: flavor.node_prefix.len() as u32,
            store_levels: read_back == ReadBack::EveryLevel,
        })?;
        self.check_known_answer(&pipeline, "Merkle reduce", || {
            self.reduces_known_leaves_right(&pipeline, flavor, read_back)
        })?;
        Ok(pipeline)
    }

    /// Whether `pipeline` reduces 37 known leaves (an odd node on most levels) to the root and
    /// mutation flag the CPU computes for `flavor`.
    fn reduces_known_leaves_right(
        &self,
        pipeline: &Pipeline,
        flavor: &Flavor,
        read_back: ReadBack,
    ) -> Result<bool, GpuError> {
        const LEAVES: u32 = 37;
        let leaves: Vec<Digest> = (0..LEAVES)
            .map(|i| crate::sha256::hash(&i.to_le_bytes()))
            .collect();
        // 37 leaves reduce to a node at height 6, the root of the tree padded to 64 leaves.
        let unlimited = Flavor {
            odd: match flavor.odd {
                OddNode::ZeroPad { .. } => OddNode::ZeroPad { limit: None },
                other => other,
            },
            ..*flavor
        };
        let cpu = crate::merkle::Merkle::new(unlimited).with_backend(crate::Backend::Cpu);
        let expected = cpu
            .root_and_mutation(&leaves)
            .map_err(|error| GpuError::Internal(error.to_string()))?;
        let zeros = cpu.zero_hashes(LEAVES.next_power_of_two().trailing_zeros());
        let input = self.scoped(|| {
            let input = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("known leaves"),
                size: 32 * u64::from(LEAVES),
                usage: INPUT_USAGE,
                mapped_at_creation: false,
            });
            self.queue.write_buffer(&input, 0, leaves.as_flattened());
            input
        })?;
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let reduced = self.reduce_buffer(
            &mut scratch.work,
            pipeline,
            flavor,
            &input,
            leaves.len(),
            &zeros,
            read_back,
        )?;
        Ok((reduced.top(), reduced.mutated) == expected)
    }

    /// Reduces the `count` nodes in `input` in one submission and reads back what `read_back`
    /// asks for.
    #[allow(clippy::too_many_arguments)]
    fn reduce_buffer(
        &self,
        work: &mut WorkBuffers,
        pipeline: &Pipeline,
        flavor: &Flavor,
        input: &wgpu::Buffer,
        count: usize,
        zeros: &[Digest],
        read_back: ReadBack,
    ) -> Result<Reduced, GpuError> {
        let read_sizes: Vec<usize> = match read_back {
            ReadBack::Top => vec![1],
            ReadBack::EveryLevel => level_sizes(count),
        };
        let read_bytes = 32 * read_sizes.iter().sum::<usize>() as u64;
        self.scoped(|| {
            let first_level_bytes = 32 * count.div_ceil(2) as u64;
            let buffers = LevelBuffers::new(
                self,
                &mut work.levels,
                &mut work.flag,
                flavor,
                first_level_bytes,
                zeros,
            )?;
            let readback = ensure(
                &self.device,
                &mut work.readback,
                read_bytes + 4,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                "readback",
            );
            let every_level = match read_back {
                ReadBack::Top => None,
                ReadBack::EveryLevel => Some(ensure(
                    &self.device,
                    &mut work.every_level,
                    read_bytes,
                    WORK_USAGE,
                    "every level",
                )),
            };
            let mut encoder = self.device.create_command_encoder(&Default::default());
            encoder.clear_buffer(buffers.flag, 0, None);
            let dispatches = match every_level {
                None => Dispatches::ToTop,
                Some(levels) => Dispatches::EveryLevel(levels),
            };
            let (top, height) =
                self.encode_levels(&mut encoder, pipeline, &buffers, input, count, dispatches)?;
            match every_level {
                None => encoder.copy_buffer_to_buffer(top, 0, readback, 0, 32),
                Some(levels) if read_bytes > 0 => {
                    encoder.copy_buffer_to_buffer(levels, 0, readback, 0, read_bytes)
                }
                Some(_) => {}
            }
            encoder.copy_buffer_to_buffer(buffers.flag, 0, readback, read_bytes, 4);
            let (levels, mutated) =
                self.finish_with(encoder, readback, read_bytes + 4, |bytes| {
                    let (nodes, flag) = bytes.split_at(read_bytes as usize);
                    (split_levels(nodes, &read_sizes), flag != [0; 4])
                })?;
            Ok::<_, GpuError>(Reduced {
                levels,
                height,
                mutated,
            })
        })
        .and_then(|reduced| reduced)
    }

    /// Encodes the dispatches that reduce the `count` nodes in `input`, up to nine levels each,
    /// as far as `dispatches` says: returns the buffer whose first nodes they are, and their
    /// height.
    fn encode_levels<'b>(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pipeline: &Pipeline,
        buffers: &LevelBuffers<'b>,
        input: &'b wgpu::Buffer,
        count: usize,
        dispatches: Dispatches<'b>,
    ) -> Result<(&'b wgpu::Buffer, u32), GpuError> {
        let every_level = match dispatches {
            Dispatches::EveryLevel(levels) => Some(levels),
            Dispatches::First | Dispatches::ToTop => None,
        };
        // Where each level above the input starts in `every_level`, in nodes.
        let level_offsets: Vec<usize> = level_sizes(count)
            .iter()
            .scan(0, |offset, &size| {
                let start = *offset;
                *offset += size;
                Some(start)
            })
            .collect();
        let mut spare = buffers.levels.iter().cycle();
        let mut source = input;
        let mut remaining = count;
        let mut height = 0;
        while remaining > 1 {
            let levels = levels_for(remaining);
            let groups = remaining.div_ceil(1 << levels);
            let target = every_level.unwrap_or_else(|| spare.next().expect("cycle"));
            let mut params = Vec::with_capacity(96);
            for word in [remaining as u32, height, levels, groups as u32] {
                params.extend_from_slice(&word.to_le_bytes());
            }
            params.extend_from_slice(&buffers.prefix);
            let steps = height as usize..(height + levels) as usize;
            let mut offsets = [0u32; 12];
            if every_level.is_some() {
                for (slot, &offset) in offsets.iter_mut().zip(&level_offsets[steps.clone()]) {
                    *slot = offset as u32;
                }
            }
            for offset in offsets {
                params.extend_from_slice(&offset.to_le_bytes());
            }
            let params = self.uniform(&params);
            let bind_group = self.bind_group(
                pipeline,
                &[&params, source, target, &buffers.zero_roots, buffers.flag],
            );
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            let (x, y) = grid(groups as u64);
            pass.dispatch_workgroups(x, y, 1);
            drop(pass);
            source = target;
            if let Some(levels_buffer) = every_level {
                if groups > 1 {
                    // The next dispatch reads its level from a buffer of its own: one binding
                    // cannot be read and written in the same dispatch.
                    let next = spare.next().expect("cycle");
                    let last = 32 * level_offsets[steps.end - 1] as u64;
                    encoder.copy_buffer_to_buffer(levels_buffer, last, next, 0, 32 * groups as u64);
                    source = next;
                }
            }
            remaining = groups;
            height += levels;
            if let Dispatches::First = dispatches {
                break;
            }
        }
        Ok((source, height))
    }
}

/// How far [`GpuContext::encode_levels`] reduces, and what it keeps.
#[derive(Clone, Copy)]
enum Dispatches<'b> {
    /// One dispatch (up to nine levels), for the CPU to check and finish.
    First,
    /// Down to one node, keeping only the last dispatch's nodes.
    ToTop,
    /// Down to one node with a pipeline that stores levels, every level above the input
    /// written into this buffer, lowest first, as [`level_sizes`] lays them out.
    EveryLevel(&'b wgpu::Buffer),
}

/// The buffers a reduction writes besides its input: two levels used in turn, the zero-subtree
/// roots, the mutation flag, and the node prefix as the kernel's params carry it.
struct LevelBuffers<'b> {
    levels: [&'b wgpu::Buffer; 2],
    zero_roots: wgpu::Buffer,
    flag: &'b wgpu::Buffer,
    prefix: [u8; super::MAX_PREFIX_LEN],
}

impl<'b> LevelBuffers<'b> {
    /// Level buffers of at least `level_bytes` each (the first level above the input).
    fn new(
        context: &GpuContext,
        levels: &'b mut [Option<wgpu::Buffer>; 2],
        flag: &'b mut Option<wgpu::Buffer>,
        flavor: &Flavor,
        level_bytes: u64,
        zeros: &[Digest],
    ) -> Result<Self, GpuError> {
        let [first, second] = levels;
        let first = ensure(&context.device, first, level_bytes, WORK_USAGE, "level");
        let second = ensure(&context.device, second, level_bytes, WORK_USAGE, "level");
        let flag = ensure(&context.device, flag, 4, WORK_USAGE, "mutated");
        let zero_roots = context.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("zero roots"),
            size: 32 * zeros.len().max(1) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        context
            .queue
            .write_buffer(&zero_roots, 0, zeros.as_flattened());
        Ok(LevelBuffers {
            levels: [first, second],
            zero_roots,
            flag,
            prefix: prefix_words(flavor.node_prefix)?,
        })
    }
}

/// `nodes` cut into levels of `sizes` nodes, copied on all threads (a tree's levels are as
/// large as its leaves, and one thread copying them was most of a GPU tree's time).
fn split_levels(nodes: &[u8], sizes: &[usize]) -> Vec<Vec<Digest>> {
    let mut rest = nodes;
    sizes
        .iter()
        .map(|&size| {
            let (level, after) = rest.split_at(32 * size);
            rest = after;
            level
                .par_chunks_exact(32)
                .map(|node| node.try_into().expect("chunks of 32"))
                .collect()
        })
        .collect()
}

/// Nodes in each level above `count` nodes, up to the level with one.
fn level_sizes(mut count: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    while count > 1 {
        count = count.div_ceil(2);
        sizes.push(count);
    }
    sizes
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
