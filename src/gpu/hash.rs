//! Batch SHA-256 of equal-length messages on the GPU, one invocation per message.

use super::{
    ensure, grid, prefix_words, GpuContext, GpuError, Kernel, Pipeline, PipelineKey, INPUT_USAGE,
};
use crate::sha256::Digest;

/// Invocations per workgroup in `hash_batch.wgsl`.
const WORKGROUP_SIZE: u64 = 64;

/// Blocks each invocation compresses per dispatch: no invocation runs long enough for a
/// driver's watchdog, and its loops stay far below lavapipe's 65535-iteration limit.
const BLOCKS_PER_DISPATCH: usize = 256;

impl GpuContext {
    /// SHA-256 of every message, which must all have the same length; the batch is cut into
    /// pieces that fit the adapter's buffers.
    pub fn hash_many<M: AsRef<[u8]>>(&self, messages: &[M]) -> Result<Vec<Digest>, GpuError> {
        let mut out = vec![[0; 32]; messages.len()];
        self.hash_messages(&[], false, messages, &mut out)?;
        Ok(out)
    }

    /// Hashes `prefix ‖ messages[i]` (twice when `double`) into `out[i]`.
    pub(crate) fn hash_messages<M: AsRef<[u8]>>(
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
            odd_rule: 0,
            double_hash: double,
            prefix_len: prefix.len() as u32,
        })?;
        self.check_known_answer(&pipeline, "batch hash", || {
            // Three blocks each, so the running state crosses block boundaries.
            let known: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 150]).collect();
            let mut digests = [[0; 32]; 3];
            self.hash_with(&pipeline, prefix, &known, &mut digests)?;
            let job = crate::sha256::Job { prefix, double };
            let cpu = crate::sha256::Hasher::new()
                .with_backend(crate::Backend::Cpu)
                .hash_messages_placed(&job, &known)
                .0;
            Ok(digests[..] == cpu[..])
        })?;
        self.hash_with(&pipeline, prefix, messages, out)
    }

    /// [`GpuContext::hash_messages`] on `pipeline` (which hashes once or twice), for messages
    /// of one length that fit a buffer.
    fn hash_with<M: AsRef<[u8]>>(
        &self,
        pipeline: &Pipeline,
        prefix: &[u8],
        messages: &[M],
        out: &mut [Digest],
    ) -> Result<(), GpuError> {
        let length = messages.first().map_or(0, |m| m.as_ref().len());
        let per_piece = (self.max_binding_bytes / (length as u64).max(32)) as usize;
        let prefix_bytes = prefix_words(prefix)?;
        let mut scratch = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let scratch = &mut *scratch;
        let mut packed = Vec::new();
        for (piece, digests) in messages.chunks(per_piece).zip(out.chunks_mut(per_piece)) {
            packed.clear();
            for message in piece {
                packed.extend_from_slice(message.as_ref());
            }
            packed.resize(packed.len().next_multiple_of(4).max(4), 0);
            let bytes = self.scoped(|| {
                let input = ensure(
                    &self.device,
                    &mut scratch.input,
                    packed.len() as u64,
                    INPUT_USAGE,
                    "messages",
                );
                self.queue.write_buffer(input, 0, &packed);
                let digest_bytes = 32 * piece.len() as u64;
                let output = ensure(
                    &self.device,
                    &mut scratch.work.levels[0],
                    digest_bytes,
                    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                    "level",
                );
                let readback = ensure(
                    &self.device,
                    &mut scratch.work.readback,
                    digest_bytes,
                    wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    "readback",
                );
                let mut encoder = self.device.create_command_encoder(&Default::default());
                let blocks = (prefix.len() + length + 8) / 64 + 1;
                for first_block in (0..blocks).step_by(BLOCKS_PER_DISPATCH) {
                    let mut params = Vec::with_capacity(48);
                    let counts = [piece.len(), length, first_block, BLOCKS_PER_DISPATCH];
                    for word in counts {
                        params.extend_from_slice(&(word as u32).to_le_bytes());
                    }
                    params.extend_from_slice(&prefix_bytes);
                    let params = self.uniform(&params);
                    let bind_group = self.bind_group(pipeline, &[&params, input, output]);
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    pass.set_pipeline(&pipeline.pipeline);
                    pass.set_bind_group(0, &bind_group, &[]);
                    let (x, y) = grid((piece.len() as u64).div_ceil(WORKGROUP_SIZE));
                    pass.dispatch_workgroups(x, y, 1);
                }
                encoder.copy_buffer_to_buffer(output, 0, readback, 0, digest_bytes);
                self.finish(encoder, readback, digest_bytes)
            })??;
            for (digest, bytes) in digests.iter_mut().zip(bytes.chunks_exact(32)) {
                digest.copy_from_slice(bytes);
            }
        }
        Ok(())
    }
}
