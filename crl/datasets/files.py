"""Checks on the file a user names, made before anything is read: it exists, is of the format asked for,
and holds the arrays of the data set asked for (not another one's), each error naming the file and what
was expected, and where the file is recognisably another data set's, how to load that one.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

# the arrays that identify each published file, and how to name the data set to `crl.datasets.load`
ARRAYS = {"dsprites": ("imgs", "latents_classes", "latents_values"), "shapes3d": ("images", "labels"),
          "mpi3d": ("images",)}
LOAD_AS = {"dsprites": "'dsprites'", "shapes3d": "'shapes3d'", "mpi3d": "'mpi3d_toy', 'mpi3d_realistic' or 'mpi3d_real'"}
TITLES = {"dsprites": "dSprites", "shapes3d": "Shapes3D", "mpi3d": "MPI3D"}
_MAGIC = {b"PK\x03\x04": "an .npz (zip) archive", b"\x89HDF\r\n\x1a\n": "an HDF5 file", b"\x89PNG": "a PNG image",
          b"\x93NUMPY": "a single .npy array"}


def existing_file(path: str | os.PathLike, expected: str) -> Path:
    """`path` as a Path when it is a file; FileNotFoundError or ValueError naming it and `expected` otherwise."""
    found = Path(path).expanduser()
    if not found.exists():
        raise FileNotFoundError(f"no such file {str(found)!r} (expected {expected})")
    if not found.is_file():
        raise ValueError(f"{str(found)!r} is a folder; expected {expected}")
    return found


def file_format(path: Path) -> str:
    """What the first bytes of `path` say it is ("an HDF5 file", ...), or "a file of unknown format"."""
    with open(path, "rb") as file:
        head = file.read(8)
    return next((name for magic, name in _MAGIC.items() if head.startswith(magic)), "a file of unknown format")


def identify(found: Iterable[str]) -> str | None:
    """The data set whose arrays `found` holds (dSprites, then Shapes3D, then MPI3D's lone images), or None."""
    names = set(found)
    if set(ARRAYS["dsprites"]) <= names:
        return "dsprites"
    if set(ARRAYS["shapes3d"]) <= names:
        return "shapes3d"
    return "mpi3d" if "images" in names and not names & {"imgs", "latents_classes", "latents_values"} else None


def check_arrays(path: Path, found: Iterable[str], kind: str) -> None:
    """Raise ValueError unless the file at `path`, holding arrays `found`, is a `kind` file.

    Parameters
    ----------
    path : Path
        The file (named in the message).
    found : iterable of str
        The arrays it holds.
    kind : {"dsprites", "shapes3d", "mpi3d"}
        The data set asked for.
    """
    names = sorted(found)
    other = identify(names)
    if other is not None and other != kind:
        raise ValueError(f"{str(path)!r} holds the arrays of a {TITLES[other]} file ({names}), not those of a "
                         f"{TITLES[kind]} file ({list(ARRAYS[kind])}); load it as {LOAD_AS[other]}")
    missing = [name for name in ARRAYS[kind] if name not in names]
    if missing:
        raise ValueError(f"{str(path)!r} holds arrays {names}; a {TITLES[kind]} file holds {list(ARRAYS[kind])} "
                         f"(missing {missing})")
