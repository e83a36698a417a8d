use batchverify::bls::{Scheme, SecretKey, Variant, Verifier};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::columns::{single, Column};
use crate::errors::to_py;

fn bls(variant: &str, scheme: &str, dst: Option<&Bound<'_, PyAny>>) -> PyResult<Verifier> {
    let variant: Variant = crate::option(variant)?;
    let scheme: Scheme = crate::option(scheme)?;
    let bls = Verifier::new(variant, scheme);
    match dst {
        Some(dst) => Ok(bls.with_dst(single(dst, "dst")?.as_slice())),
        None => Ok(bls),
    }
}

fn secret_key(secret_key: &Bound<'_, PyAny>) -> PyResult<SecretKey> {
    SecretKey::from_bytes(single(secret_key, "secret_key")?.as_slice()).map_err(to_py)
}

#[pyfunction]
#[pyo3(signature = (public_key, message, signature, variant, scheme, dst=None))]
pub fn bls_verify(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    variant: &str,
    scheme: &str,
    dst: Option<&Bound<'_, PyAny>>,
) -> PyResult<bool> {
    let bls = bls(variant, scheme, dst)?;
    let public_key = single(public_key, "public_key")?;
    let message = single(message, "message")?;
    let signature = single(signature, "signature")?;
    let (public_key, message, signature) = (
        public_key.as_slice(),
        message.as_slice(),
        signature.as_slice(),
    );
    crate::verdict(py.detach(|| bls.verify(public_key, message, signature)))
}

#[pyfunction]
#[pyo3(signature = (public_keys, messages, signature, variant, scheme, dst=None))]
pub fn bls_aggregate_verify(
    py: Python<'_>,
    public_keys: &Bound<'_, PyAny>,
    messages: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    variant: &str,
    scheme: &str,
    dst: Option<&Bound<'_, PyAny>>,
) -> PyResult<bool> {
    let bls = bls(variant, scheme, dst)?;
    let public_keys = Column::extract(public_keys, "public_keys", Some(bls.public_key_len()))?;
    let messages = Column::extract(messages, "messages", None)?;
    let signature = single(signature, "signature")?;
    let (public_keys, messages, signature) = (
        public_keys.slices(),
        messages.slices(),
        signature.as_slice(),
    );
    crate::verdict(py.detach(|| bls.aggregate_verify(&public_keys, &messages, signature)))
}

#[pyfunction]
#[pyo3(signature = (public_keys, message, signature, variant, scheme, dst=None))]
pub fn bls_fast_aggregate_verify(
    py: Python<'_>,
    public_keys: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    variant: &str,
    scheme: &str,
    dst: Option<&Bound<'_, PyAny>>,
) -> PyResult<bool> {
    let bls = bls(variant, scheme, dst)?;
    let public_keys = Column::extract(public_keys, "public_keys", Some(bls.public_key_len()))?;
    let message = single(message, "message")?;
    let signature = single(signature, "signature")?;
    let (public_keys, message, signature) = (
        public_keys.slices(),
        message.as_slice(),
        signature.as_slice(),
    );
    crate::verdict(py.detach(|| bls.fast_aggregate_verify(&public_keys, message, signature)))
}

#[pyfunction]
#[pyo3(signature = (public_keys, messages, signatures, variant, scheme, dst=None))]
pub fn bls_verify_batch<'py>(
    py: Python<'py>,
    public_keys: &Bound<'py, PyAny>,
    messages: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
    variant: &str,
    scheme: &str,
    dst: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let bls = bls(variant, scheme, dst)?;
    let public_keys = Column::extract(public_keys, "public_keys", Some(bls.public_key_len()))?;
    let messages = Column::extract(messages, "messages", None)?;
    let signatures = Column::extract(signatures, "signatures", Some(bls.signature_len()))?;
    let (public_keys, messages, signatures) =
        (public_keys.slices(), messages.slices(), signatures.slices());
    let outcome = py.detach(|| bls.verify_batch(&public_keys, &messages, &signatures));
    crate::mask(py, outcome)
}

#[pyfunction]
pub fn bls_aggregate_signatures<'py>(
    py: Python<'py>,
    signatures: &Bound<'py, PyAny>,
    variant: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let bls = bls(variant, "pop", None)?;
    let signatures = Column::extract(signatures, "signatures", Some(bls.signature_len()))?;
    let signatures = signatures.slices();
    let aggregate = py
        .detach(|| bls.aggregate_signatures(&signatures))
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &aggregate))
}

#[pyfunction]
pub fn bls_aggregate_public_keys<'py>(
    py: Python<'py>,
    public_keys: &Bound<'py, PyAny>,
    variant: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let bls = bls(variant, "pop", None)?;
    let public_keys = Column::extract(public_keys, "public_keys", Some(bls.public_key_len()))?;
    let public_keys = public_keys.slices();
    let aggregate = py
        .detach(|| bls.aggregate_public_keys(&public_keys))
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &aggregate))
}

/// KeyGen over `ikm` (at least 32 bytes of key material): the secret key and its public key.
#[pyfunction]
pub fn bls_keygen<'py>(
    py: Python<'py>,
    ikm: &Bound<'py, PyAny>,
    variant: &str,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let bls = bls(variant, "pop", None)?;
    let secret = SecretKey::key_gen(single(ikm, "ikm")?.as_slice()).map_err(to_py)?;
    Ok((
        PyBytes::new(py, &secret.to_bytes()),
        PyBytes::new(py, &bls.public_key(&secret)),
    ))
}

#[pyfunction]
pub fn bls_public_key<'py>(
    py: Python<'py>,
    secret_key: &Bound<'py, PyAny>,
    variant: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let bls = bls(variant, "pop", None)?;
    Ok(PyBytes::new(
        py,
        &bls.public_key(&self::secret_key(secret_key)?),
    ))
}

#[pyfunction]
#[pyo3(signature = (secret_key, message, variant, scheme, dst=None))]
pub fn bls_sign<'py>(
    py: Python<'py>,
    secret_key: &Bound<'py, PyAny>,
    message: &Bound<'py, PyAny>,
    variant: &str,
    scheme: &str,
    dst: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let bls = bls(variant, scheme, dst)?;
    let secret = self::secret_key(secret_key)?;
    let message = single(message, "message")?;
    let message = message.as_slice();
    let signature = py.detach(|| bls.sign(&secret, message));
    Ok(PyBytes::new(py, &signature))
}

/// KeyValidate: a compressed point of the key group, in the subgroup, not the identity.
#[pyfunction]
pub fn bls_validate_public_key(public_key: &Bound<'_, PyAny>, variant: &str) -> PyResult<()> {
    let bls = bls(variant, "pop", None)?;
    bls.validate_public_key(single(public_key, "public_key")?.as_slice())
        .map_err(to_py)
}

/// A compressed point of the key group, in the subgroup (the identity allowed).
#[pyfunction]
pub fn bls_deserialize_public_key(public_key: &Bound<'_, PyAny>, variant: &str) -> PyResult<()> {
    let bls = bls(variant, "pop", None)?;
    bls.deserialize_public_key(single(public_key, "public_key")?.as_slice())
        .map_err(to_py)
}

/// A compressed point of the signature group, in the subgroup (the identity allowed).
#[pyfunction]
pub fn bls_deserialize_signature(signature: &Bound<'_, PyAny>, variant: &str) -> PyResult<()> {
    let bls = bls(variant, "pop", None)?;
    bls.deserialize_signature(single(signature, "signature")?.as_slice())
        .map_err(to_py)
}
