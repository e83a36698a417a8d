#![doc = include_str!("../README.md")]

// The unit tests include the integration tests' oracle file, which names this crate.
#[cfg(test)]
extern crate self as batchverify;

mod batch;
mod cache;
mod der;
mod ec_tables;
mod error;
mod md32;

pub mod backend;
pub mod bls;
pub mod ed25519;
#[cfg(fuzzing)]
pub mod fuzzing;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod merkle;
pub mod secp256k1;
pub mod sha256;

/// The hashing engine SHA-256 and SM3 share: [`hash::Hasher`] is generic over the hash
/// ([`sha256::Sha256`], [`sm3::Sm3`]); [`sha256::Hasher`] and [`sm3::Hasher`] name it for each.
pub mod hash {
    pub use crate::md32::{Algorithm, Calibration, Digest, Hasher};
}
pub mod sm2;
pub mod sm3;

pub use backend::{cpu_info, gpu_crossover, Backend, CpuInfo, Ed25519Path, Execution, HashPath};
pub use batch::{BatchOutcome, FailureMemory};
pub use cache::KeyCache;
pub use error::{Error, Field};
