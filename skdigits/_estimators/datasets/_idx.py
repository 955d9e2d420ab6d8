"""Reader for the IDX format of the original MNIST files.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then
``ndim`` big-endian uint32 sizes, then the data, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from skdigits._estimators.datasets import _base
from skdigits._estimators.datasets._base import DatasetFormatError

__all__ = ["read_idx"]

# IDX type byte -> element type (big-endian where it matters).
_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def gunzip(raw: bytes, path: Path) -> bytes:
    """Decompress gzip bytes, naming ``path`` when they are corrupt."""
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise DatasetFormatError(f"{path}: corrupt gzip data ({exc})") from exc


def parse_idx(data: bytes, path: Path) -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file."""
    if len(data) < 4:
        raise DatasetFormatError(
            f"{path}: {len(data)} bytes is too short for an IDX header "
            "(truncated or empty file)."
        )
    zero1, zero2, type_code, ndim = data[:4]
    if zero1 or zero2 or type_code not in _IDX_DTYPES or ndim == 0:
        raise DatasetFormatError(
            f"{path}: not an IDX file: magic number 0x{data[:4].hex()}, "
            "expected 0x0000TTDD (TT a type code such as 08 for unsigned "
            "bytes, DD the number of dimensions, e.g. 0x00000803 for MNIST "
            "images and 0x00000801 for labels)."
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetFormatError(
            f"{path}: truncated IDX header: {ndim} dimensions need "
            f"{header_size} header bytes, the file has {len(data)}."
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = _IDX_DTYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize
    actual = len(data) - header_size
    if actual != expected:
        problem = "truncated" if actual < expected else "has trailing data"
        raise DatasetFormatError(
            f"{path}: the header says shape {shape} of {dtype.name} "
            f"({expected} data bytes) but the file has {actual} data bytes "
            f"({problem})."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    # A native-order, writable copy that does not pin the file's bytes.
    return array.astype(dtype.newbyteorder("="), copy=True)


def read_idx(
    path: str | os.PathLike[str], *, verify_checksum: bool = True
) -> np.ndarray:
    """Read an IDX file, gzipped or not.

    Parameters
    ----------
    path : str or path-like
        An IDX file such as ``train-images-idx3-ubyte`` or
        ``train-images-idx3-ubyte.gz``. Gzip is detected from the file's
        first bytes, not from its name.

    verify_checksum : bool, default=True
        Check the file against the known checksums of the four MNIST files:
        the sha256 of the shipped gzip files, else the published md5 of the
        decompressed original. Files with other names cannot be checked.

    Returns
    -------
    array : ndarray
        The data, with the shape and element type given by the header, in
        native byte order (``uint8`` for MNIST).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    DatasetFormatError
        Corrupt gzip data, a wrong magic number, or a data size that does
        not match the header.
    ChecksumError
        A known MNIST file name with a different checksum.

    See Also
    --------
    fetch_mnist : Reads all four MNIST IDX files of a folder and checks them.

    Notes
    -----
    The format is described at https://yann.lecun.com/exdb/mnist/ (bottom of
    the page).

    Examples
    --------
    >>> import gzip, tempfile
    >>> from pathlib import Path
    >>> from skdigits._estimators.datasets import read_idx
    >>> header = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big")  # 3 bytes
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "labels.gz"
    ...     _ = path.write_bytes(gzip.compress(header + bytes([5, 0, 4])))
    ...     labels = read_idx(path)
    >>> labels
    array([5, 0, 4], dtype=uint8)
    """
    path = Path(path)
    raw = path.read_bytes()
    content = gunzip(raw, path) if raw[:2] == _GZIP_MAGIC else raw
    if verify_checksum:
        _base.verify_checksum(path, raw, content)
    return parse_idx(content, path)
