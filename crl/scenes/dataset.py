"""Save and load samples and pairs as one compressed .npz file, written atomically."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crl.scenes.samples import Pairs, Sample

_TABLES = {Sample: ("factors", "noise"), Pairs: ("factors1", "factors2", "changed")}
_IMAGES = {Sample: ("images",), Pairs: ("x1", "x2")}


def save_dataset(data: Sample | Pairs, path: str | os.PathLike) -> Path:
    """Write a Sample or Pairs to one compressed .npz file, so a data set can be drawn once and reused.

    Images are stored as uint8, tables with their column names and dtypes; the file is written
    atomically (a crash leaves no half-written file), and reading it back executes no code.

    Parameters
    ----------
    data : Sample or Pairs
        What to save.
    path : str or os.PathLike
        The file, ending in .npz.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    kind = type(data)
    if kind not in _TABLES:
        raise ValueError(f"data must be a crl.scenes.Sample or Pairs, got {kind.__name__}")
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(path)!r}")
    arrays: dict[str, Any] = {"kind": np.array(kind.__name__)}
    for name in _IMAGES[kind]:
        arrays[name] = np.asarray(getattr(data, name), dtype=np.uint8)
    for name in _TABLES[kind]:
        table: pd.DataFrame = getattr(data, name)
        arrays[f"{name}.values"] = table.to_numpy(dtype=np.float64)
        arrays[f"{name}.columns"] = np.array([str(c) for c in table.columns])
        arrays[f"{name}.dtypes"] = np.array([str(t) for t in table.dtypes])
    from encoders.atomic import atomic_path  # here, so `import crl.scenes` does not load the encoders package

    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, **arrays)
    return path


def load_dataset(path: str | os.PathLike) -> Sample | Pairs:
    """Read a Sample or Pairs written by `save_dataset`.

    Parameters
    ----------
    path : str or os.PathLike
        The .npz file.

    Returns
    -------
    Sample or Pairs
        As saved, tables with their column dtypes.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no dataset at {str(path)!r}")
    with np.load(path, allow_pickle=False) as archive:
        kinds = {k.__name__: k for k in _TABLES}
        kind_name = str(archive["kind"]) if "kind" in archive else ""
        if kind_name not in kinds:
            raise ValueError(f"{str(path)!r} is not a crl.scenes dataset (no valid 'kind' entry)")
        kind = kinds[kind_name]
        fields = {name: archive[name] for name in _IMAGES[kind]}
        for name in _TABLES[kind]:
            columns = [str(c) for c in archive[f"{name}.columns"]]
            frame = pd.DataFrame(archive[f"{name}.values"], columns=columns)
            fields[name] = frame.astype(dict(zip(columns, (str(t) for t in archive[f"{name}.dtypes"]))))
    return kind(**fields)
