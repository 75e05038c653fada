"""Arrays inside a user's .npz file without reading them whole: memory-map a stored member, stream a deflated one.

``np.load(path, mmap_mode="r")`` memory-maps .npy files only: on an .npz it reads each member whole
when the member is accessed. A member stored without compression (``np.savez``; the MPI3D files
are written so) is a plain .npy byte range inside the zip, so `load_member` memory-maps it at its
offset (the zip's local header gives where its bytes start, `numpy.lib.format` reads the .npy header)
and pages are read only when rows are indexed. A deflated member (``np.savez_compressed``; the
dSprites file) cannot be read at an offset without inflating everything before it: `load_member`
reads it whole, in chunks into one array, and `member_chunks` hands it over chunk by chunk to a
caller that stores it smaller (dSprites packs its 0/1 pixels eight to a byte). Object arrays are
refused: nothing here unpickles.
"""
from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.lib import format as npy

from crl.datasets.files import file_format

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, fixed fields, name length, extra length
CHUNK_BYTES = 64 * 2**20  # bytes inflated per step when a deflated member is streamed


@dataclass(frozen=True)
class Member:
    """Where one array lives in an .npz: its shape, dtype and layout, and whether it is deflated."""

    path: Path
    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    compressed: bool


def keys(path: Path, expected: str) -> list[str]:
    """The array names in the .npz at `path` (its ``*.npy`` members); ValueError naming `expected` if it is no zip."""
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{str(path)!r} is {file_format(path)}; expected {expected}")
    with zipfile.ZipFile(path) as archive:
        return [name[:-4] for name in archive.namelist() if name.endswith(".npy")]


def _header(stream: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Read a .npy magic string and header from `stream`: (shape, fortran_order, dtype)."""
    try:
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(stream)
        else:
            raise ValueError(f".npy format version {version} (expected 1.0 or 2.0)")
    except ValueError as error:
        raise ValueError(f"{where} is not a readable .npy array: {error}") from None
    if dtype.hasobject:
        raise ValueError(f"{where} holds Python objects; crl never unpickles a file (expected numbers)")
    return tuple(int(s) for s in shape), bool(fortran), dtype


def member(path: Path, key: str) -> Member:
    """Describe array `key` of the .npz at `path` without reading its data."""
    where = f"{str(path)!r}, array {key!r}"
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(f"{key}.npy")
        with archive.open(info) as stream:
            shape, fortran, dtype = _header(stream, where)
    return Member(Path(path), key, shape, dtype, fortran, info.compress_type != zipfile.ZIP_STORED)


def _data_offset(path: Path, key: str) -> int:
    """Byte offset in the file where the raw data of stored member `key` starts (after its .npy header)."""
    with zipfile.ZipFile(path) as archive:
        start = archive.getinfo(f"{key}.npy").header_offset
    with open(path, "rb") as file:
        file.seek(start)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(file.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise ValueError(f"{str(path)!r}: the zip entry of array {key!r} is damaged (no local header)")
        file.seek(start + _LOCAL_HEADER.size + name_length + extra_length)
        _header(file, f"{str(path)!r}, array {key!r}")
        return file.tell()


def load_member(array: Member) -> np.ndarray:
    """The array itself: a read-only memory map when stored, read whole (in chunks) when deflated."""
    if not array.compressed and 0 not in array.shape:
        return np.memmap(array.path, dtype=array.dtype, mode="r", offset=_data_offset(array.path, array.key),
                         shape=array.shape, order="F" if array.fortran else "C")
    with zipfile.ZipFile(array.path) as archive, archive.open(f"{array.key}.npy") as stream:
        return npy.read_array(stream, allow_pickle=False)


def member_chunks(array: Member) -> Iterator[np.ndarray]:
    """The rows of a C-ordered member, a few at a time (at most `CHUNK_BYTES` each), inflating as it goes."""
    if array.fortran:
        raise ValueError(f"{str(array.path)!r}, array {array.key!r}: Fortran-ordered arrays are not streamed")
    row_shape = array.shape[1:]
    row_bytes = max(1, int(np.prod(row_shape)) * array.dtype.itemsize)
    rows_per_chunk = max(1, CHUNK_BYTES // row_bytes)
    with zipfile.ZipFile(array.path) as archive, archive.open(f"{array.key}.npy") as stream:
        _header(stream, f"{str(array.path)!r}, array {array.key!r}")
        for start in range(0, array.shape[0], rows_per_chunk):
            count = min(rows_per_chunk, array.shape[0] - start)
            data = stream.read(count * row_bytes)
            if len(data) != count * row_bytes:
                raise ValueError(f"{str(array.path)!r}, array {array.key!r} ends early: the file is truncated")
            yield np.frombuffer(data, dtype=array.dtype).reshape((count, *row_shape))
