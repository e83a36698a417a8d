//! Where work runs: the CPU code paths chosen on this machine, and the CPU or GPU [`Backend`]
//! for batch hashing and Merkle roots.
//!
//! Ed25519 mirrors curve25519-dalek's run-time dispatch and SHA-512 the `sha2` crate's; SHA-256
//! is our own ([`crate::sha256`]). `batchverify info` and the benchmark records say what ran.

use core::fmt;
use core::str::FromStr;

/// Where batch hashing and Merkle roots run.
///
/// `Auto` runs a Merkle root or tree on the GPU only when a hardware adapter exists and the
/// tree has at least [`gpu_crossover`] leaves; batch hashing, which measured no faster on the
/// GPU than on the CPU (BENCHMARKS.md), and everything when the `gpu` feature is off, run on
/// the CPU.
/// `Gpu` runs on any adapter, software ones included, and falls back to the CPU with a
/// warning when there is none or it fails. Results are the same whichever runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The GPU for large Merkle trees on a hardware adapter, the CPU otherwise.
    #[default]
    Auto,
    /// The CPU's SIMD paths on rayon's threads.
    Cpu,
    /// The GPU through wgpu, falling back to the CPU with a warning.
    Gpu,
}

impl Backend {
    /// The default backend: `BATCHVERIFY_BACKEND` (`auto`, `cpu` or `gpu`) when it is set to
    /// one of those, [`Backend::Auto`] otherwise (an unknown value is ignored with a warning).
    pub fn from_env() -> Backend {
        Backend::try_from_env().unwrap_or_else(|problem| {
            log::warn!("{problem}; using auto");
            Backend::Auto
        })
    }

    /// `BATCHVERIFY_BACKEND` when set (an unknown value is an error naming the variable),
    /// [`Backend::Auto`] otherwise. For programs that would rather stop than ignore a typo.
    pub fn try_from_env() -> Result<Backend, String> {
        match std::env::var("BATCHVERIFY_BACKEND") {
            Ok(value) => value
                .parse()
                .map_err(|problem| format!("BATCHVERIFY_BACKEND: {problem}")),
            Err(_) => Ok(Backend::Auto),
        }
    }
}

impl Backend {
    /// [`Backend::from_env`], read once per process: the backend of [`crate::sha256::Hasher::new`]
    /// and [`crate::merkle::Merkle::new`].
    pub(crate) fn configured() -> Backend {
        static CONFIGURED: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
        *CONFIGURED.get_or_init(Backend::from_env)
    }
}

/// What a call reports in a build without the `gpu` feature.
#[cfg(not(feature = "gpu"))]
pub(crate) fn cpu_only(backend: Backend) -> Execution {
    if backend != Backend::Gpu {
        return Execution::cpu();
    }
    let reason = "this build has no `gpu` feature; computed on the CPU instead".to_string();
    log::warn!("{reason}");
    Execution {
        fallback: Some(reason),
        ..Execution::cpu()
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Backend::Auto),
            "cpu" => Ok(Backend::Cpu),
            "gpu" => Ok(Backend::Gpu),
            other => Err(format!(
                "unknown backend {other:?} (expected auto, cpu or gpu)"
            )),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Auto => "auto",
            Backend::Cpu => "cpu",
            Backend::Gpu => "gpu",
        })
    }
}

/// What ran a backend-aware call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// [`Backend::Cpu`] or [`Backend::Gpu`]: where the result was computed.
    pub backend: Backend,
    /// The GPU adapter's name, when the GPU ran.
    pub adapter: Option<String>,
    /// Why the GPU was asked for (`Backend::Gpu`) but the CPU ran; also logged as a warning.
    pub fallback: Option<String>,
}

impl Execution {
    pub(crate) fn cpu() -> Execution {
        Execution {
            backend: Backend::Cpu,
            adapter: None,
            fallback: None,
        }
    }
}

/// Leaves from which [`Backend::Auto`] computes a Merkle root or tree on a hardware GPU:
/// `BATCHVERIFY_GPU_CROSSOVER` when set, else 2^18 (measured on an H100, BENCHMARKS.md).
pub fn gpu_crossover() -> usize {
    static CROSSOVER: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CROSSOVER.get_or_init(|| {
        std::env::var("BATCHVERIFY_GPU_CROSSOVER")
            .ok()
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(DEFAULT_GPU_CROSSOVER)
    })
}

