//! Columns of byte strings borrowed from Python objects, so that the Rust API sees plain slices.
//!
//! The Python half (`batchverify/_columns.py`) turns numpy arrays, pyarrow arrays and sequences
//! into one of three shapes, and this module reads them (read-only buffers in place, writable
//! ones copied: see [`Bytes`]):
//! - a list of bytes-like objects, one per item;
//! - one C-contiguous uint8 buffer: flat (items of the field's fixed width) or two-dimensional
//!   (one row per item, every row as wide as the second dimension);
//! - a `(values, offsets)` tuple in Arrow's binary layout: item `i` is
//!   `values[offsets[i]..offsets[i + 1]]`, offsets int32 or int64.
//!
//! Whatever `_native` is given, it answers with a Python exception, never a crash.

use std::borrow::Cow;

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use crate::errors::malformed;
use crate::layout::{self, LayoutError};

/// The bytes of a C-contiguous Python buffer, readable while the GIL is released.
///
/// A writable buffer (numpy arrays, bytearray, a mutable Arrow buffer) is copied while the GIL
/// is still held, because another Python thread may write to it while a call runs without the
/// GIL, and Rust may not hold a `&[u8]` over memory that changes under it. A read-only one
/// (bytes, immutable Arrow buffers, read-only arrays and memoryviews) is read in place: no one
/// can write through it, and its exporter keeps the memory alive and in place while it is
/// held. Memory that is read-only through this view but written through another one (a
/// read-only numpy view of a writable array) during the call is the caller's data race, as
/// the README says.
pub struct Bytes {
    storage: Storage,
    shape: Vec<usize>,
}

enum Storage {
    InPlace(PyBuffer<u8>),
    Copied(Vec<u8>),
}

impl Bytes {
    /// The buffer of `obj`; `field` names the input in errors.
    pub fn get(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Bytes> {
        let buffer = PyBuffer::<u8>::get(obj).map_err(|_| {
            PyTypeError::new_err(format!(
                "{field}: expected a bytes-like object of uint8, got {}",
                type_name(obj)
            ))
        })?;
        if !buffer.is_c_contiguous() {
            return Err(PyTypeError::new_err(format!(
                "{field}: the buffer is not C-contiguous"
            )));
        }
        let shape = buffer.shape().to_vec();
        let storage = if buffer.readonly() {
            Storage::InPlace(buffer)
        } else {
            Storage::Copied(buffer.to_vec(obj.py())?)
        };
        Ok(Bytes { storage, shape })
    }

    pub fn as_slice(&self) -> &[u8] {
        let buffer = match &self.storage {
            Storage::Copied(bytes) => return bytes,
            Storage::InPlace(buffer) => buffer,
        };
        let len = buffer.len_bytes();
        if len == 0 {
            return &[];
        }
        // SAFETY: the buffer is C-contiguous (checked in `get`), so `len_bytes` bytes start at
        // `buf_ptr`; the exporter keeps that memory alive and in place until the `PyBuffer` is
        // released, which outlives the returned borrow of `self`; and the export is read-only
        // (checked in `get`), so nothing writes through it. That no other view of the same
        // memory is written meanwhile is the caller's part (see the type's documentation).
        #[allow(unsafe_code)]
        unsafe {
            std::slice::from_raw_parts(buffer.buf_ptr().cast::<u8>(), len)
        }
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }
}

/// One item of a list column.
pub enum Item<'py> {
    Bytes(Bound<'py, PyBytes>),
    Buffer(Bytes),
}

impl Item<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Item::Bytes(bytes) => bytes.as_bytes(),
            Item::Buffer(buffer) => buffer.as_slice(),
        }
    }
}

enum Offsets {
    Int32(PyBuffer<i32>),
    Int64(PyBuffer<i64>),
}

/// A column of byte strings, one per item of a batch.
pub enum Column<'py> {
    Items(Vec<Item<'py>>),
    Rows {
        values: Bytes,
        width: usize,
        count: usize,
    },
    Packed {
        values: Bytes,
        offsets: Vec<usize>,
    },
}

