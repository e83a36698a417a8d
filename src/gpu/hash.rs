//! Batch SHA-256 or SM3 of equal-length messages on the GPU, one invocation per message.

use super::{
    ensure, fill, grid, prefix_words, GpuContext, GpuError, Kernel, Pipeline, PipelineKey, Scratch,
    FILL_PART, INPUT_USAGE, UPLOAD_PIECE_BYTES, WORK_USAGE,
};
use rayon::prelude::*;

use crate::md32::Algorithm;
use crate::sha256::Digest;

/// Invocations per workgroup in `hash_batch.wgsl`.
const WORKGROUP_SIZE: u64 = 64;

/// Blocks each invocation compresses per dispatch: no invocation runs long enough for a
/// driver's watchdog, and its loops stay far below lavapipe's 65535-iteration limit.
const BLOCKS_PER_DISPATCH: usize = 256;

impl GpuContext {
    /// SHA-256 of every message, which must all have the same length; the batch is cut into
    /// pieces that fit the adapter's buffers.
    pub fn hash_many<M: AsRef<[u8]> + Sync>(
        &self,
        messages: &[M],
    ) -> Result<Vec<Digest>, GpuError> {
        let mut out = vec![[0; 32]; messages.len()];
        self.hash_messages::<crate::sha256::Sha256, M>(&[], false, messages, &mut out)?;
        Ok(out)
    }

    /// SM3 of every message, which must all have the same length.
    pub fn sm3_hash_many<M: AsRef<[u8]> + Sync>(
        &self,
        messages: &[M],
    ) -> Result<Vec<Digest>, GpuError> {
        let mut out = vec![[0; 32]; messages.len()];
        self.hash_messages::<crate::sm3::Sm3, M>(&[], false, messages, &mut out)?;
        Ok(out)
    }

