//! `batchverify._native`: the Rust API behind the `batchverify` Python package.
//!
//! Every function converts its arguments to slices with the GIL held, releases the GIL for the
//! work (so other Python threads run, and several can call in at once), and converts the
//! result back. The package's Python modules give these functions their public names and
//! accept numpy and pyarrow inputs; see `batchverify/_native.pyi` for the signatures.

mod bench;
mod bls;
mod columns;
mod ed25519;
mod errors;
mod hashing;
mod layout;
mod secp256k1;
mod sm2;

use batchverify::{BatchOutcome, Error};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict};

#[pymodule]
mod _native {
    #[pymodule_export]
    use super::bench::{bench_ed25519_verify_batch, bench_merkle_root};
    #[pymodule_export]
    use super::bls::{
        bls_aggregate_public_keys, bls_aggregate_signatures, bls_aggregate_verify,
        bls_deserialize_public_key, bls_deserialize_signature, bls_fast_aggregate_verify,
        bls_keygen, bls_public_key, bls_sign, bls_validate_public_key, bls_verify,
        bls_verify_batch,
    };
    #[pymodule_export]
    use super::ed25519::{ed25519_keypair, ed25519_sign, ed25519_verify, ed25519_verify_batch};
    #[pymodule_export]
    use super::hashing::{
        merkle_bitcoin_root, merkle_leaf_hashes, merkle_root, merkle_verify_consistency,
        merkle_verify_proof, merkle_verify_proofs, sha256_hash_many, sm3_hash_many, Tree,
    };
    #[pymodule_export]
    use super::info;
    #[pymodule_export]
    use super::secp256k1::{
        secp256k1_prepare_ecdsa_keys, secp256k1_recover, secp256k1_recover_batch,
        secp256k1_release_ecdsa_keys, secp256k1_verify_ecdsa, secp256k1_verify_ecdsa_batch,
        secp256k1_verify_schnorr, secp256k1_verify_schnorr_batch,
    };
    #[pymodule_export]
    use super::sm2::{sm2_prepare_keys, sm2_release_keys, sm2_verify, sm2_verify_batch, sm2_za};
}

/// Version, CPU features, the code paths chosen on this machine, threads and GPU adapters.
#[pyfunction]
fn info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let (cpu, adapters) = py.detach(|| (batchverify::cpu_info(), batchverify::gpu::adapters()));
    let info = PyDict::new(py);
    info.set_item("version", env!("CARGO_PKG_VERSION"))?;
    info.set_item("cpu_features", cpu.features)?;
    let paths = PyDict::new(py);
    paths.set_item("ed25519", cpu.ed25519.to_string())?;
    paths.set_item("sha256", cpu.sha256.to_string())?;
    paths.set_item("sm3", batchverify::sm3::best_path().to_string())?;
    paths.set_item("sha512", cpu.sha512.to_string())?;
    info.set_item("paths", paths)?;
    info.set_item("ifma_backend_built", cpu.ifma_backend_built)?;
    info.set_item("threads", rayon::current_num_threads())?;
    info.set_item("backend", batchverify::Backend::from_env().to_string())?;
    info.set_item("gpu_crossover", batchverify::gpu_crossover())?;
    let adapters = adapters
        .into_iter()
        .map(|adapter| {
            let entry = PyDict::new(py);
            entry.set_item("name", adapter.name)?;
            entry.set_item("api", adapter.api)?;
            entry.set_item("kind", adapter.kind)?;
            entry.set_item("driver", adapter.driver)?;
            entry.set_item("hardware", adapter.hardware)?;
            Ok(entry)
        })
        .collect::<PyResult<Vec<_>>>()?;
    info.set_item("gpu_adapters", adapters)?;
    Ok(info)
}

/// The verdict of a single verification: a signature that does not verify, or a point that is
/// not a valid key or signature, is `False`, as it is inside a batch. Inputs of the wrong length
/// raise.
fn verdict(result: Result<(), Error>) -> PyResult<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(
            Error::InvalidSignature
            | Error::InvalidPoint { .. }
            | Error::DuplicateMessage { .. }
            | Error::EmptyInput { .. },
        ) => Ok(false),
        Err(error) => Err(errors::to_py(error)),
    }
}

/// A batch's verdicts as bytes (1 = valid), which the package views as a numpy bool array.
fn mask<'py>(
    py: Python<'py>,
    outcome: Result<BatchOutcome, Error>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let outcome = outcome.map_err(errors::to_py)?;
    PyByteArray::new_with(py, outcome.len(), |out| {
        for (byte, &valid) in out.iter_mut().zip(outcome.as_slice()) {
            *byte = u8::from(valid);
        }
        Ok(())
    })
}

/// Parses a keyword option (policy, variant, scheme, flavor, backend) or raises `ValueError`.
fn option<T: std::str::FromStr<Err = String>>(value: &str) -> PyResult<T> {
    value.parse().map_err(errors::bad_option)
}
