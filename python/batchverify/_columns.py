"""Turns the column types users have into the three shapes ``_native`` reads without copying.

``_native`` takes a list of bytes-like objects, one C-contiguous uint8 buffer (flat, or one row
per item), or a ``(values, offsets)`` tuple in Arrow's binary layout. numpy arrays and pyarrow
arrays become buffers and tuples that share their memory; only a non-contiguous numpy array or
a chunked pyarrow column is copied, and a sequence becomes a list of its items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import MalformedInputError

BytesLike = bytes | bytearray | memoryview | npt.NDArray[np.uint8]
"""One byte string: anything with a C-contiguous uint8 buffer."""

Column = Any
"""What ``_native`` accepts as a column (see the module docstring)."""

_BYTES_LIKE = bytes | bytearray | memoryview


def fixed(obj: object, field: str) -> Column:
    """A column of items of one width (keys, signatures, hashes); ``_native`` knows the width
    of each field and checks it."""
    if isinstance(obj, _BYTES_LIKE):
        return obj
    return _column(obj, field, fixed_width=True)


def variable(obj: object, field: str) -> Column:
    """A column of byte strings of any length (messages, leaf data)."""
    if isinstance(obj, _BYTES_LIKE | str):
        raise TypeError(
            f"{field}: expected a sequence of bytes-like objects, a uint8 array of shape (n, k) "
            f"or an Arrow binary array, got one {type(obj).__name__} object"
        )
    return _column(obj, field, fixed_width=False)


def mask(verdicts: bytearray) -> npt.NDArray[np.bool_]:
    """``_native``'s verdict bytes as a writable numpy bool array."""
    return np.frombuffer(verdicts, dtype=np.bool_)


def digests(data: bytearray) -> npt.NDArray[np.uint8]:
    """``_native``'s concatenated digests as a writable (n, 32) uint8 array."""
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, 32)


def _column(obj: object, field: str, *, fixed_width: bool) -> Column:
    if obj is None:
        raise TypeError(f"{field}: expected a column of byte strings, got None")
    if isinstance(obj, np.ndarray):
        return _array(obj, field, fixed_width=fixed_width)
    module = type(obj).__module__
    if module.startswith("pandas"):
        return _column(_pandas(obj), field, fixed_width=fixed_width)
    if module.startswith("pyarrow"):
        return _arrow(obj, field, fixed_width=fixed_width)
    if isinstance(obj, str) or not isinstance(obj, Iterable):
        raise TypeError(
            f"{field}: expected a sequence of bytes-like objects, a uint8 array or an Arrow "
            f"binary array, got {type(obj).__name__}"
        )
    return obj if isinstance(obj, list) else list(obj)


def _array(array: npt.NDArray[Any], field: str, *, fixed_width: bool) -> Column:
    if array.dtype == np.object_:
        return array.tolist()
    if array.dtype != np.uint8:
        raise TypeError(f"{field}: expected a uint8 array, got dtype {array.dtype}")
    if array.ndim not in (1, 2) or (not fixed_width and array.ndim != 2):
        shape = "(n, k) or flat" if fixed_width else "(n, k)"
        raise TypeError(f"{field}: expected a uint8 array of shape {shape}, got {array.shape}")
    return np.ascontiguousarray(array)


def _pandas(obj: Any) -> object:
    """A pandas Series or Index as the Arrow array or numpy array behind it."""
    values = obj.array
    if hasattr(values, "__arrow_array__") and "pyarrow" in str(obj.dtype):
        return values.__arrow_array__()
    return obj.to_numpy()


def _arrow(obj: Any, field: str, *, fixed_width: bool) -> Column:
    import pyarrow as pa

    if isinstance(obj, pa.ChunkedArray):
        obj = obj.chunk(0) if obj.num_chunks == 1 else obj.combine_chunks()
    if not isinstance(obj, pa.Array):
        raise TypeError(f"{field}: expected a pyarrow Array or ChunkedArray, got {type(obj)}")
    if obj.null_count:
        index = int(np.argmax(obj.is_null().to_numpy(zero_copy_only=False)))
        raise MalformedInputError(f"{field}[{index}] is null", index, field)
    kind, count, start = obj.type, len(obj), obj.offset
    buffers = obj.buffers()
    if pa.types.is_fixed_size_binary(kind):
        size = kind.byte_width
        values = _uint8(buffers[1])[start * size : (start + count) * size]
        return values.reshape(count, size)
    binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if binary or (text and not fixed_width):
        large = pa.types.is_large_binary(kind) or pa.types.is_large_string(kind)
        dtype = np.int64 if large else np.int32
        offsets = np.zeros(1, dtype) if buffers[1] is None else np.frombuffer(buffers[1], dtype)
        # Arrow buffers that crossed a process boundary (Dask, Ray) can be unaligned; reading
        # integers needs alignment, so those offsets (n + 1 integers, not the data) are copied.
        offsets = np.require(offsets[start : start + count + 1], requirements=["C", "A"])
        return (_uint8(buffers[2]), offsets)
    raise TypeError(f"{field}: expected an Arrow binary or fixed-size binary array, got {kind}")


def _uint8(buffer: Any) -> npt.NDArray[np.uint8]:
    """An Arrow buffer (absent when every value is empty) as a uint8 view."""
    if buffer is None:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(buffer, dtype=np.uint8)
