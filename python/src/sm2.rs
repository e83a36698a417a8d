use batchverify::sm2::{self, Verifier, DEFAULT_ID};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::columns::{single, Column};
use crate::errors::to_py;

/// A verifier reading signatures in `encoding` ("der" or "compact"), or by their length when
/// none is named.
fn verifier(encoding: Option<&str>) -> PyResult<Verifier> {
    Ok(match encoding {
        Some(encoding) => Verifier::new().encoding(crate::option(encoding)?),
        None => Verifier::new(),
    })
}

#[pyfunction]
#[pyo3(signature = (public_key, message, signature, id=None, encoding=None))]
pub fn sm2_verify(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    id: Option<&Bound<'_, PyAny>>,
    encoding: Option<&str>,
) -> PyResult<bool> {
    let verifier = verifier(encoding)?;
    let public_key = single(public_key, "public_key")?;
    let message = single(message, "message")?;
    let signature = single(signature, "signature")?;
    let id = id.map(|id| single(id, "id")).transpose()?;
    let (public_key, message, signature) = (
        public_key.as_slice(),
        message.as_slice(),
        signature.as_slice(),
    );
    let id = id.as_ref().map_or(DEFAULT_ID, |id| id.as_slice());
    crate::verdict(py.detach(|| verifier.verify_with_id(public_key, id, message, signature)))
}

/// Each item's signer ID comes from `ids` (one per item), else `id` (one for all), else the
/// default ID.
#[pyfunction]
#[pyo3(signature = (public_keys, messages, signatures, ids=None, id=None, encoding=None))]
pub fn sm2_verify_batch<'py>(
    py: Python<'py>,
    public_keys: &Bound<'py, PyAny>,
    messages: &Bound<'py, PyAny>,
    signatures: &Bound<'py, PyAny>,
    ids: Option<&Bound<'py, PyAny>>,
    id: Option<&Bound<'py, PyAny>>,
    encoding: Option<&str>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let verifier = verifier(encoding)?;
    let public_keys = Column::extract(public_keys, "public_keys", None)?;
    let messages = Column::extract(messages, "messages", None)?;
    let signatures = Column::extract(signatures, "signatures", None)?;
    let ids = ids
        .map(|ids| Column::extract(ids, "ids", None))
        .transpose()?;
    let id = id.map(|id| single(id, "id")).transpose()?;
    let (public_keys, messages, signatures) =
        (public_keys.slices(), messages.slices(), signatures.slices());
    if let Some(ids) = ids.as_ref().filter(|ids| ids.len() != public_keys.len()) {
        return Err(crate::errors::malformed(
            format!(
                "ids: expected {} items (one per public key), got {}",
                public_keys.len(),
                ids.len()
            ),
            None,
            "ids",
        ));
    }
    let ids: Vec<&[u8]> = match (&ids, &id) {
        (Some(ids), _) => ids.slices(),
        (None, Some(id)) => vec![id.as_slice(); public_keys.len()],
        (None, None) => vec![DEFAULT_ID; public_keys.len()],
    };
    let outcome =
        py.detach(|| verifier.verify_batch_with_ids(&public_keys, &ids, &messages, &signatures));
    crate::mask(py, outcome)
}

/// How many of `public_keys` have a table in the process-wide SM2 cache once prepared.
#[pyfunction]
pub fn sm2_prepare_keys(py: Python<'_>, public_keys: &Bound<'_, PyAny>) -> PyResult<usize> {
    let public_keys = Column::extract(public_keys, "public_keys", None)?;
    let public_keys = public_keys.slices();
    py.detach(|| Verifier::new().prepare_keys(&public_keys))
        .map_err(to_py)
}

/// How many of `public_keys` were prepared and are now left to the cache's eviction.
#[pyfunction]
pub fn sm2_release_keys(py: Python<'_>, public_keys: &Bound<'_, PyAny>) -> PyResult<usize> {
    let public_keys = Column::extract(public_keys, "public_keys", None)?;
    let public_keys = public_keys.slices();
    py.detach(|| Verifier::new().release_keys(&public_keys))
        .map_err(to_py)
}

/// ZA of a key under an ID: what the signer hashes before the message.
#[pyfunction]
#[pyo3(signature = (public_key, id=None))]
pub fn sm2_za<'py>(
    py: Python<'py>,
    public_key: &Bound<'py, PyAny>,
    id: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let public_key = single(public_key, "public_key")?;
    let id = id.map(|id| single(id, "id")).transpose()?;
    let public_key = public_key.as_slice();
    let id = id.as_ref().map_or(DEFAULT_ID, |id| id.as_slice());
    let za = py.detach(|| sm2::za(public_key, id)).map_err(to_py)?;
    Ok(PyBytes::new(py, &za))
}
