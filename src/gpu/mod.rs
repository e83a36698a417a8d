//! SHA-256 and SM3 batch hashing and Merkle roots on a GPU through wgpu (feature `gpu`).
//!
//! Most callers never touch this module: [`Backend`] on
//! [`Merkle`](crate::merkle::Merkle) and [`Hasher`](crate::sha256::Hasher) picks the GPU and
//! falls back to the CPU. Use a [`GpuContext`] directly to pick options, keep leaves resident on
//! the GPU (benchmarks), or see the adapter.
//!
//! The shaders in `shaders/` are compiled into the crate; a test validates each with naga.

mod hash;
mod merkle;

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use core::fmt;

use crate::backend::{gpu_crossover, Backend, Execution};
use crate::md32::HashId;

pub use merkle::GpuLeaves;
pub use wgpu;

const COMMON_SOURCE: &str = include_str!("../../shaders/common.wgsl");
const SHA256_SOURCE: &str = include_str!("../../shaders/sha256.wgsl");
const SM3_SOURCE: &str = include_str!("../../shaders/sm3.wgsl");
const MERKLE_REDUCE_SOURCE: &str = include_str!("../../shaders/merkle_reduce.wgsl");
const HASH_BATCH_SOURCE: &str = include_str!("../../shaders/hash_batch.wgsl");

/// Bytes the shaders accept before each node or message (two `vec4<u32>` in their params).
const MAX_PREFIX_LEN: usize = 32;

/// Why the GPU did not produce a result. The backend dispatch turns any of these into a CPU
/// fallback with a warning.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GpuError {
    /// This build has no wgpu backend for the platform, or no adapter was found.
    NoAdapter,
    /// The adapter refused a device (for example limits it cannot meet).
    RequestDevice(String),
    /// The device was lost (driver reset, GPU removed, [`GpuContext::destroy`], no answer
    /// within [`GpuOptions::wait_timeout`]); the context cannot be used again, and the shared
    /// one is replaced on the next call.
    DeviceLost(String),
    /// The GPU ran out of memory.
    OutOfMemory(String),
    /// wgpu rejected a command (an internal error: please report it).
    Internal(String),
    /// Reading results back failed.
    Readback(String),
    /// The input is outside what the kernels handle (prefix longer than 32 bytes, a message
    /// larger than one buffer).
    Unsupported(String),
    /// [`init`] was called after the shared context was created.
    AlreadyInitialized,
    /// A kernel gave a wrong result on a known input the first time it was used (a driver
    /// that miscompiled it); it is not used on this context.
    KnownAnswer(String),
    /// A result differed from the CPU's recomputation of a sample of it (a driver, a kernel or
    /// memory that went wrong after the known-answer check); this context computes nothing
    /// more, and the shared one is not replaced (even after a device loss), so the process
    /// stays on the CPU.
    WrongResult(String),
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::NoAdapter => f.write_str("no GPU adapter found"),
            GpuError::RequestDevice(why) => write!(f, "the GPU adapter refused a device: {why}"),
            GpuError::DeviceLost(why) => write!(f, "the GPU device was lost: {why}"),
            GpuError::OutOfMemory(why) => write!(f, "the GPU ran out of memory: {why}"),
            GpuError::Internal(why) => write!(f, "GPU command rejected: {why}"),
            GpuError::Readback(why) => write!(f, "reading GPU results failed: {why}"),
            GpuError::Unsupported(why) => write!(f, "not supported on the GPU: {why}"),
            GpuError::AlreadyInitialized => f.write_str("the shared GPU context already exists"),
            GpuError::KnownAnswer(kernel) => write!(
                f,
                "the GPU's {kernel} kernel gave a wrong result on a known input, so it is not used"
            ),
            GpuError::WrongResult(what) => write!(
                f,
                "the GPU gave a wrong {what} (the CPU recomputed it), so it is not used again"
            ),
        }
    }
}

impl std::error::Error for GpuError {}

/// How a [`GpuContext`] picks its adapter and device.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Use the first adapter whose name contains this (case-insensitive), instead of the best
    /// kind (discrete, integrated, virtual, software).
    pub adapter_name: Option<String>,
    /// Limits to request from the adapter; by default all the adapter offers.
    pub required_limits: Option<wgpu::Limits>,
    /// Largest buffer the context creates, below the adapter's limit (for a GPU shared with
    /// other work). Larger inputs are processed in chunks.
    pub max_buffer_bytes: Option<u64>,
    /// How long to wait for one submission before giving the device up as hung (the call then
    /// falls back to the CPU); [`DEFAULT_WAIT_TIMEOUT`] when `None`.
    pub wait_timeout: Option<Duration>,
}

/// How long a call waits for the GPU by default. Generous: the longest single wait, a tree of
/// 2^25 leaves kept for proofs, takes well under a second on hardware and tens of seconds on a
/// software adapter.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// An adapter wgpu can drive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name (`NVIDIA H100 80GB HBM3`, `llvmpipe (LLVM 15.0.6, 256 bits)`).
    pub name: String,
    /// The graphics API: `vulkan`, `metal`, `dx12`.
    pub api: String,
    /// `discrete`, `integrated`, `virtual`, `cpu` (software) or `other`.
    pub kind: String,
    /// Driver name and version.
    pub driver: String,
    /// Whether this is real GPU hardware; [`Backend::Auto`] uses only those.
    pub hardware: bool,
}

impl AdapterSummary {
    fn new(info: &wgpu::AdapterInfo) -> AdapterSummary {
        let kind = match info.device_type {
            wgpu::DeviceType::DiscreteGpu => "discrete",
            wgpu::DeviceType::IntegratedGpu => "integrated",
            wgpu::DeviceType::VirtualGpu => "virtual",
            wgpu::DeviceType::Cpu => "cpu",
            wgpu::DeviceType::Other => "other",
        };
        AdapterSummary {
            name: info.name.clone(),
            api: info.backend.to_str().to_string(),
            kind: kind.to_string(),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
            hardware: matches!(
                info.device_type,
                wgpu::DeviceType::DiscreteGpu
                    | wgpu::DeviceType::IntegratedGpu
                    | wgpu::DeviceType::VirtualGpu
            ),
        }
    }
}