    /// Hashes `prefix ‖ messages[i]` with `A` (twice when `double`) into `out[i]`.
    pub(crate) fn hash_messages<A: Algorithm, M: AsRef<[u8]> + Sync>(
        &self,
        prefix: &[u8],
        double: bool,
        messages: &[M],
        out: &mut [Digest],
    ) -> Result<(), GpuError> {
        let Some(first) = messages.first() else {
            return Ok(());
        };
        let length = first.as_ref().len();
        if let Some(index) = messages.iter().position(|m| m.as_ref().len() != length) {
            return Err(GpuError::Unsupported(format!(
                "messages of different lengths (item 0 has {length} bytes, item {index} has {})",
                messages[index].as_ref().len()
            )));
        }
        if self.max_binding_bytes < (length as u64).max(32) {
            return Err(GpuError::Unsupported(format!(
                "{length}-byte messages (one GPU buffer holds {} bytes)",
                self.max_binding_bytes
            )));
        }
        let pipeline = self.pipeline(PipelineKey {
            kernel: Kernel::HashBatch,
            hash: A::ID,
            odd_rule: 0,
            double_hash: double,
            prefix_len: prefix.len() as u32,
            store_levels: false,
        })?;
        self.check_known_answer(&pipeline, "batch hash", || {
            // Three blocks each, so the running state crosses block boundaries (fewer where the
            // context's buffers are smaller than a message of 150 bytes).
            let length = 150.min(self.max_binding_bytes as usize);
            let known: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; length]).collect();
            let mut digests = [[0; 32]; 3];
            self.hash_with(&pipeline, prefix, &known, &mut digests)?;
            Ok(digests[..] == cpu_digests::<A, _>(prefix, double, &known)[..])
        })?;
        self.hash_with(&pipeline, prefix, messages, out)?;
        self.tamper(out.as_flattened_mut());
        let positions = super::sample_positions(messages.len());
        let sampled: Vec<&[u8]> = positions.iter().map(|&i| messages[i].as_ref()).collect();
        let expected = cpu_digests::<A, _>(prefix, double, &sampled);
        match positions
            .iter()
            .zip(&expected)
            .find(|&(&i, cpu)| out[i] != *cpu)
        {
            Some((&index, _)) => Err(self.reject(format!("digest of message {index}"))),
            None => Ok(()),
        }
    }

    /// [`GpuContext::hash_messages`] on `pipeline` (which hashes once or twice), for messages
    /// of one length that fit a buffer.
    ///
    /// Messages go up in pieces of about 32 MiB through the staging ring, each filled on
    /// rayon's threads while the GPU copies and hashes the piece before; the digests gather in
    /// one buffer read back once per call (or per binding's worth of digests).
    fn hash_with<M: AsRef<[u8]> + Sync>(
        &self,
        pipeline: &Pipeline,
        prefix: &[u8],
        messages: &[M],
        out: &mut [Digest],
    ) -> Result<(), GpuError> {
        let length = messages.first().map_or(0, |m| m.as_ref().len());
        let binding = self.max_binding_bytes as usize;
        let per_piece = (UPLOAD_PIECE_BYTES.min(binding) / length.max(32)).max(1);
        let per_gather = (binding / 32).max(1);
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let scratch = &mut *scratch;
        for (batch, digests) in messages.chunks(per_gather).zip(out.chunks_mut(per_gather)) {
            let hashed = self.scoped(|| {
                self.hash_pieces(pipeline, prefix, batch, length, per_piece, scratch, digests)
            });
            scratch.staging.settle(hashed)?;
        }
        Ok(())
    }

    /// Uploads and hashes `messages` (each `length` bytes) `per_piece` at a time into `out`.
    #[allow(clippy::too_many_arguments)]
    fn hash_pieces<M: AsRef<[u8]> + Sync>(
        &self,
        pipeline: &Pipeline,
        prefix: &[u8],
        messages: &[M],
        length: usize,
        per_piece: usize,
        scratch: &mut Scratch,
        out: &mut [Digest],
    ) -> Result<(), GpuError> {
        let prefix_bytes = prefix_words(prefix)?;
        let piece_bytes = (per_piece.min(messages.len()) * length).next_multiple_of(4) as u64;
        let digest_bytes = 32 * messages.len() as u64;
        let input = ensure(
            &self.device,
            &mut scratch.input,
            piece_bytes,
            INPUT_USAGE,
            "messages",
        );
        let states = ensure(
            &self.device,
            &mut scratch.work.levels[0],
            32 * per_piece.min(messages.len()) as u64,
            WORK_USAGE,
            "level",
        );
        let gathered = ensure(
            &self.device,
            &mut scratch.work.gathered,
            digest_bytes,
            WORK_USAGE,
            "gathered",
        );
        let readback = ensure(
            &self.device,
            &mut scratch.work.readback,
            digest_bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            "readback",
        );
        // Whole messages per fill part, a multiple of 8 of them so parts start 8-byte aligned.
        let per_part = (FILL_PART / length.max(1)).max(1).next_multiple_of(8);
        let blocks = (prefix.len() + length + 8) / 64 + 1;
        for (index, piece) in messages.chunks(per_piece).enumerate() {
            let bytes = piece.len() * length;
            let write_messages = |start: usize, view: &mut wgpu::BufferViewMut| {
                let first = start / length.max(1);
                for (k, message) in piece[first..].iter().take(per_part).enumerate() {
                    view.slice(k * length..(k + 1) * length)
                        .copy_from_slice(message.as_ref());
                }
            };
            let encode = |encoder: &mut wgpu::CommandEncoder, staging: &wgpu::Buffer| {
                if bytes > 0 {
                    let padded = bytes.next_multiple_of(4) as u64;
                    encoder.copy_buffer_to_buffer(staging, 0, input, 0, padded);
                }
                for first_block in (0..blocks).step_by(BLOCKS_PER_DISPATCH) {
                    let mut params = Vec::with_capacity(48);
                    let counts = [piece.len(), length, first_block, BLOCKS_PER_DISPATCH];
                    for word in counts {
                        params.extend_from_slice(&(word as u32).to_le_bytes());
                    }
                    params.extend_from_slice(&prefix_bytes);
                    let params = self.uniform(&params);
                    let bind_group = self.bind_group(pipeline, &[&params, input, states]);
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    pass.set_pipeline(&pipeline.pipeline);
                    pass.set_bind_group(0, &bind_group, &[]);
                    let (x, y) = grid((piece.len() as u64).div_ceil(WORKGROUP_SIZE));
                    pass.dispatch_workgroups(x, y, 1);
                }
                let at = 32 * (index * per_piece) as u64;
                encoder.copy_buffer_to_buffer(states, 0, gathered, at, 32 * piece.len() as u64);
                Ok(())
            };
            scratch.staging.submit_piece(
                self,
                piece_bytes,
                |staging| fill(staging, bytes, per_part * length, write_messages),
                encode,
            )?;
        }
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(gathered, 0, readback, 0, digest_bytes);
        // Copied out on all threads: one thread copying the digests took longer than hashing.
        self.finish_with(encoder, readback, digest_bytes, |bytes| {
            out.par_iter_mut()
                .zip(bytes.par_chunks_exact(32))
                .for_each(|(digest, bytes)| digest.copy_from_slice(bytes))
        })
    }
}

/// The digests of `prefix ‖ messages[i]` (hashed twice when `double`) on this thread's CPU.
fn cpu_digests<A: Algorithm, M: AsRef<[u8]> + Sync>(
    prefix: &[u8],
    double: bool,
    messages: &[M],
) -> Vec<Digest> {
    let mut digests = vec![[0; 32]; messages.len()];
    crate::md32::Hasher::<A>::new().sequential().hash_messages(
        &crate::md32::Job { prefix, double },
        messages,
        &mut digests,
    );
    digests
}
