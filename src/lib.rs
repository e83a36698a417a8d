#![doc = include_str!("../README.md")]

mod batch;
mod cache;
mod error;

pub mod backend;
pub mod bls;
pub mod ed25519;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod merkle;
pub mod sha256;

pub use backend::{cpu_info, gpu_crossover, Backend, CpuInfo, Ed25519Path, Execution, HashPath};
pub use batch::BatchOutcome;
pub use cache::KeyCache;
pub use error::{Error, Field};