/// Every adapter wgpu finds on Vulkan, Metal and DX12, best kind first.
pub fn adapters() -> Vec<AdapterSummary> {
    match instance() {
        Some(instance) => ranked_adapters(&instance)
            .iter()
            .map(|adapter| AdapterSummary::new(&adapter.get_info()))
            .collect(),
        None => Vec::new(),
    }
}

fn instance() -> Option<wgpu::Instance> {
    if wgpu::Instance::enabled_backend_features().is_empty() {
        return None;
    }
    let descriptor = wgpu::InstanceDescriptor {
        backends: wgpu::Backends::PRIMARY,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    };
    Some(wgpu::Instance::new(descriptor.with_env()))
}

fn ranked_adapters(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
    adapters.sort_by_key(|adapter| match adapter.get_info().device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    });
    adapters
}

/// The kernels, each compiled from the shared SHA-256 source followed by its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kernel {
    MerkleReduce,
    HashBatch,
}

impl Kernel {
    #[cfg(test)]
    const ALL: [Kernel; 2] = [Kernel::MerkleReduce, Kernel::HashBatch];

    /// The kernel's source on `hash`'s compression: every kernel calls `IV`, `compress`,
    /// `compress_pad64` and `hash_digest`, which sha256.wgsl and sm3.wgsl both define.
    fn source(self, hash: HashId) -> String {
        let own = match self {
            Kernel::MerkleReduce => MERKLE_REDUCE_SOURCE,
            Kernel::HashBatch => HASH_BATCH_SOURCE,
        };
        let compression = match hash {
            HashId::Sha256 => SHA256_SOURCE,
            HashId::Sm3 => SM3_SOURCE,
        };
        format!("{COMMON_SOURCE}\n{compression}\n{own}")
    }

    fn entry_point(self) -> &'static str {
        match self {
            Kernel::MerkleReduce => "reduce",
            Kernel::HashBatch => "hash_batch",
        }
    }

    /// Binding 0 is the uniform params; then the storage buffers, `true` where written.
    fn storage_bindings(self) -> &'static [bool] {
        match self {
            Kernel::MerkleReduce => &[false, true, false, true],
            Kernel::HashBatch => &[false, true],
        }
    }
}

/// One specialisation of a kernel: the pipeline-overridable constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PipelineKey {
    kernel: Kernel,
    hash: HashId,
    odd_rule: u32,
    double_hash: bool,
    prefix_len: u32,
    /// Merkle reduce only: write every level, for trees kept for proofs.
    store_levels: bool,
}

struct Pipeline {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    /// Whether the pipeline gave the CPU's result on its known input, once checked.
    known_answer: OnceLock<bool>,
}

/// A wgpu device and queue with the kernels' pipelines and reusable buffers.
///
/// Creating one finds an adapter and compiles nothing; pipelines are built on first use and
/// kept. Calls on one context are serialised (they share its buffers); the GPU itself runs one
/// queue anyway.
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: AdapterSummary,
    /// The largest storage buffer a kernel binds, in bytes.
    max_binding_bytes: u64,
    wait_timeout: Duration,
    pipelines: Mutex<HashMap<PipelineKey, Arc<Pipeline>>>,
    modules: Mutex<HashMap<(Kernel, HashId), wgpu::ShaderModule>>,
    scratch: Mutex<Scratch>,
    lost: Arc<Mutex<Option<String>>>,
    /// Set by the first result that failed its check on the CPU.
    wrong_result: OnceLock<String>,
    /// Whether the driver itself keeps every buffer access in bounds (Vulkan's robust buffer
    /// access, which wgpu turns on); elsewhere the kernels are compiled with bounds checks.
    driver_bounds_checks: bool,
    #[cfg(test)]
    corrupt_known_answers: std::sync::atomic::AtomicBool,
    #[cfg(test)]
    corrupt_results: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GpuContext")
            .field("adapter", &self.adapter)
            .field("max_binding_bytes", &self.max_binding_bytes)
            .finish_non_exhaustive()
    }
}