/// On an H100 beside 16 CPU threads running the AVX-512 kernels the GPU's end-to-end root lost
/// at 2^17 leaves (0.92x) and won from 2^18, for SHA-256 and SM3 trees alike; fewer cores only
/// move it lower.
const DEFAULT_GPU_CROSSOVER: usize = 1 << 18;

/// The curve25519-dalek backend that runs Ed25519 point arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ed25519Path {
    /// AVX-512 IFMA vector backend (52-bit multiply-accumulate, 4 lanes of 2^52-radix limbs).
    Avx512Ifma,
    /// AVX2 vector backend.
    Avx2,
    /// Portable 64-bit serial backend.
    Serial,
}

/// The compression function used for SHA-256, SM3 and SHA-512.
///
/// For SHA-256 and SM3 the vector paths hash one message per lane; the SHA extensions
/// interleave several messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashPath {
    /// Intel SHA extensions (SHA-256 only).
    ShaNi,
    /// AVX-512: 16 SHA-256 or SM3 messages at once.
    Avx512,
    /// AVX2: 8 SHA-256 or SM3 messages at once; the message schedule for SHA-512.
    Avx2,
    /// Portable code.
    Portable,
}

impl fmt::Display for Ed25519Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ed25519Path::Avx512Ifma => "avx512-ifma",
            Ed25519Path::Avx2 => "avx2",
            Ed25519Path::Serial => "serial",
        })
    }
}

impl fmt::Display for HashPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashPath::ShaNi => "sha-ni",
            HashPath::Avx512 => "avx512",
            HashPath::Avx2 => "avx2",
            HashPath::Portable => "portable",
        })
    }
}

/// CPU features and the code paths selected on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuInfo {
    /// The CPU features that matter to batchverify, as named by `is_x86_feature_detected!`.
    pub features: Vec<&'static str>,
    /// Whether this build contains curve25519-dalek's AVX-512 IFMA backend.
    pub ifma_backend_built: bool,
    /// The backend Ed25519 point arithmetic runs on.
    pub ed25519: Ed25519Path,
    /// Where batches decompress Ed25519 points and test their subgroup: `"avx512-ifma"` (sixteen
    /// at once in SIMD lanes) or `"portable"` (one at a time);
    /// `BATCHVERIFY_ED25519_LANES=portable` picks the second on any CPU.
    pub ed25519_decompression: &'static str,
    /// The SHA-256 path batch hashing and Merkle trees run on.
    pub sha256: HashPath,
    /// The SHA-512 compression function (Ed25519 challenge hashes).
    pub sha512: HashPath,
}

/// Detects the CPU's features and reports the code paths taken on this machine.
pub fn cpu_info() -> CpuInfo {
    let features = detected_features();
    let has = |name: &str| features.contains(&name);
    let ifma_backend_built = ifma_backend_built();
    // What curve25519-dalek's own run-time selection picked, not a guess from CPU features.
    let ed25519 = match curve25519_dalek::selected_backend_name() {
        "avx512ifma" => Ed25519Path::Avx512Ifma,
        "avx2" => Ed25519Path::Avx2,
        _ => Ed25519Path::Serial,
    };
    let x86 = cfg!(any(target_arch = "x86", target_arch = "x86_64"));
    let sha256 = crate::sha256::best_path();
    let sha512 = if x86 && has("avx2") {
        HashPath::Avx2
    } else {
        HashPath::Portable
    };
    CpuInfo {
        features,
        ifma_backend_built,
        ed25519,
        ed25519_decompression: crate::ed25519::lanes::LanePath::detected_name(),
        sha256,
        sha512,
    }
}

/// curve25519-dalek builds its IFMA backend when our `.cargo/config.toml` asks for it, or on
/// its own when the target enables IFMA at compile time.
fn ifma_backend_built() -> bool {
    cfg!(all(
        target_arch = "x86_64",
        any(
            curve25519_dalek_backend = "avx512",
            all(target_feature = "avx512ifma", target_feature = "avx512vl")
        )
    ))
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn detected_features() -> Vec<&'static str> {
    let mut found = Vec::new();
    macro_rules! probe {
        ($($name:tt),*) => {
            $(if std::arch::is_x86_feature_detected!($name) {
                found.push($name);
            })*
        };
    }
    probe!(
        "sse4.1",
        "avx2",
        "bmi2",
        "adx",
        "sha",
        "ssse3",
        "avx512f",
        "avx512vl",
        "avx512bw",
        "avx512ifma"
    );
    found
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn detected_features() -> Vec<&'static str> {
    Vec::new()
}
