"""MNIST's own files (the IDX format) and fastai's PNG-folder layout of the same images.

An IDX file is a tiny header followed by raw bytes: two zero bytes, a type code
(0x08 = unsigned byte), the number of dimensions, one big-endian uint32 per dimension,
then the data. MNIST ships four of them:

    train-images-idx3-ubyte   60000 x 28 x 28 pixels
    train-labels-idx1-ubyte   60000 labels
    t10k-images-idx3-ubyte    10000 x 28 x 28 pixels
    t10k-labels-idx1-ubyte    10000 labels

No notebook calls this module: `helpers.load_mnist` (notebook 01 on) reads these files
with it. It is written by hand because the format is five lines of numpy and the errors
can say what to do; no maintained package both reads and writes IDX.

>>> arr = read_idx_bytes(idx_bytes(np.zeros((2, 28, 28), dtype=np.uint8)))
>>> arr.shape
(2, 28, 28)
"""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

# The four files, their shapes and md5 checksums (of the uncompressed files).
IDX_FILES: dict[str, dict] = {
    "train-images-idx3-ubyte": {"shape": (60000, 28, 28), "md5": "6bbc9ace898e44ae57da46a324031adb"},
    "train-labels-idx1-ubyte": {"shape": (60000,), "md5": "a25bea736e30d166cdddb491f175f624"},
    "t10k-images-idx3-ubyte": {"shape": (10000, 28, 28), "md5": "2646ac647ad5339dbf082846283269ea"},
    "t10k-labels-idx1-ubyte": {"shape": (10000,), "md5": "27ae3e4e09519cfbb04c329615203637"},
}

# split name -> (images file, labels file)
SPLIT_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# fastai's two archives of the same images: kind -> folder name, split -> subfolder, digits.
KINDS = {"full": "mnist_png", "sample": "mnist_sample"}
FOLDERS = {"full": {"train": "training", "test": "testing"}, "sample": {"train": "train", "test": "valid"}}
DIGITS = {"full": tuple(range(10)), "sample": (3, 7)}


class IDXError(ValueError):
    """An IDX file is truncated, has the wrong header, or the wrong checksum."""


def md5_of(path: Path) -> str:
    """The md5 hex digest of a file. Used by `helpers.get_mnist` (notebook 01) to check the files.

    >>> from helpers._course.cache import ensure_idx
    >>> md5_of(ensure_idx() / "t10k-labels-idx1-ubyte")
    '27ae3e4e09519cfbb04c329615203637'
    """
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def idx_bytes(arr: np.ndarray) -> bytes:
    """Encode a uint8 array as the bytes of an IDX file (the inverse of `read_idx_bytes`).

    Used by `helpers.get_mnist` (notebook 01) to rebuild the files from fastai's PNGs.

    >>> idx_bytes(np.array([7, 2, 1], dtype=np.uint8))
    b'\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03\\x07\\x02\\x01'
    """
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.tobytes()


def read_idx_bytes(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an IDX file into a uint8 NumPy array (no copy).

    Raises `IDXError` naming `name` when the header is wrong or the data is cut short.
    Used by `helpers.load_mnist` (notebook 01).

    >>> read_idx_bytes(b"\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03\\x07\\x02\\x01")
    array([7, 2, 1], dtype=uint8)
    >>> read_idx_bytes(b"\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03\\x07", name="labels")
    Traceback (most recent call last):
    ...
    helpers._course.idx.IDXError: labels is truncated or padded: its header promises shape (3,) (11 bytes) but the file has 9 bytes. Delete it and fetch it again.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise IDXError(f"{name} is not an IDX file (it should start with two zero bytes).")
    dtype_code, ndim = data[2], data[3]
    if dtype_code != 0x08:
        raise IDXError(f"{name} holds type code {dtype_code:#04x}; only unsigned bytes (0x08) are supported.")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise IDXError(f"{name} is truncated inside its header.")
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    expected = int(np.prod(shape)) + header_len
    if len(data) != expected:
        raise IDXError(
            f"{name} is truncated or padded: its header promises shape {shape} "
            f"({expected:,} bytes) but the file has {len(data):,} bytes. Delete it and fetch it again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (plain or .gz) into a uint8 NumPy array. Used by `helpers.load_mnist` (notebook 01).

    >>> from helpers._course.cache import ensure_idx
    >>> read_idx(ensure_idx() / "t10k-labels-idx1-ubyte")[:10]
    array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], dtype=uint8)
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    return read_idx_bytes(data, name=str(path.name))


def verify_idx(folder: Path) -> None:
    """Check the four IDX files in `folder`: present, well-formed, and with the right md5;
    raise `IDXError` saying what is wrong. Used by `helpers.get_mnist` (notebook 01).

    >>> from helpers._course.cache import ensure_idx
    >>> verify_idx(ensure_idx())              # silent: all four are right
    >>> verify_idx(Path("/nowhere"))
    Traceback (most recent call last):
    ...
    helpers._course.idx.IDXError: train-images-idx3-ubyte is missing
    """
    for name, spec in IDX_FILES.items():
        path = Path(folder) / name
        if not path.exists():
            raise IDXError(f"{name} is missing")
        arr = read_idx(path)
        if arr.shape != spec["shape"]:
            raise IDXError(f"{name} has shape {arr.shape}, expected {spec['shape']}")
        got = md5_of(path)
        if got != spec["md5"]:
            raise IDXError(f"{name} has md5 {got}, expected {spec['md5']}: the file is corrupted or not MNIST")
