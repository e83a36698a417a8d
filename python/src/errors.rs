//! batchverify's errors as Python exceptions.
//!
//! The exception classes live in Python (`batchverify/_errors.py`) because
//! `MalformedInputError` is both a `batchverify.Error` and a `ValueError`, which pyo3's
//! single-base exceptions cannot express; the classes are imported once and cached.

use batchverify::{Error, Field};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MALFORMED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INDEX_OUT_OF_RANGE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UNSUPPORTED: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn raise(
    class: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    args: impl for<'py> IntoPyObject<'py, Target = pyo3::types::PyTuple> + Send + Sync + 'static,
) -> PyErr {
    Python::attach(|py| match class.import(py, "batchverify._errors", name) {
        Ok(class) => PyErr::from_type(class.clone(), args),
        Err(error) => error,
    })
}

/// A `MalformedInputError` whose message names the input; `index` is the item, where one is
/// to blame.
pub fn malformed(message: String, index: Option<usize>, field: &str) -> PyErr {
    raise(
        &MALFORMED,
        "MalformedInputError",
        (message, index, field.to_owned()),
    )
}

/// The Python exception for an error of the Rust API.
pub fn to_py(error: Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::Malformed { index, field, .. }
        | Error::InvalidPoint { index, field, .. }
        | Error::LengthNotAllowed { index, field, .. }
        | Error::TooLong { index, field, .. }
        | Error::AmbiguousEncoding { index, field } => {
            malformed(message, Some(index), field.name())
        }
        Error::InvalidRecoveryId { index, .. } => {
            malformed(message, Some(index), Field::RecoveryId.name())
        }
        Error::CountMismatch { field, .. } | Error::EmptyInput { field } => {
            malformed(message, None, field.name())
        }
        Error::DuplicateMessage { index } => malformed(message, Some(index), "message"),
        Error::TooManyLeaves { .. } => malformed(message, None, "leaf"),
        Error::DuplicateIndex { index } => malformed(message, usize::try_from(index).ok(), "index"),
        Error::IndexOutOfRange { index, .. } => raise(
            &INDEX_OUT_OF_RANGE,
            "IndexOutOfRangeError",
            (message, usize::try_from(index).ok(), "index"),
        ),
        Error::UnsupportedPath { .. }
        | Error::UnsupportedByScheme { .. }
        | Error::UnsupportedByFlavor { .. } => raise(&UNSUPPORTED, "UnsupportedError", (message,)),
        _ => raise(&ERROR, "Error", (message,)),
    }
}

/// A bad keyword value (an unknown policy, flavor, variant, scheme or backend).
pub fn bad_option(message: String) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(message)
}
