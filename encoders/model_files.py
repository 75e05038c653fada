"""The files of a saved model as bytes: JSON and safetensors only, never pickle or a torch archive.

Loading a folder someone shared must run no code, so a saved model holds JSON (settings) and
safetensors (arrays and weights: a header and raw numbers). Every way such a file can be wrong
(not UTF-8, not JSON, a truncated or foreign safetensors header) becomes one `ModelFileError`
that names the file and what to do about it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import metadata
from typing import Any, Literal

import numpy as np
import safetensors
import safetensors.numpy
import safetensors.torch
import torch

DAMAGED = "the file is damaged or incomplete: copy the model folder again from its source, or save the model again"


class ModelFileError(ValueError):
    """A saved model's file is missing, damaged, foreign to its model, or of a kind crl never loads.

    The message names the file and the remedy. It is a ValueError, like the error of a path that
    holds no model; `crl.exceptions.ModelFileError` is this same class.
    """


def package_version() -> str:
    """The installed crl distribution's version, recorded in every manifest ("unknown" from a bare checkout)."""
    try:
        return metadata.version("crl")
    except metadata.PackageNotFoundError:
        return "unknown"


def json_bytes(value: Any) -> bytes:
    """`value` as indented UTF-8 JSON."""
    return json.dumps(value, indent=2).encode("utf-8")


def parse_json(data: bytes, name: str) -> Any:
    """The JSON value in `data`, read from the file `name`.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file, as the error message should name it.

    Returns
    -------
    Any
        Plain JSON data: dicts, lists, strings, numbers, booleans, None. Nothing is imported or built.

    Raises
    ------
    ModelFileError
        When `data` is not UTF-8 JSON.
    """
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ModelFileError(f"{name} is not valid JSON ({err}); {DAMAGED}") from None


def tensor_bytes(tensors: Mapping[str, np.ndarray | torch.Tensor]) -> bytes:
    """Named numpy arrays, or named torch tensors, as one safetensors file (CPU copies, contiguous)."""
    if tensors and all(isinstance(value, torch.Tensor) for value in tensors.values()):
        return safetensors.torch.save({key: torch.as_tensor(value).detach().to("cpu", copy=True).contiguous()
                                       for key, value in tensors.items()})
    # contiguous copies: safetensors.numpy writes a Fortran-ordered array's memory as if it were C-ordered
    return safetensors.numpy.save({key: np.ascontiguousarray(value) for key, value in tensors.items()})


def parse_tensors(data: bytes, name: str, framework: Literal["numpy", "torch"] = "numpy") -> dict[str, Any]:
    """The named arrays (numpy) or CPU tensors (torch) of a safetensors file.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file, as the error message should name it.
    framework : {"numpy", "torch"}
        What to return the numbers as.

    Returns
    -------
    dict
        Key -> array or tensor.

    Raises
    ------
    ModelFileError
        When `data` is not a whole safetensors file.
    """
    try:
        if framework == "torch":
            return dict(safetensors.torch.load(data))
        return dict(safetensors.numpy.load(data))
    except (safetensors.SafetensorError, ValueError, TypeError) as err:
        raise ModelFileError(f"{name} is not a valid safetensors file ({err}); {DAMAGED}") from None


def tensor_shapes(data: bytes) -> dict[str, dict[str, Any]] | None:
    """Each tensor's dtype and shape, read from a safetensors header; None when `data` has no valid header."""
    try:
        length = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + length])
        return {key: {"dtype": entry["dtype"], "shape": entry["shape"]}
                for key, entry in header.items() if key != "__metadata__"}
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        return None


def check_tensors(expected: Mapping[str, Any], found: Mapping[str, Any], name: str, source: str) -> None:
    """Raise ModelFileError unless `found` has exactly the tensors of `expected`, each of the same shape.

    Parameters
    ----------
    expected : dict
        Key -> tensor or array of the shape the networks need (a freshly built module's state dict).
    found : dict
        Key -> tensor or array read from the file `name`.
    name : str
        The file, for the message.
    source : str
        What set the expected shapes (e.g. "config.json (latent_dim=10)"), for the message.
    """
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ModelFileError(f"{name} does not fit {source}: missing tensors {missing[:5]}, unexpected tensors "
                             f"{unexpected[:5]}; {DAMAGED}")
    for key, tensor in expected.items():
        if tuple(found[key].shape) != tuple(tensor.shape):
            raise ModelFileError(f"{name}: tensor {key!r} has shape {tuple(found[key].shape)}, but {source} needs "
                                 f"{tuple(tensor.shape)}; {DAMAGED}")
