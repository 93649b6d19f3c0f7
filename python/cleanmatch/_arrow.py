"""Moving Arrow arrays in and out of the native module as buffers (no per-value Python)."""

from __future__ import annotations

from typing import Any, Tuple

import pyarrow as pa

StrBuffers = Tuple[bytes, bytes, bytes, int, int]


def as_large_string(values: Any) -> pa.Array:
    """Any column (pyarrow Array/ChunkedArray, pandas Series, list) as one large_string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    elif not isinstance(values, pa.Array):
        try:
            import pandas as pd  # optional

            if isinstance(values, (pd.Series, pd.Index)):
                values = pa.Array.from_pandas(values)
            else:
                values = pa.array(values)
        except ImportError:
            values = pa.array(values)
    if values.type != pa.large_string():
        if pa.types.is_null(values.type):
            values = pa.nulls(len(values), pa.large_string())
        else:
            values = values.cast(pa.large_string())
    return values


def str_buffers(arr: pa.Array) -> StrBuffers:
    """A large_string/large_binary array as (offsets, data, validity, offset, length)."""
    validity, offsets, data = arr.buffers()
    return (
        offsets.to_pybytes() if offsets is not None else (0).to_bytes(8, "little"),
        data.to_pybytes() if data is not None else b"",
        validity.to_pybytes() if validity is not None else b"",
        arr.offset,
        len(arr),
    )


def from_str_buffers(n: int, offsets: bytes, data: bytes, validity: bytes, binary: bool = False) -> pa.Array:
    """The inverse of :func:`str_buffers` for freshly built columns."""
    typ = pa.large_binary() if binary else pa.large_string()
    return pa.Array.from_buffers(typ, n, [pa.py_buffer(validity), pa.py_buffer(offsets), pa.py_buffer(data)])


def fixed_bytes(values: Any, width: int) -> bytes:
    """A fixed-width binary column (or bytes) as its values back to back, checked."""
    from ._native import CleanmatchError

    if isinstance(values, (bytes, bytearray, memoryview)):
        return bytes(values)
    if isinstance(values, pa.ChunkedArray):
        return b"".join(fixed_bytes(c, width) for c in values.chunks)
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.binary(width))
    if values.type != pa.binary(width):
        try:
            values = values.cast(pa.binary(width))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            err = CleanmatchError(f"expected {width}-byte values: {e}")
            err.code = "invalid-length"
            raise err from None
    if values.null_count:
        err = CleanmatchError(f"{values.null_count} null values in a {width}-byte column")
        err.code = "invalid-length"
        raise err
    buf = values.buffers()[1]
    return buf.slice(values.offset * width, len(values) * width).to_pybytes()


def fixed_array(data: bytes, width: int) -> pa.Array:
    """Bytes back to back as a ``fixed_size_binary(width)`` array."""
    return pa.Array.from_buffers(pa.binary(width), len(data) // width, [None, pa.py_buffer(data)])