impl GpuContext {
    /// Opens the best adapter (or the one `options` names) and requests a device.
    pub fn new(options: &GpuOptions) -> Result<GpuContext, GpuError> {
        let instance = instance().ok_or(GpuError::NoAdapter)?;
        let adapters = ranked_adapters(&instance);
        let adapter = match &options.adapter_name {
            Some(wanted) => {
                let wanted = wanted.to_lowercase();
                adapters
                    .into_iter()
                    .find(|adapter| adapter.get_info().name.to_lowercase().contains(&wanted))
            }
            None => adapters.into_iter().next(),
        }
        .ok_or(GpuError::NoAdapter)?;
        let required_limits = options
            .required_limits
            .clone()
            .unwrap_or_else(|| adapter.limits());
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("batchverify"),
            required_limits: required_limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&descriptor))
            .map_err(|error| GpuError::RequestDevice(error.to_string()))?;
        let lost = Arc::new(Mutex::new(None));
        let lost_flag = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            *lost_flag.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(format!("{reason:?}: {message}"));
        });
        // wgpu's default handler panics; errors are caught by error scopes around each call,
        // and anything outside them is logged.
        device.on_uncaptured_error(Arc::new(|error| {
            log::warn!("uncaptured GPU error: {error}");
        }));
        let max_binding_bytes = required_limits
            .max_storage_buffer_binding_size
            .min(required_limits.max_buffer_size)
            .min(options.max_buffer_bytes.unwrap_or(u64::MAX))
            // Kernels address bytes with u32.
            .min(1 << 31);
        Ok(GpuContext {
            device,
            queue,
            adapter: AdapterSummary::new(&adapter.get_info()),
            max_binding_bytes,
            wait_timeout: options.wait_timeout.unwrap_or(DEFAULT_WAIT_TIMEOUT),
            pipelines: Mutex::new(HashMap::new()),
            modules: Mutex::new(HashMap::new()),
            scratch: Mutex::new(Scratch::default()),
            lost,
            wrong_result: OnceLock::new(),
            driver_bounds_checks: adapter.get_info().backend == wgpu::Backend::Vulkan,
            #[cfg(test)]
            corrupt_known_answers: std::sync::atomic::AtomicBool::new(false),
            #[cfg(test)]
            corrupt_results: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The adapter this context runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Frees the buffers kept for reuse between calls (they grow to the largest input seen);
    /// the next call allocates again.
    pub fn release_buffers(&self) {
        *self.scratch.lock().unwrap_or_else(|e| e.into_inner()) = Scratch::default();
    }

    /// Destroys the device now, freeing its memory at once rather than when the last handle
    /// goes. Calls on this context then fail with [`GpuError::DeviceLost`] (and fall back to the
    /// CPU); the shared context is replaced on the next call. It is also how tests make a
    /// device loss happen.
    pub fn destroy(&self) {
        *self.lost.lock().unwrap_or_else(|e| e.into_inner()) = Some("destroyed".into());
        self.device.destroy();
    }

    fn check_alive(&self) -> Result<(), GpuError> {
        match &*self.lost.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(reason) => Err(GpuError::DeviceLost(reason.clone())),
            None => Ok(()),
        }
    }

    fn pipeline(&self, key: PipelineKey) -> Result<Arc<Pipeline>, GpuError> {
        let mut pipelines = self.pipelines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pipeline) = pipelines.get(&key) {
            return Ok(Arc::clone(pipeline));
        }
        let pipeline = self.scoped(|| self.build_pipeline(key))?;
        pipelines.insert(key, Arc::clone(&pipeline));
        Ok(pipeline)
    }

    fn build_pipeline(&self, key: PipelineKey) -> Arc<Pipeline> {
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        let module = modules.entry((key.kernel, key.hash)).or_insert_with(|| {
            let descriptor = wgpu::ShaderModuleDescriptor {
                label: Some(key.kernel.entry_point()),
                source: wgpu::ShaderSource::Wgsl(key.kernel.source(key.hash).into()),
            };
            // SAFETY: what is left out is a 64-bit counter in every loop (reported to slow
            // kernels down severalfold), the division guards and, on Vulkan only, wgpu's
            // own bounds checks. Every loop has a constant or uniform bound, every divisor is a
            // constant, and every index is guarded by the node or message counts the host sizes
            // the buffers from (the GPU == CPU tests run each size class). Vulkan's robust
            // buffer access, which wgpu enables, keeps buffer accesses in bounds there (not
            // workgroup or private arrays: their indices are loop counters under constant
            // bounds); Metal and DX12 promise no such thing, so wgpu adds the checks on them.
            let checks = wgpu::ShaderRuntimeChecks {
                bounds_checks: !self.driver_bounds_checks,
                ..wgpu::ShaderRuntimeChecks::unchecked()
            };
            #[allow(unsafe_code)]
            unsafe {
                self.device.create_shader_module_trusted(descriptor, checks)
            }
        });
        let uniform = wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let entries: Vec<_> = core::iter::once(uniform)
            .chain(
                key.kernel
                    .storage_bindings()
                    .iter()
                    .zip(1..)
                    .map(|(&written, binding)| wgpu::BindGroupLayoutEntry {
                        binding,
                        visibility: wgpu::ShaderStages::COMPUTE,
                        ty: wgpu::BindingType::Buffer {
                            ty: wgpu::BufferBindingType::Storage {
                                read_only: !written,
                            },
                            has_dynamic_offset: false,
                            min_binding_size: None,
                        },
                        count: None,
                    }),
            )
            .collect();
        let layout = self
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(key.kernel.entry_point()),
                entries: &entries,
            });
        let pipeline_layout = self
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(key.kernel.entry_point()),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let constants = match key.kernel {
            Kernel::MerkleReduce => vec![
                ("ODD_RULE", f64::from(key.odd_rule)),
                ("DOUBLE_HASH", f64::from(u8::from(key.double_hash))),
                ("PREFIX_LEN", f64::from(key.prefix_len)),
                ("STORE_LEVELS", f64::from(u8::from(key.store_levels))),
            ],
            Kernel::HashBatch => vec![
                ("DOUBLE_HASH", f64::from(u8::from(key.double_hash))),
                ("PREFIX_LEN", f64::from(key.prefix_len)),
            ],
        };
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(key.kernel.entry_point()),
                layout: Some(&pipeline_layout),
                module,
                entry_point: Some(key.kernel.entry_point()),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &constants,
                    // Every workgroup value is written before it is read.
                    zero_initialize_workgroup_memory: false,
                },
                cache: None,
            });
        Arc::new(Pipeline {
            pipeline,
            layout,
            known_answer: OnceLock::new(),
        })
    }

    /// Fails unless `pipeline` gave the CPU's result on a known input: `check` runs it on one
    /// and says whether it did, the first time only. An error while checking (out of memory, a
    /// lost device) is returned and the check runs again next time.
    fn check_known_answer(
        &self,
        pipeline: &Pipeline,
        kernel: &str,
        check: impl FnOnce() -> Result<bool, GpuError>,
    ) -> Result<(), GpuError> {
        let right = match pipeline.known_answer.get() {
            Some(&right) => right,
            None => {
                let right = check()? && !self.corrupts_known_answers();
                *pipeline.known_answer.get_or_init(|| right)
            }
        };
        if right {
            Ok(())
        } else {
            Err(GpuError::KnownAnswer(kernel.to_string()))
        }
    }

    /// Fails once a result has failed its check: nothing this context computes is used again.
    fn check_trusted(&self) -> Result<(), GpuError> {
        match self.wrong_result.get() {
            Some(what) => Err(GpuError::WrongResult(what.clone())),
            None => Ok(()),
        }
    }

    /// Records that the GPU gave `what` wrong (as the CPU recomputed it) and returns the error
    /// that makes the call compute on the CPU.
    pub(crate) fn reject(&self, what: String) -> GpuError {
        GpuError::WrongResult(self.wrong_result.get_or_init(|| what).clone())
    }

    /// Unit tests make a read-back result wrong, as a faulty GPU would: its first byte.
    #[cfg(test)]
    fn tamper(&self, bytes: &mut [u8]) {
        if self
            .corrupt_results
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            if let Some(first) = bytes.first_mut() {
                *first ^= 1;
            }
        }
    }

    #[cfg(not(test))]
    fn tamper(&self, _: &mut [u8]) {}

    #[cfg(not(test))]
    fn corrupts_known_answers(&self) -> bool {
        false
    }

    /// Unit tests make the known-answer check fail, as a miscompiling driver would.
    #[cfg(test)]
    fn corrupts_known_answers(&self) -> bool {
        self.corrupt_known_answers
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `work` inside out-of-memory and validation error scopes and turns what they catch
    /// into a [`GpuError`].
    fn scoped<T>(&self, work: impl FnOnce() -> T) -> Result<T, GpuError> {
        self.check_trusted()?;
        self.check_alive()?;
        let out_of_memory = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = work();
        let validation = pollster::block_on(validation.pop());
        let out_of_memory = pollster::block_on(out_of_memory.pop());
        if let Some(error) = out_of_memory {
            return Err(GpuError::OutOfMemory(error.to_string()));
        }
        if let Some(error) = validation {
            return Err(GpuError::Internal(error.to_string()));
        }
        self.check_alive()?;
        Ok(value)
    }

    fn uniform(&self, bytes: &[u8]) -> wgpu::Buffer {
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("params"),
            size: bytes.len() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.queue.write_buffer(&buffer, 0, bytes);
        buffer
    }

    fn bind_group(&self, pipeline: &Pipeline, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let entries: Vec<_> = buffers
            .iter()
            .zip(0..)
            .map(|(buffer, binding)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.layout,
            entries: &entries,
        })
    }

    /// Submits `encoder`, waits, and returns the first `len` bytes of `readback` (a
    /// `MAP_READ` buffer the commands copied into).
    fn finish(
        &self,
        encoder: wgpu::CommandEncoder,
        readback: &wgpu::Buffer,
        len: u64,
    ) -> Result<Vec<u8>, GpuError> {
        self.finish_with(encoder, readback, len, <[u8]>::to_vec)
    }

    /// [`GpuContext::finish`], handing the bytes to `read` while they are mapped.
    fn finish_with<R>(
        &self,
        encoder: wgpu::CommandEncoder,
        readback: &wgpu::Buffer,
        len: u64,
        read: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, GpuError> {
        let submission = self.queue.submit([encoder.finish()]);
        let (sender, receiver) = mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, ..len, move |result| {
            let _ = sender.send(result);
        });
        if let Err(error) = self.wait_for_map(submission, &receiver) {
            // A mapping still pending would complete later and leave the buffer mapped, and
            // every later submission that copies into it would be rejected.
            readback.unmap();
            return Err(error);
        }
        let value = readback
            .get_mapped_range(..len)
            .map(|bytes| read(&bytes))
            .map_err(|error| GpuError::Readback(error.to_string()));
        readback.unmap();
        value
    }
}

