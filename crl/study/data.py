"""The data a study trains on: a crl scene, or a benchmark data set from the user's own files.

A study names its data with a plain, JSON-able `DataSpec` rather than a loaded object: a loaded
data set holds memory maps and an open HDF5 file, which cannot travel to a Ray worker, so each
trial opens its data itself (`DataSpec.open`). `check_data` opens each one once in the driver,
before any training, so a missing file or a bad option is an error at once, not in every trial.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import crl.datasets
import crl.scenes
from crl.datasets import FolderDataset

KEYS = ("scene", "dataset", "path", "resolution", "options", "label")


@dataclass(frozen=True)
class DataSpec:
    """One data source of a study: a scene (by name) or a data set (by name and file).

    Attributes
    ----------
    label : str
        The name the results table and the report give it (unique within a study).
    scene, dataset : str or None
        Exactly one is set: a `crl.scenes.names()` entry or a `crl.datasets.names()` entry.
    path : str or None
        The data set's file (or folder); None for a scene. It must be readable where the trials run.
    resolution : int or None
        Image side in pixels (a scene's default is 64; a data set's, as stored).
    options : dict
        The scene's own options (`crl.scenes.load`), e.g. ``{"seed": 3}`` for a random scene.
    """

    label: str
    scene: str | None = None
    dataset: str | None = None
    path: str | None = None
    resolution: int | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def open(self) -> Any:
        """The loaded scene or data set (it has the scene protocol: sample, sample_pairs, labels, render)."""
        if self.scene is not None:
            return crl.scenes.load(self.scene, resolution=64 if self.resolution is None else self.resolution,
                                   **self.options)
        return crl.datasets.load(str(self.dataset), str(self.path), resolution=self.resolution)

    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain dict (what a trial receives, and what `from_dict` reads back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DataSpec:
        """The spec `to_dict` wrote."""
        return cls(**dict(values))


def parse_data(entry: Any, where: str) -> DataSpec:
    """A `DataSpec` from one entry of a config's ``data`` list, checked key by key.

    Parameters
    ----------
    entry : dict
        ``{scene: NAME, resolution: 32, options: {...}}`` or ``{dataset: NAME, path: FILE, resolution: 32}``;
        ``label`` is optional (default: the scene's or data set's name).
    where : str
        Where the entry sits in the config (``data[0]``), for messages.

    Returns
    -------
    DataSpec
    """
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: expected a mapping such as {{scene: pendulum}} or {{dataset: shapes3d, path: FILE}}, "
                         f"got {entry!r}")
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; expected keys from {list(KEYS)}")
    if ("scene" in entry) == ("dataset" in entry):
        raise ValueError(f"{where}: give exactly one of 'scene' (one of {crl.scenes.names()}) or 'dataset' "
                         f"(one of {crl.datasets.names()})")
    resolution = entry.get("resolution")
    if resolution is not None and (isinstance(resolution, bool) or not isinstance(resolution, int)
                                   or resolution < 16 or resolution % 16):
        raise ValueError(f"{where}.resolution: expected a positive multiple of 16, got {resolution!r}")
    options = entry.get("options", {})
    if not isinstance(options, Mapping):
        raise ValueError(f"{where}.options: expected a mapping of the scene's options, got {options!r}")
    if "scene" in entry:
        name = _name(entry["scene"], crl.scenes.names(), f"{where}.scene", "scene")
        if "path" in entry:
            raise ValueError(f"{where}.path: a scene is generated, it reads no file; 'path' goes with 'dataset'")
        spec = DataSpec(_label(entry, name, where), scene=name, resolution=resolution, options=dict(options))
    else:
        name = _name(entry["dataset"], crl.datasets.names(), f"{where}.dataset", "data set")
        if not isinstance(entry.get("path"), str) or not entry["path"]:
            raise ValueError(f"{where}.path: data set {name!r} needs 'path', the file you have (for folder: the folder)")
        if options:
            raise ValueError(f"{where}.options: a data set takes no options besides 'resolution', got {dict(options)}")
        spec = DataSpec(_label(entry, name, where), dataset=name, path=str(Path(entry["path"]).expanduser().resolve()),
                        resolution=resolution)
    return spec


def _name(value: Any, known: list[str], where: str, noun: str) -> str:
    if not isinstance(value, str) or value not in known:
        raise ValueError(f"{where}: unknown {noun} {value!r}; expected one of {known}")
    return value


def _label(entry: Mapping[str, Any], name: str, where: str) -> str:
    label = entry.get("label", name)
    if not isinstance(label, str) or not label or not label.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"{where}.label: expected a name of letters, digits, '-' and '_', got {label!r}")
    return label


@dataclass(frozen=True)
class DataFacts:
    """What a study needs to know of its data before training: factor count, and whether it renders and pairs."""

    n_factors: int
    renders: bool


def check_data(spec: DataSpec, where: str) -> DataFacts:
    """Open the data once, so that a bad option or a missing file is refused before any training.

    Parameters
    ----------
    spec : DataSpec
    where : str
        The entry's place in the config, for messages.

    Returns
    -------
    DataFacts
        A folder of images whose factors form no full grid cannot render images for chosen factors,
        so it makes no pairs and no BetaVAE/FactorVAE batches.
    """
    try:
        data = spec.open()
    except (ValueError, OSError, ImportError) as error:
        raise ValueError(f"{where} ({spec.label}): {error}") from None
    return DataFacts(n_factors=len(data.factors), renders=renders(data))


def renders(data: Any) -> bool:
    """Whether `data` draws images for any factor values (scenes and full grids do; a loose folder does not)."""
    return not isinstance(data, FolderDataset)
