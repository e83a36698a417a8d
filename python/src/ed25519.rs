use batchverify::ed25519::{Policy, SigningKey, Verifier, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::columns::{single, Column};
use crate::errors::to_py;

#[pyfunction]
pub fn ed25519_verify(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    policy: &str,
) -> PyResult<bool> {
    let policy: Policy = crate::option(policy)?;
    let public_key = single(public_key, "public_key")?;
    let message = single(message, "message")?;
    let signature = single(signature, "signature")?;
    let (public_key, message, signature) = (
        public_key.as_slice(),
        message.as_slice(),
        signature.as_slice(),
    );
    crate::verdict(py.detach(|| Verifier::new(policy).verify(public_key, message, signature)))
}

#[pyfunction]
pub fn ed25519_verify_batch<'py>(
    py: Python<'py>,
    public_keys: &Bound<'py, PyAny>,
    messages: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
    policy: &str,
) -> PyResult<Bound<'py, PyByteArray>> {
    let policy: Policy = crate::option(policy)?;
    let [public_keys, messages, signatures] = batch_columns(public_keys, messages, signatures)?;
    let (public_keys, messages, signatures) =
        (public_keys.slices(), messages.slices(), signatures.slices());
    let outcome =
        py.detach(|| Verifier::new(policy).verify_batch(&public_keys, &messages, &signatures));
    crate::mask(py, outcome)
}

/// The three columns of a batch, each checked against its item width.
pub fn batch_columns<'py>(
    public_keys: &Bound<'py, PyAny>,
    messages: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
) -> PyResult<[Column<'py>; 3]> {
    Ok([
        Column::extract(public_keys, "public_keys", Some(PUBLIC_KEY_LENGTH))?,
        Column::extract(messages, "messages", None)?,
        Column::extract(signatures, "signatures", Some(SIGNATURE_LENGTH))?,
    ])
}

/// The public key of the RFC 8032 seed `secret_key`.
#[pyfunction]
pub fn ed25519_keypair<'py>(
    py: Python<'py>,
    secret_key: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let key = SigningKey::from_seed(single(secret_key, "secret_key")?.as_slice()).map_err(to_py)?;
    Ok((
        PyBytes::new(py, &key.seed()),
        PyBytes::new(py, &key.public_key()),
    ))
}

#[pyfunction]
pub fn ed25519_sign<'py>(
    py: Python<'py>,
    secret_key: &Bound<'py, PyAny>,
    message: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let key = SigningKey::from_seed(single(secret_key, "secret_key")?.as_slice()).map_err(to_py)?;
    let message = single(message, "message")?;
    let message = message.as_slice();
    let signature = py.detach(|| key.sign(message));
    Ok(PyBytes::new(py, &signature))
}