impl GpuContext {
    /// Waits (at most the context's timeout) for `submission` and then for the mapping whose
    /// callback reports to `mapped`. A timeout marks the context lost: a device that hung once
    /// is not waited on again.
    fn wait_for_map(
        &self,
        submission: wgpu::SubmissionIndex,
        mapped: &mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    ) -> Result<(), GpuError> {
        let waited = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(self.wait_timeout),
        });
        match waited {
            Ok(_) => {}
            Err(wgpu::PollError::Timeout) => {
                let reason = format!("no answer within {:?}", self.wait_timeout);
                *self.lost.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.clone());
                return Err(GpuError::DeviceLost(reason));
            }
            Err(error) => return Err(GpuError::Readback(error.to_string())),
        }
        self.check_alive()?;
        let result = match mapped.try_recv() {
            Ok(result) => result,
            // The callback runs in a poll after its submission is done; one more makes sure.
            Err(_) => {
                self.device
                    .poll(wgpu::PollType::Poll)
                    .map_err(|error| GpuError::Readback(error.to_string()))?;
                mapped
                    .try_recv()
                    .map_err(|error| GpuError::Readback(format!("mapping a buffer: {error}")))?
            }
        };
        result.map_err(|error| GpuError::Readback(error.to_string()))
    }
}

/// Host-visible buffers that input is written into and copied to the GPU from, reused from one
/// piece and one call to the next so that their memory is mapped and faulted in once (a fresh
/// staging allocation per write cost more than the transfer itself).
#[derive(Default)]
struct StagingRing {
    slots: Vec<StagingSlot>,
    next: usize,
}

struct StagingSlot {
    buffer: wgpu::Buffer,
    /// Set between the submission that copies out of the buffer and its mapping for the next
    /// write.
    remapping: Option<(
        wgpu::SubmissionIndex,
        mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    )>,
}

/// Buffers in the ring: one being filled, one being copied, one spare so filling never waits
/// on a copy that has just been submitted.
const STAGING_SLOTS: usize = 3;

/// Bytes per upload piece: small enough that filling one overlaps the transfer (and the
/// kernels) of the one before, large enough that each submission's fixed cost is a small
/// share. Measured on an H200 (BENCHMARKS.md): 16 MiB pieces were slower at 2^24 leaves and
/// more, 64 MiB ones within the run-to-run spread of 32 MiB.
const UPLOAD_PIECE_BYTES: usize = 32 << 20;

/// Bytes one thread writes into staging memory at a time.
const FILL_PART: usize = 1 << 20;

