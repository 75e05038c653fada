"""A saved model's folder on disk: read it only through its manifest, and save without destroying anything.

Saving may replace a folder only when every file in it belongs to a saved model, as its manifest
says: a model of the same kind by default; with ``overwrite=True`` also a model of another kind or
one written by an older crl. A regular file, or a folder holding any file no model wrote (a
user's ``thesis.tex``), is refused even with ``overwrite=True``: crl never deletes a file it did
not write, and never merges a model into a user's folder (whose files a later save would then
have to delete). The new folder is written beside the old one and renamed over it
(`encoders.atomic.atomic_directory`), so a failure leaves the old model in place.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path

from encoders.atomic import atomic_directory
from encoders.manifest import MANIFEST, FolderFormat, unseal
from encoders.model_files import ModelFileError, parse_json

_SHOWN = 5  # foreign files named in a refusal


def read_folder(path: str | os.PathLike, fmt: FolderFormat) -> dict[str, bytes]:
    """The checked files of the model saved in folder `path` (see `encoders.manifest.unseal`).

    Parameters
    ----------
    path : str or PathLike
        The folder.
    fmt : FolderFormat
        The kind of model expected there.

    Returns
    -------
    dict
        Relative POSIX name -> bytes, for every file the manifest lists.

    Raises
    ------
    ModelFileError
        When `path` holds no such model, one in an older crl's pickle format, or a file that fails its check.
    """
    folder = Path(path)
    where = str(folder)
    if not folder.is_dir():
        raise ModelFileError(f"{where!r} is not a saved {fmt.noun} (no such folder)")
    if not (folder / MANIFEST).is_file():
        if fmt.legacy_marker and (folder / fmt.legacy_marker).exists():
            raise ModelFileError(
                f"{where!r} is not a saved {fmt.noun} that this crl reads: it holds {fmt.legacy_marker}, written by an "
                "older crl with pickle, and loading a pickle can run any code it holds. This crl never reads pickle or "
                f"torch archives (there is no trust_pickle option). {fmt.legacy_remedy}")
        raise ModelFileError(f"{where!r} is not a saved {fmt.noun} (no {MANIFEST})")
    names = [name for name in _entries(folder) if not any(part.startswith(".") for part in name.split("/"))]

    def read(name: str) -> bytes:
        try:
            return (folder / name).read_bytes()
        except OSError as err:
            raise ModelFileError(f"{where}/{name} cannot be read ({err.strerror or err})") from None

    return unseal(names, read, fmt, where)


def check_target(path: str | os.PathLike, fmt: FolderFormat, overwrite: bool = False) -> None:
    """Raise ValueError unless saving a `fmt` model at `path` destroys nothing but a saved model.

    Call it before expensive work whose result will be saved there (see the module docstring for the rules).

    Parameters
    ----------
    path : str or PathLike
        Where the model folder will be.
    fmt : FolderFormat
        The kind of model to be saved.
    overwrite : bool
        Also replace a model of another kind, or one saved by an older crl.
    """
    target = Path(path)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ValueError(f"path {str(path)!r} is a file, not a model folder; saving never replaces a file: "
                         "choose a new folder")
    if not target.exists():
        return
    top = sorted(os.listdir(target))
    if not top:
        return
    entries = _entries(target) if MANIFEST in top or fmt.legacy_marker in top else top  # no walk of a user's tree
    name, listed = _manifest_of(target, entries)
    foreign = [entry for entry in entries if entry not in listed]
    if name is not None and not foreign:
        if name == fmt.name or overwrite:
            return
        owner = f"a saved model of format {name!r}"
    elif fmt.legacy_marker in entries and all(
            any(fnmatch.fnmatchcase(entry, pattern) for pattern in fmt.legacy_files) for entry in entries):
        if overwrite:
            return
        owner = f"a {fmt.noun} saved by an older crl (with pickle)"
    else:
        raise ValueError(f"path {str(path)!r} is a folder with files that no saved model wrote ({foreign[:_SHOWN]}"
                         f"{' ...' if len(foreign) > _SHOWN else ''}); saving never deletes them, even with "
                         "overwrite=True: choose a new or empty folder")
    raise ValueError(f"path {str(path)!r} holds {owner}, not a saved {fmt.noun}; pass overwrite=True to replace it")


def write_folder(path: str | os.PathLike, files: Mapping[str, bytes], fmt: FolderFormat,
                 overwrite: bool = False) -> None:
    """Write a sealed model (`encoders.manifest.seal`) to folder `path`, whole or not at all.

    Parameters
    ----------
    path : str or PathLike
        The folder; what may already be there is ruled by `check_target`.
    files : dict
        Relative POSIX name -> bytes, with its manifest; the manifest is written last.
    fmt : FolderFormat
        The model's format.
    overwrite : bool
        As for `check_target`.
    """
    check_target(path, fmt, overwrite)
    with atomic_directory(path) as tmp:
        for name in sorted(files, key=lambda name: name == MANIFEST):
            file = tmp / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(files[name])


def _entries(folder: Path) -> list[str]:
    """Every file under `folder` and every empty folder in it, as relative POSIX names (folders end in '/')."""
    entries = []
    for root, dirs, files in os.walk(folder):
        relative = Path(root).relative_to(folder)
        entries += [(relative / name).as_posix() for name in files]
        if not dirs and not files and root != str(folder):
            entries.append(relative.as_posix() + "/")
    return sorted(entries)


def _manifest_of(folder: Path, entries: list[str]) -> tuple[str | None, set[str]]:
    """The format a folder's manifest names and the entries it accounts for ((None, set()) without a readable one)."""
    if MANIFEST not in entries:
        return None, set()
    try:
        manifest = parse_json((folder / MANIFEST).read_bytes(), MANIFEST)
    except (ModelFileError, OSError):
        return None, set()
    if not isinstance(manifest, dict):
        return None, set()
    files, name = manifest.get("files"), manifest.get("format")
    return (name if isinstance(name, str) else None), (set(files) if isinstance(files, dict) else set()) | {MANIFEST}
