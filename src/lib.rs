#![doc = include_str!("../README.md")]

mod batch;
mod error;

pub mod backend;
pub mod ed25519;
pub mod merkle;
pub mod sha256;

pub use backend::{cpu_info, CpuInfo, Ed25519Path, HashPath};
pub use batch::BatchOutcome;
pub use error::{Error, Field};