impl StagingRing {
    /// The next slot, mapped for writing and at least `size` bytes: waits until the GPU has
    /// copied out of it. A ring of smaller buffers is replaced.
    fn next_mapped(&mut self, context: &GpuContext, size: u64) -> Result<usize, GpuError> {
        let size = size.max(4).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        if self
            .slots
            .first()
            .is_none_or(|slot| slot.buffer.size() < size)
        {
            self.slots = (0..STAGING_SLOTS)
                .map(|_| StagingSlot {
                    buffer: context.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("staging"),
                        size,
                        usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
                        mapped_at_creation: true,
                    }),
                    remapping: None,
                })
                .collect();
            self.next = 0;
        }
        let index = self.next;
        self.next = (index + 1) % self.slots.len();
        if let Some((submission, mapped)) = self.slots[index].remapping.take() {
            context.wait_for_map(submission, &mapped)?;
        }
        Ok(index)
    }

    /// One piece of an upload: the next slot is filled by `fill`, then the commands `encode`
    /// records (which copy out of the slot's buffer, its argument) are submitted, and the slot
    /// is mapped again once they are done.
    fn submit_piece(
        &mut self,
        context: &GpuContext,
        size: u64,
        fill: impl FnOnce(&wgpu::Buffer) -> Result<(), GpuError>,
        encode: impl FnOnce(&mut wgpu::CommandEncoder, &wgpu::Buffer) -> Result<(), GpuError>,
    ) -> Result<(), GpuError> {
        let slot = self.next_mapped(context, size)?;
        let staging = &self.slots[slot].buffer;
        fill(staging)?;
        let mut encoder = context.device.create_command_encoder(&Default::default());
        encode(&mut encoder, staging)?;
        let submission = context.queue.submit([encoder.finish()]);
        self.recycle(slot, submission);
        Ok(())
    }

    /// Copies `bytes` (a multiple of 4 long) to the start of `target`, a piece at a time
    /// through the ring, each submitted before the next is filled. Later submissions see them.
    fn upload(
        &mut self,
        context: &GpuContext,
        target: &wgpu::Buffer,
        bytes: &[u8],
    ) -> Result<(), GpuError> {
        let piece_bytes = UPLOAD_PIECE_BYTES.min(bytes.len()) as u64;
        for (index, piece) in bytes.chunks(UPLOAD_PIECE_BYTES).enumerate() {
            let at = (index * UPLOAD_PIECE_BYTES) as u64;
            self.submit_piece(
                context,
                piece_bytes,
                |staging| fill_bytes(staging, piece),
                |encoder, staging| {
                    encoder.copy_buffer_to_buffer(staging, 0, target, at, piece.len() as u64);
                    Ok(())
                },
            )?;
        }
        Ok(())
    }

    /// Hands back the result of work that used the ring; after a failure, drops the ring,
    /// which may hold a buffer neither mapped nor waiting to be.
    fn settle<T>(&mut self, result: Result<Result<T, GpuError>, GpuError>) -> Result<T, GpuError> {
        let result = result.and_then(|inner| inner);
        if result.is_err() {
            *self = StagingRing::default();
        }
        result
    }

    /// Maps the slot again for writing once `submission`, which copies out of it, is done.
    fn recycle(&mut self, slot: usize, submission: wgpu::SubmissionIndex) {
        let (sender, receiver) = mpsc::channel();
        self.slots[slot]
            .buffer
            .map_async(wgpu::MapMode::Write, .., move |result| {
                let _ = sender.send(result);
            });
        self.slots[slot].remapping = Some((submission, receiver));
    }
}

/// Writes the first `len` bytes of `staging` (mapped for writing), `part` bytes at a time (a
/// multiple of 8) on rayon's threads: `write(start, view)` fills the view that begins at byte
/// `start` (the last view is rounded up to 4 bytes). Then unmaps it.
fn fill(
    staging: &wgpu::Buffer,
    len: usize,
    part: usize,
    write: impl Fn(usize, &mut wgpu::BufferViewMut) + Sync,
) -> Result<(), GpuError> {
    use rayon::prelude::*;
    let views = (0..len)
        .step_by(part.max(8))
        .map(|start| {
            let end = (start + part).min(len).next_multiple_of(4);
            staging
                .get_mapped_range_mut(start as u64..end as u64)
                .map(|view| (start, view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| GpuError::Internal(format!("staging buffer: {error}")))?;
    views
        .into_par_iter()
        .for_each(|(start, mut view)| write(start, &mut view));
    staging.unmap();
    Ok(())
}

/// Copies `bytes` (a multiple of 4 long) into the start of `staging`, then unmaps it.
fn fill_bytes(staging: &wgpu::Buffer, bytes: &[u8]) -> Result<(), GpuError> {
    fill(staging, bytes.len(), FILL_PART, |start, view| {
        view.copy_from_slice(&bytes[start..start + view.len()])
    })
}

/// A workgroup grid for `groups` workgroups within the per-dimension limit; kernels skip the
/// surplus ones.
fn grid(groups: u64) -> (u32, u32) {
    const MAX_PER_DIMENSION: u64 = 65_535;
    let x = groups.clamp(1, MAX_PER_DIMENSION);
    (x as u32, groups.div_ceil(x).max(1) as u32)
}

/// The prefix bytes as the kernels' params take them: 32 bytes, little-endian words.
fn prefix_words(prefix: &[u8]) -> Result<[u8; MAX_PREFIX_LEN], GpuError> {
    if prefix.len() > MAX_PREFIX_LEN {
        return Err(GpuError::Unsupported(format!(
            "a {}-byte prefix (at most {MAX_PREFIX_LEN})",
            prefix.len()
        )));
    }
    let mut bytes = [0; MAX_PREFIX_LEN];
    bytes[..prefix.len()].copy_from_slice(prefix);
    Ok(bytes)
}

/// Buffers kept between calls and grown when a call needs more.
#[derive(Default)]
struct Scratch {
    input: Option<wgpu::Buffer>,
    staging: StagingRing,
    work: WorkBuffers,
}

#[derive(Default)]
struct WorkBuffers {
    levels: [Option<wgpu::Buffer>; 2],
    readback: Option<wgpu::Buffer>,
    flag: Option<wgpu::Buffer>,
    /// What every upload piece produced (its subtree's top node, its messages' digests),
    /// gathered to be read back once.
    gathered: Option<wgpu::Buffer>,
    /// Every level of a tree kept for proofs.
    every_level: Option<wgpu::Buffer>,
}

/// Returns the buffer in `slot`, replaced first when it has fewer than `size` bytes or lacks
/// one of the `usage` flags (the slots are shared by the kernels).
fn ensure<'a>(
    device: &wgpu::Device,
    slot: &'a mut Option<wgpu::Buffer>,
    size: u64,
    usage: wgpu::BufferUsages,
    label: &'static str,
) -> &'a wgpu::Buffer {
    let size = size.max(4).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
    if slot
        .as_ref()
        .is_none_or(|buffer| buffer.size() < size || !buffer.usage().contains(usage))
    {
        *slot = Some(device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage,
            mapped_at_creation: false,
        }));
    }
    slot.as_ref().expect("filled above")
}

