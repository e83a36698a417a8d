use batchverify::secp256k1::{ecdsa, recover, recover_batch, schnorr};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::columns::{single, Column};
use crate::errors::to_py;

#[pyfunction]
pub fn secp256k1_verify_ecdsa(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message_hash: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    rules: &str,
) -> PyResult<bool> {
    let rules: ecdsa::Rules = crate::option(rules)?;
    let public_key = single(public_key, "public_key")?;
    let message_hash = single(message_hash, "message_hash")?;
    let signature = single(signature, "signature")?;
    let (public_key, message_hash, signature) = (
        public_key.as_slice(),
        message_hash.as_slice(),
        signature.as_slice(),
    );
    crate::verdict(py.detach(|| ecdsa::verify(rules, public_key, message_hash, signature)))
}

#[pyfunction]
pub fn secp256k1_verify_ecdsa_batch<'py>(
    py: Python<'py>,
    public_keys: &Bound<'py, PyAny>,
    message_hashes: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
    rules: &str,
) -> PyResult<Bound<'py, PyByteArray>> {
    let rules: ecdsa::Rules = crate::option(rules)?;
    let signature_width = match rules.encoding() {
        ecdsa::Encoding::Compact => Some(64),
        ecdsa::Encoding::Der => None,
    };
    let public_keys = Column::extract(public_keys, "public_keys", None)?;
    let message_hashes = Column::extract(message_hashes, "message_hashes", Some(32))?;
    let signatures = Column::extract(signatures, "signatures", signature_width)?;
    let (public_keys, message_hashes, signatures) = (
        public_keys.slices(),
        message_hashes.slices(),
        signatures.slices(),
    );
    let outcome =
        py.detach(|| ecdsa::verify_batch(rules, &public_keys, &message_hashes, &signatures));
    crate::mask(py, outcome)
}

/// How many of `public_keys` have a table in the process-wide ECDSA cache once prepared.
#[pyfunction]
pub fn secp256k1_prepare_ecdsa_keys(
    py: Python<'_>,
    public_keys: &Bound<'_, PyAny>,
    rules: &str,
) -> PyResult<usize> {
    let rules: ecdsa::Rules = crate::option(rules)?;
    let public_keys = Column::extract(public_keys, "public_keys", None)?;
    let public_keys = public_keys.slices();
    py.detach(|| ecdsa::Verifier::new(rules).prepare_keys(&public_keys))
        .map_err(to_py)
}

/// How many of `public_keys` were prepared and are now left to the cache's eviction.
#[pyfunction]
pub fn secp256k1_release_ecdsa_keys(
    py: Python<'_>,
    public_keys: &Bound<'_, PyAny>,
) -> PyResult<usize> {
    let public_keys = Column::extract(public_keys, "public_keys", None)?;
    let public_keys = public_keys.slices();
    py.detach(|| ecdsa::Verifier::new(ecdsa::Rules::BITCOIN).release_keys(&public_keys))
        .map_err(to_py)
}

/// `(address, public_key)` of the signer, or `None` when nothing recovers.
#[pyfunction]
pub fn secp256k1_recover<'py>(
    py: Python<'py>,
    message_hash: &Bound<'py, PyAny>,
    signature: &Bound<'py, PyAny>,
) -> PyResult<Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>> {
    let message_hash = single(message_hash, "message_hash")?;
    let signature = single(signature, "signature")?;
    let (message_hash, signature) = (message_hash.as_slice(), signature.as_slice());
    match py.detach(|| recover(message_hash, signature)) {
        Ok(found) => Ok(Some((
            PyBytes::new(py, &found.address),
            PyBytes::new(py, &found.public_key),
        ))),
        Err(
            batchverify::Error::InvalidSignature | batchverify::Error::InvalidRecoveryId { .. },
        ) => Ok(None),
        Err(error) => Err(to_py(error)),
    }
}

/// The addresses (n * 20 bytes, zeros where nothing recovers) and the mask of recovered items.
#[pyfunction]
pub fn secp256k1_recover_batch<'py>(
    py: Python<'py>,
    message_hashes: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyByteArray>, Bound<'py, PyByteArray>)> {
    let message_hashes = Column::extract(message_hashes, "message_hashes", Some(32))?;
    let signatures = Column::extract(signatures, "signatures", Some(65))?;
    let (message_hashes, signatures) = (message_hashes.slices(), signatures.slices());
    let recovered = py
        .detach(|| recover_batch(&message_hashes, &signatures))
        .map_err(to_py)?;
    let addresses = PyByteArray::new_with(py, 20 * recovered.len(), |out| {
        for (slot, found) in out.chunks_exact_mut(20).zip(&recovered) {
            if let Ok(found) = found {
                slot.copy_from_slice(&found.address);
            }
        }
        Ok(())
    })?;
    let mask = PyByteArray::new_with(py, recovered.len(), |out| {
        for (byte, found) in out.iter_mut().zip(&recovered) {
            *byte = u8::from(found.is_ok());
        }
        Ok(())
    })?;
    Ok((addresses, mask))
}

#[pyfunction]
pub fn secp256k1_verify_schnorr(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let public_key = single(public_key, "public_key")?;
    let message = single(message, "message")?;
    let signature = single(signature, "signature")?;
    let (public_key, message, signature) = (
        public_key.as_slice(),
        message.as_slice(),
        signature.as_slice(),
    );
    crate::verdict(py.detach(|| schnorr::verify(public_key, message, signature)))
}

#[pyfunction]
pub fn secp256k1_verify_schnorr_batch<'py>(
    py: Python<'py>,
    public_keys: &Bound<'py, PyAny>,
    messages: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let public_keys =
        Column::extract(public_keys, "public_keys", Some(schnorr::PUBLIC_KEY_LENGTH))?;
    let messages = Column::extract(messages, "messages", None)?;
    let signatures = Column::extract(signatures, "signatures", Some(schnorr::SIGNATURE_LENGTH))?;
    let (public_keys, messages, signatures) =
        (public_keys.slices(), messages.slices(), signatures.slices());
    let outcome = py.detach(|| schnorr::verify_batch(&public_keys, &messages, &signatures));
    crate::mask(py, outcome)
}
