"""The manifest that ties the files of one saved model together.

`manifest.json`, written last, names the model's format and schema version, the crl version that
wrote it, and each file's size and sha256 (and, for safetensors files, each tensor's dtype and
shape). Loading checks it before building anything: a file changed, truncated, or copied in from
another model, and a file the model was not saved with, are refused by name. The check is against
accidents (a damaged download, a `nuisance` file swapped between two models), not an authenticity
signature: whoever edits the manifest too defeats it, but still cannot make loading run code.
"""
from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from encoders.model_files import DAMAGED, ModelFileError, json_bytes, package_version, parse_json, tensor_shapes

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FolderFormat:
    """One kind of saved model: what its manifest calls it and what loading it may forgive.

    Parameters
    ----------
    name : str
        The format written in the manifest (e.g. "crl.CausalModel").
    noun : str
        The model's name in messages ("CausalModel", "encoder").
    schema : int
        The version of the folder's layout and files that this code writes and reads.
    legacy_marker : str
        The file that marks a folder of this kind written by an older crl (a pickle or torch archive).
    legacy_files : tuple of str
        Glob patterns of every file such an older folder holds (so `overwrite=True` may replace it).
    legacy_remedy : str
        What a user with such an older folder can do.
    cosmetic : tuple of str
        Files that only record something (the training history): when damaged, a warning, not an error.
    """

    name: str
    noun: str
    schema: int
    legacy_marker: str = ""
    legacy_files: tuple[str, ...] = ()
    legacy_remedy: str = ""
    cosmetic: tuple[str, ...] = ()


def seal(files: Mapping[str, bytes], fmt: FolderFormat) -> dict[str, bytes]:
    """`files` (relative name -> content) and the manifest that lists them.

    Parameters
    ----------
    files : dict
        Relative POSIX name -> bytes; names ending in ".safetensors" get their tensors' shapes listed.
    fmt : FolderFormat
        The model's format.

    Returns
    -------
    dict
        `files` plus `MANIFEST`.
    """
    entries: dict[str, dict[str, Any]] = {}
    for name, data in sorted(files.items()):
        entries[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        shapes = tensor_shapes(data) if name.endswith(".safetensors") else None
        if shapes is not None:
            entries[name]["tensors"] = shapes
    manifest = {"format": fmt.name, "schema": fmt.schema, "crl_version": package_version(), "files": entries}
    return {**files, MANIFEST: json_bytes(manifest)}


def read_manifest(data: bytes, fmt: FolderFormat, where: str) -> dict[str, dict[str, Any]]:
    """The file entries of a manifest, once its format and schema are this code's.

    Parameters
    ----------
    data : bytes
        The content of `MANIFEST`.
    fmt : FolderFormat
        The format the caller expects.
    where : str
        The folder, for messages.

    Returns
    -------
    dict
        Relative name -> {"sha256": ..., "bytes": ...}.

    Raises
    ------
    ModelFileError
        Naming the manifest and its wrong field.
    """
    name = f"{where}/{MANIFEST}"
    manifest = parse_json(data, name)
    if not isinstance(manifest, dict):
        raise ModelFileError(f"{name} must hold a JSON object; {DAMAGED}")
    if manifest.get("format") != fmt.name:
        raise ModelFileError(f"{where!r} is not a saved {fmt.noun}: {name} field 'format' is "
                             f"{manifest.get('format')!r}, not {fmt.name!r}")
    schema = manifest.get("schema")
    if schema != fmt.schema:
        newer = isinstance(schema, int) and schema > fmt.schema
        remedy = "upgrade crl to read it" if newer else "save the model again with a crl that reads it"
        raise ModelFileError(f"{name} field 'schema' is {schema!r}; this crl reads schema {fmt.schema} of "
                             f"{fmt.name}: {remedy}")
    entries = manifest.get("files")
    if not isinstance(entries, dict) or not all(
            isinstance(entry, dict) and isinstance(entry.get("sha256"), str) for entry in entries.values()):
        raise ModelFileError(f"{name} field 'files' must map each file to its sha256; {DAMAGED}")
    return entries


def unseal(names: Collection[str], read: Callable[[str], bytes], fmt: FolderFormat, where: str) -> dict[str, bytes]:
    """The files of a sealed model, each checked against the manifest before anything is built from them.

    Parameters
    ----------
    names : collection of str
        The relative names of the files present (`MANIFEST` among them).
    read : callable
        name -> bytes of that file.
    fmt : FolderFormat
        The format the caller expects.
    where : str
        The folder, for messages.

    Returns
    -------
    dict
        Each listed file's name -> bytes, `MANIFEST` left out; a damaged cosmetic file is left out with a warning,
        a missing one silently.

    Raises
    ------
    ModelFileError
        When a file is missing, differs from its manifest entry, or is not listed in it.
    """
    entries = read_manifest(read(MANIFEST), fmt, where)
    unlisted = sorted(set(names) - set(entries) - {MANIFEST})
    if unlisted:
        raise ModelFileError(f"{where!r} holds file(s) {unlisted} that are not part of the saved {fmt.noun} "
                             f"({MANIFEST} does not list them); crl never reads them: remove them, or save the model again")
    checked = {}
    for name, entry in entries.items():
        data = read(name) if name in names else None
        if data is None and name in fmt.cosmetic:
            continue  # a record only; when damaged, an outer model's check already warned and left it out
        problem = _problem(data, entry)
        if problem is None and data is not None:
            checked[name] = data
        elif name in fmt.cosmetic:
            warnings.warn(f"{where}/{name} {problem}; it only records the training, so the {fmt.noun} loads without it",
                          UserWarning, stacklevel=3)
        else:
            raise ModelFileError(f"{where}/{name} {problem}; {DAMAGED}")
    return checked


def _problem(data: bytes | None, entry: dict[str, Any]) -> str | None:
    """What is wrong with a file against its manifest entry, or None."""
    if data is None:
        return f"is missing ({MANIFEST} lists it)"
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return (f"does not match {MANIFEST} (its sha256 differs: the file was changed, cut short, or copied in "
                "from another model)")
    return None