const INPUT_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_DST)
    .union(wgpu::BufferUsages::COPY_SRC);

/// Buffers kernels write and the host copies out of and into.
const WORK_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

/// The context [`Backend::Auto`] and [`Backend::Gpu`] use, and the options it is made with.
struct Shared {
    options: GpuOptions,
    /// `None` until first use; a failure to open one is kept (trying again would fail alike).
    context: Option<Result<Arc<GpuContext>, GpuError>>,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared {
    options: GpuOptions {
        adapter_name: None,
        required_limits: None,
        max_buffer_bytes: None,
        wait_timeout: None,
    },
    context: None,
});

/// Creates the context that [`Backend::Auto`] and [`Backend::Gpu`] use, with `options`. Call it
/// before any GPU work; afterwards it returns [`GpuError::AlreadyInitialized`].
pub fn init(options: &GpuOptions) -> Result<Arc<GpuContext>, GpuError> {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if shared.context.is_some() {
        return Err(GpuError::AlreadyInitialized);
    }
    shared.options = options.clone();
    let context = GpuContext::new(options).map(Arc::new);
    shared.context = Some(context.clone());
    context
}

/// The shared context, created on first use (with default options unless [`init`] gave
/// others). A context whose device was lost (driver reset, [`GpuContext::destroy`]) is
/// replaced by a new one here, so only the calls that met the loss fall back to the CPU; if
/// the new one cannot be opened yet, the next call tries again.
pub fn shared() -> Result<Arc<GpuContext>, GpuError> {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    let replacing = match &shared.context {
        // A context that gave a wrong result is kept, lost or not: its replacement would pass
        // the same known answers and be trusted again.
        Some(Ok(context)) if context.check_alive().is_err() && context.check_trusted().is_ok() => {
            log::warn!("the GPU device was lost; opening a new one");
            true
        }
        Some(made) => return made.clone(),
        None => false,
    };
    let context = GpuContext::new(&shared.options).map(Arc::new);
    // Right after a loss (a driver reset) opening can fail for a while: that failure is not
    // kept, so a later call tries again.
    shared.context = match (&context, replacing) {
        (Err(_), true) => None,
        _ => Some(context.clone()),
    };
    context
}

/// What a call would run on the GPU; [`Backend::Auto`] places each kind as it measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GpuWork {
    /// A Merkle root of this many leaves: the GPU from [`gpu_crossover`] leaves.
    Root(usize),
    /// Every level of a tree of this many leaves, read back for proofs: the GPU from the same
    /// crossover (1.2x to 1.6x the CPU from 2^14 to 2^24 leaves, even at 2^25).
    Tree(usize),
    /// A batch of messages: the CPU, which was as fast or faster at every size measured (the
    /// upload costs more than the hashing saves).
    Hashing,
}

impl GpuWork {
    fn auto_uses_gpu(self) -> bool {
        match self {
            GpuWork::Root(leaves) | GpuWork::Tree(leaves) => leaves >= gpu_crossover(),
            GpuWork::Hashing => false,
        }
    }
}

/// Runs `work` on the GPU where `backend` places `kind`. `Err` carries what to report when the
/// CPU must compute the result instead: nothing for `Cpu` or for `Auto` without GPU hardware
/// or where `Auto` keeps `kind` on the CPU, a fallback reason (also logged as a warning) when
/// the GPU was asked for and could not be used or failed.
pub(crate) fn attempt<T>(
    backend: Backend,
    kind: GpuWork,
    work: impl FnOnce(&GpuContext) -> Result<T, GpuError>,
) -> Result<(T, Execution), Execution> {
    let context = match backend {
        Backend::Cpu => return Err(Execution::cpu()),
        // Small inputs never touch wgpu: opening a device takes longer than hashing them.
        Backend::Auto if !kind.auto_uses_gpu() => return Err(Execution::cpu()),
        // Without GPU hardware, no device is opened at all (not even a software one).
        Backend::Auto if !hardware_adapter_present() => return Err(Execution::cpu()),
        Backend::Auto => match shared() {
            Ok(context) if context.adapter.hardware => context,
            _ => return Err(Execution::cpu()),
        },
        Backend::Gpu => shared().map_err(|error| fallback(&error))?,
    };
    run_on(&context, backend, work)
}

/// [`attempt`] on `context`.
fn run_on<T>(
    context: &GpuContext,
    backend: Backend,
    work: impl FnOnce(&GpuContext) -> Result<T, GpuError>,
) -> Result<(T, Execution), Execution> {
    // After a wrong result the GPU was reported once, by the call that found it.
    if let Err(error) = context.check_trusted() {
        return Err(match backend {
            Backend::Gpu => Execution {
                fallback: Some(format!("{error}; computed on the CPU instead")),
                ..Execution::cpu()
            },
            _ => Execution::cpu(),
        });
    }
    match work(context) {
        Ok(value) => Ok((
            value,
            Execution {
                backend: Backend::Gpu,
                adapter: Some(context.adapter.name.clone()),
                fallback: None,
            },
        )),
        Err(error) => Err(cpu_instead(backend, &error)),
    }
}

/// What to report when the GPU could not compute a result. Under `Auto`, input the kernels do
/// not take (messages of different lengths, a long prefix) is an ordinary CPU call, not a
/// failure worth a warning; everything else is a fallback.
fn cpu_instead(backend: Backend, error: &GpuError) -> Execution {
    match (backend, error) {
        (Backend::Auto, GpuError::Unsupported(_)) => Execution::cpu(),
        _ => fallback(error),
    }
}