impl<'py> Column<'py> {
    /// Reads `obj` as a column whose items all have `width` bytes (keys, signatures, hashes),
    /// or any length where `width` is `None` (messages). `field` is the argument's name.
    pub fn extract(obj: &Bound<'py, PyAny>, field: &str, width: Option<usize>) -> PyResult<Self> {
        if let Ok(list) = obj.cast::<PyList>() {
            let items = list
                .iter()
                .enumerate()
                .map(|(index, item)| Self::item(item, field, index))
                .collect::<PyResult<_>>()?;
            return Ok(Column::Items(items));
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            return Self::packed(tuple, field);
        }
        let values = Bytes::get(obj, field).map_err(|_| {
            PyTypeError::new_err(format!(
                "{field}: expected a sequence of bytes-like objects, a uint8 array or an Arrow \
                 binary array, got {}",
                type_name(obj)
            ))
        })?;
        let (width, count) = layout::rows(values.shape(), values.as_slice().len(), width, field)
            .map_err(|error| layout_error(error, field))?;
        Ok(Column::Rows {
            values,
            width,
            count,
        })
    }

    fn item(item: Bound<'py, PyAny>, field: &str, index: usize) -> PyResult<Item<'py>> {
        match item.cast_into::<PyBytes>() {
            Ok(bytes) => Ok(Item::Bytes(bytes)),
            Err(error) => {
                Bytes::get(&error.into_inner(), &format!("{field}[{index}]")).map(Item::Buffer)
            }
        }
    }

    fn packed(tuple: &Bound<'py, PyTuple>, field: &str) -> PyResult<Self> {
        let shape_error = || {
            PyTypeError::new_err(format!(
                "{field}: a packed column is a (values, offsets) tuple of a uint8 and an int32 or \
                 int64 buffer"
            ))
        };
        if tuple.len() != 2 {
            return Err(shape_error());
        }
        let values = Bytes::get(&tuple.get_item(0)?, field)?;
        let offsets = tuple.get_item(1)?;
        let offsets = if let Ok(offsets) = PyBuffer::<i64>::get(&offsets) {
            Offsets::Int64(offsets)
        } else {
            Offsets::Int32(PyBuffer::<i32>::get(&offsets).map_err(|_| shape_error())?)
        };
        let raw: Vec<i64> = match offsets {
            Offsets::Int64(buffer) => buffer.to_vec(tuple.py())?,
            Offsets::Int32(buffer) => buffer
                .to_vec(tuple.py())?
                .into_iter()
                .map(i64::from)
                .collect(),
        };
        let offsets = layout::checked_offsets(&raw, values.as_slice().len(), field)
            .map_err(|error| layout_error(error, field))?;
        Ok(Column::Packed { values, offsets })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            Column::Items(items) => items.len(),
            Column::Rows { count, .. } => *count,
            Column::Packed { offsets, .. } => offsets.len() - 1,
        }
    }

    /// Every item's bytes, borrowed.
    pub fn slices(&self) -> Vec<&[u8]> {
        match self {
            Column::Items(items) => items.iter().map(Item::as_slice).collect(),
            Column::Rows {
                values,
                width,
                count,
            } => layout::split_rows(values.as_slice(), *width, *count),
            Column::Packed { values, offsets } => layout::split_packed(values.as_slice(), offsets),
        }
    }

    /// The items as 32-byte digests: borrowed in place from a buffer, copied from a list.
    pub fn digests(&self, field: &str) -> PyResult<Cow<'_, [[u8; 32]]>> {
        if let Column::Rows {
            values, width: 32, ..
        } = self
        {
            return Ok(Cow::Borrowed(values.as_slice().as_chunks::<32>().0));
        }
        self.slices()
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                item.try_into().map_err(|_| {
                    malformed(
                        format!("{field}[{index}]: expected 32 bytes, got {}", item.len()),
                        Some(index),
                        field,
                    )
                })
            })
            .collect::<PyResult<Vec<_>>>()
            .map(Cow::Owned)
    }
}

fn layout_error(error: LayoutError, field: &str) -> PyErr {
    match error {
        LayoutError::Malformed { message, index } => malformed(message, index, field),
        LayoutError::Shape(message) => PyTypeError::new_err(message),
    }
}

/// The bytes of a single-value argument (one key, one message).
pub fn single<'a>(obj: &'a Bound<'_, PyAny>, field: &str) -> PyResult<SingleBytes<'a>> {
    match obj.cast::<PyBytes>() {
        Ok(bytes) => Ok(SingleBytes::Bytes(bytes.as_bytes())),
        Err(_) => Bytes::get(obj, field).map(SingleBytes::Buffer),
    }
}

/// See [`single`].
pub enum SingleBytes<'a> {
    Bytes(&'a [u8]),
    Buffer(Bytes),
}

impl SingleBytes<'_> {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SingleBytes::Bytes(bytes) => bytes,
            SingleBytes::Buffer(buffer) => buffer.as_slice(),
        }
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "an object".to_owned())
}