/// Runs `gpu` on this thread and `cpu` beside it, on a thread of its own: not a rayon
/// worker, which could steal work waiting for the context's buffers while `gpu` holds them.
/// A caller that is itself a rayon worker runs `cpu` after `gpu` instead: blocked in a join
/// rayon cannot see, it could leave `cpu`'s parallel work no worker to run on. So does a
/// caller where no thread can be started.
pub(crate) fn beside<A, B: Send>(
    gpu: impl FnOnce() -> A,
    cpu: impl FnOnce() -> B + Send,
) -> (A, B) {
    if rayon::current_thread_index().is_some() {
        let gpu_result = gpu();
        return (gpu_result, cpu());
    }
    let cpu = Mutex::new(Some(cpu));
    let take = || cpu.lock().unwrap_or_else(|e| e.into_inner()).take();
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("batchverify-check".into())
            .spawn_scoped(scope, || take().map(|cpu| cpu()));
        let gpu_result = gpu();
        let cpu_result = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        let cpu_result = cpu_result.unwrap_or_else(|| take().expect("run once")());
        (gpu_result, cpu_result)
    })
}

/// Where a GPU result of `count` items (nodes, digests) is checked on the CPU: the first and
/// the last (the edges, where the odd-node rules and partial pieces are) and
/// [`RESULT_SAMPLES`] others drawn at random; every item when there are no more than that.
pub(crate) fn sample_positions(count: usize) -> Vec<usize> {
    if count <= RESULT_SAMPLES + 2 {
        return (0..count).collect();
    }
    let mut state = getrandom::u64().unwrap_or_else(|_| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64)
    });
    let mut positions = vec![0, count - 1];
    positions.extend((0..RESULT_SAMPLES).map(|_| {
        // SplitMix64: positions need to be spread, not secret.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % count as u64) as usize
    }));
    positions
}

/// Items of a GPU result checked at random besides its edges. A fault that touches a share f of
/// the items escapes one call with probability about (1 - f)^16: a broken kernel or driver is
/// caught on its first call, a single flipped node of a large tree rarely.
pub(crate) const RESULT_SAMPLES: usize = 16;

/// Whether wgpu finds a hardware adapter (found once per process, without opening a device).
pub fn hardware_adapter_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    *PRESENT.get_or_init(|| adapters().iter().any(|adapter| adapter.hardware))
}

/// The CPU ran instead of the GPU because of `error`: warn and report it.
fn fallback(error: &GpuError) -> Execution {
    let reason = format!("{error}; computed on the CPU instead");
    log::warn!("{reason}");
    Execution {
        fallback: Some(reason),
        ..Execution::cpu()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validated(name: &str, source: &str) -> naga::Module {
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|error| panic!("{name}: {}", error.emit_to_string(source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .unwrap_or_else(|error| panic!("{name}: {}", error.emit_to_string(source)));
        module
    }

    #[test]
    fn every_shader_validates_with_naga() {
        validated("sha256.wgsl", &format!("{COMMON_SOURCE}\n{SHA256_SOURCE}"));
        validated("sm3.wgsl", &format!("{COMMON_SOURCE}\n{SM3_SOURCE}"));
        for kernel in Kernel::ALL {
            for hash in [HashId::Sha256, HashId::Sm3] {
                let module = validated(kernel.entry_point(), &kernel.source(hash));
                assert!(module
                    .entry_points
                    .iter()
                    .any(|entry| entry.name == kernel.entry_point()
                        && entry.stage == naga::ShaderStage::Compute));
            }
        }
    }

    #[test]
    fn auto_sends_only_roots_and_trees_from_the_crossover_to_the_gpu() {
        let crossover = gpu_crossover();
        assert!(!GpuWork::Root(crossover - 1).auto_uses_gpu());
        assert!(GpuWork::Root(crossover).auto_uses_gpu());
        assert!(!GpuWork::Tree(crossover - 1).auto_uses_gpu());
        assert!(GpuWork::Tree(crossover).auto_uses_gpu());
        assert!(!GpuWork::Hashing.auto_uses_gpu());
    }

    #[test]
    fn only_failures_are_reported_as_fallbacks() {
        let unsupported = GpuError::Unsupported("messages of different lengths".into());
        assert_eq!(cpu_instead(Backend::Auto, &unsupported), Execution::cpu());
        assert!(cpu_instead(Backend::Gpu, &unsupported).fallback.is_some());
        let lost = GpuError::DeviceLost("reset".into());
        let report = cpu_instead(Backend::Auto, &lost);
        assert_eq!(report.backend, Backend::Cpu);
        assert!(report.fallback.unwrap().contains("device was lost"));
    }

    /// A context of its own on whatever adapter there is (lavapipe in CI); `None` skips the
    /// test where there is none, unless `BATCHVERIFY_REQUIRE_GPU=1`.
    fn own_context() -> Option<GpuContext> {
        match GpuContext::new(&GpuOptions::default()) {
            Ok(context) => Some(context),
            Err(error) if std::env::var("BATCHVERIFY_REQUIRE_GPU").is_ok_and(|v| v == "1") => {
                panic!("BATCHVERIFY_REQUIRE_GPU=1 but no GPU: {error}")
            }
            Err(error) => {
                eprintln!("SKIPPED: no GPU adapter ({error})");
                None
            }
        }
    }

    #[test]
    fn a_kernel_that_fails_its_known_answer_is_not_used_and_the_cpu_computes_instead() {
        let Some(context) = own_context() else {
            return;
        };
        context
            .corrupt_known_answers
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let leaves: Vec<crate::sha256::Digest> = (0..1000u32)
            .map(|i| crate::sha256::hash(&i.to_le_bytes()))
            .collect();
        let flavor = crate::merkle::SSZ;
        let error = context.merkle_root(&flavor, &leaves).unwrap_err();
        assert_eq!(error, GpuError::KnownAnswer("Merkle reduce".into()));
        let report = cpu_instead(Backend::Auto, &error);
        assert_eq!(report.backend, Backend::Cpu);
        assert!(report
            .fallback
            .unwrap()
            .contains("Merkle reduce kernel gave a wrong result on a known input"));
        let error = context.hash_many(&[[7u8; 64]; 5]).unwrap_err();
        assert_eq!(error, GpuError::KnownAnswer("batch hash".into()));
        // The verdict is kept: a later call is refused without running the kernel again.
        context
            .corrupt_known_answers
            .store(false, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            context.merkle_root(&flavor, &leaves).unwrap_err(),
            GpuError::KnownAnswer("Merkle reduce".into())
        );
        // Other flavors' kernels are checked on their own and pass.
        let cpu = crate::merkle::Merkle::new(crate::merkle::BITCOIN)
            .with_backend(Backend::Cpu)
            .root_and_mutation(&leaves)
            .unwrap();
        assert_eq!(
            context.merkle_root(&crate::merkle::BITCOIN, &leaves),
            Ok(cpu)
        );
    }

    #[test]
    fn a_wrong_result_is_found_computed_on_the_cpu_reported_once_and_the_gpu_not_used_again() {
        let Some(context) = own_context() else {
            return;
        };
        let leaves: Vec<crate::sha256::Digest> = (0..5000u32)
            .map(|i| crate::sha256::hash(&i.to_le_bytes()))
            .collect();
        let merkle = crate::merkle::Merkle::new(crate::merkle::BITCOIN);
        let zeros = merkle.zero_hashes(0);
        // Right before the results go wrong, so the known-answer checks pass.
        context
            .merkle_root(&crate::merkle::BITCOIN, &leaves)
            .unwrap();
        context.hash_many(&[[7u8; 64]; 5]).unwrap();
        context
            .corrupt_results
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let levels = context
            .tree_levels(&crate::merkle::BITCOIN, &leaves, &zeros)
            .unwrap();
        let error = merkle
            .check_gpu_levels(&context, &leaves, &levels, &zeros)
            .unwrap_err();
        assert_eq!(
            error,
            GpuError::WrongResult("Merkle node 0 at height 9 (or below it)".into())
        );
        let report = cpu_instead(Backend::Auto, &error);
        assert_eq!(report.backend, Backend::Cpu);
        assert!(report.fallback.unwrap().contains("so it is not used again"));
        // Nothing more runs on this context, right or not; the first reason is kept.
        context
            .corrupt_results
            .store(false, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            context.merkle_root(&crate::merkle::BITCOIN, &leaves),
            Err(error.clone())
        );
        assert_eq!(context.hash_many(&[[7u8; 64]; 5]), Err(error.clone()));
        let ran = std::cell::Cell::new(false);
        let refused = |backend| {
            run_on(&context, backend, |_| {
                ran.set(true);
                Ok(())
            })
            .unwrap_err()
        };
        // Asked for the GPU, each call says why it ran on the CPU; under Auto it just does.
        assert!(refused(Backend::Gpu)
            .fallback
            .unwrap()
            .contains("not used again"));
        assert_eq!(refused(Backend::Auto), Execution::cpu());
        assert!(!ran.get());
    }

    /// Failed before: a device loss replaced the context, and the new one was trusted again.
    /// The only unit test that touches the shared context, which it leaves rejected.
    #[test]
    fn a_context_that_gave_a_wrong_result_is_not_replaced_after_a_device_loss() {
        if own_context().is_none() {
            return;
        }
        let context = shared().unwrap();
        context.reject("a test's wrong result".into());
        context.destroy();
        let kept = shared().unwrap();
        assert!(Arc::ptr_eq(&context, &kept));
        assert_eq!(
            kept.hash_many(&[[7u8; 64]; 2]),
            Err(GpuError::WrongResult("a test's wrong result".into()))
        );
    }

    #[test]
    fn a_wrong_root_node_or_digest_is_found_by_the_check() {
        let leaves: Vec<crate::sha256::Digest> = (0..3000u32)
            .map(|i| crate::sha256::hash(&i.to_le_bytes()))
            .collect();
        for what in ["root", "digests"] {
            let Some(context) = own_context() else {
                return;
            };
            context
                .merkle_root(&crate::merkle::RFC6962, &leaves)
                .unwrap();
            context.hash_many(&leaves).unwrap();
            context
                .corrupt_results
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let error = match what {
                "root" => context
                    .merkle_root(&crate::merkle::RFC6962, &leaves)
                    .unwrap_err(),
                _ => context.hash_many(&leaves).unwrap_err(),
            };
            assert!(matches!(error, GpuError::WrongResult(_)), "{what}: {error}");
        }
    }

    #[test]
    fn every_item_of_a_small_result_is_checked_and_the_edges_of_a_large_one() {
        for count in 0..=RESULT_SAMPLES + 2 {
            assert_eq!(sample_positions(count), (0..count).collect::<Vec<_>>());
        }
        let positions = sample_positions(1 << 20);
        assert_eq!(positions.len(), RESULT_SAMPLES + 2);
        assert_eq!(positions[..2], [0, (1 << 20) - 1]);
        assert!(positions.iter().all(|&at| at < 1 << 20));
        assert_ne!(sample_positions(1 << 20)[2..], positions[2..]);
    }

    /// The words of the WGSL constant array `name` in `source`.
    fn listed_constant(source: &str, name: &str) -> Vec<u32> {
        let start = source.find(&format!("const {name} ")).unwrap();
        let body = &source[start..source[start..].find(");").unwrap() + start];
        body.split(['(', ','])
            .skip(1)
            .filter_map(|word| {
                let word = word.trim().trim_end_matches('u');
                u32::from_str_radix(word.strip_prefix("0x")?, 16).ok()
            })
            .collect()
    }

    #[test]
    fn padding_schedule_constants_match_the_portable_hashes() {
        let block = crate::md32::padding_block(64);
        let sha256 = crate::sha256::schedule_with_constants(&block);
        assert_eq!(listed_constant(SHA256_SOURCE, "PAD64_WK"), sha256.to_vec());
        let sm3 = <crate::sm3::Sm3 as crate::md32::Algorithm>::schedule(&block);
        assert_eq!(listed_constant(SM3_SOURCE, "PAD64_W"), sm3.to_vec());
        let rotated = listed_constant(SM3_SOURCE, "T_ROTATED");
        assert_eq!(rotated.len(), 64);
        for (j, word) in rotated.into_iter().enumerate() {
            let base: u32 = if j < 16 { 0x79cc4519 } else { 0x7a879d8a };
            assert_eq!(word, base.rotate_left(j as u32 % 32), "T_{j}");
        }
    }
}
