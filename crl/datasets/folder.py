"""A user's own images: a folder of image files and ``factors.csv``, one row per image.

``factors.csv`` has a column ``file`` (each image's path relative to the folder) and one column per
factor. Every image file in the folder (any depth; names starting with "." are skipped) must have
exactly one row, every row a file, every file must be an image Pillow reads, all of one size; each
is checked when the folder is loaded, before any training, and a failure names the files.

Factor kinds follow crl's rule for undeclared columns (`scm.tables.is_discrete`): text, and whole
numbers with at most `scm.thresholds.MAX_LEVELS` distinct values, are categorical (categories: the
distinct values, sorted; tables hold their codes 0..K-1); other numbers are continuous. Images are
single-channel when every file is greyscale, RGB otherwise (alpha dropped); they are read from disk
when sampled.

When the rows form a full grid (every combination of the factors' distinct values exactly once) the
folder is a `GridDataset` with everything a grid gives: render, interventions, counterfactuals and
pairs. Otherwise it is a `FolderDataset`: sample, labels and factors only, since an image for an
unseen combination of factors does not exist.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crl.datasets.axes import GridAxis, axis, grid_table
from crl.datasets.grid import GridDataset, GridSample
from crl.datasets.images import downscale, target_resolution
from crl.scenes.factors import Factor, check_table
from crl.scenes.labels import make_labels
from crl.scenes.scene import check_count, seeded_rng
from scm.tables import is_discrete

CSV = "factors.csv"
GREY = ("1", "L", "I;16")  # Pillow modes read as one channel
SHOWN = 5  # file names listed in an error


def _listed(names: Sequence[str], total: int) -> str:
    more = f" ... ({total} in all)" if total > SHOWN else ""
    return f"{list(names[:SHOWN])}{more}"


def _read_table(folder: Path) -> pd.DataFrame:
    """factors.csv, checked: a `file` column of unique relative paths, and factor columns without gaps."""
    csv = folder / CSV
    if not csv.is_file():
        raise FileNotFoundError(f"{str(folder)!r} has no {CSV}; a folder data set needs one (a 'file' column and "
                                f"one column per factor)")
    try:
        table = pd.read_csv(csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{str(csv)!r} is not a readable CSV table: {error}") from None
    if "file" not in table.columns or len(table.columns) < 2 or not len(table):
        raise ValueError(f"{str(csv)!r} has columns {list(table.columns)} and {len(table)} rows; expected a 'file' "
                         f"column, at least one factor column and one row per image")
    files = table["file"].astype(str)
    bad = [f for f in files if Path(f).is_absolute() or ".." in Path(f).parts]
    repeated = files[files.duplicated()].tolist()
    if bad or repeated:
        raise ValueError(f"{str(csv)!r}: column 'file' must hold distinct paths inside the folder; "
                         f"{'outside: ' + _listed(bad, len(bad)) if bad else 'repeated: ' + _listed(repeated, len(repeated))}")
    for name in table.columns.drop("file"):
        gaps = table.index[table[name].isna()].tolist()
        if gaps:
            raise ValueError(f"{str(csv)!r}: column {name!r} is empty on the row of file {files[gaps[0]]!r}")
        if table[name].nunique() < 2:
            raise ValueError(f"{str(csv)!r}: column {name!r} takes one value only; a factor must vary (drop the column)")
    return table.assign(file=files)


def _check_files(folder: Path, files: Sequence[str]) -> tuple[tuple[int, ...], list[Path]]:
    """The image shape (H, W, C) after checking the folder holds exactly the listed files, all images of one size."""
    from PIL import Image, UnidentifiedImageError

    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
               if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}
    present.discard(CSV)
    listed = [Path(f).as_posix() for f in files]
    missing = [f for f in listed if f not in present]
    if missing:
        raise ValueError(f"{CSV} in {str(folder)!r} lists {len(missing)} file(s) the folder does not have: "
                         f"{_listed(missing, len(missing))}")
    unlisted = sorted(present - set(listed))
    if unlisted:
        raise ValueError(f"{len(unlisted)} file(s) in {str(folder)!r} have no row in {CSV} (every file there must be "
                         f"a listed image): {_listed(unlisted, len(unlisted))}")
    size, grey, paths = None, True, [folder / f for f in listed]
    for path in paths:
        try:
            with Image.open(path) as image:
                found, mode = image.size, image.mode
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"{str(path)!r} is not an image Pillow can read (every listed file must be one): "
                             f"{error}") from None
        if size is None:
            size, first = found, path
        elif found != size:
            raise ValueError(f"images must share one size: {str(first)!r} is {size[0]}x{size[1]}, "
                             f"{str(path)!r} is {found[0]}x{found[1]} (width x height)")
        grey = grey and mode in GREY
    assert size is not None
    return (size[1], size[0], 1 if grey else 3), paths


def read_images(paths: Sequence[Path], channels: int) -> np.ndarray:
    """uint8 images (n, H, W, channels) from image files, converted to greyscale or RGB."""
    from PIL import Image

    images = []
    for path in paths:
        with Image.open(path) as image:
            array = np.asarray(image.convert("L" if channels == 1 else "RGB"), dtype=np.uint8)
        images.append(array.reshape(*array.shape[:2], channels))
    return np.stack(images)


def _axis(name: str, column: pd.Series) -> tuple[GridAxis, np.ndarray]:
    """A column's grid axis (its distinct values, sorted) and each row's class on it."""
    if is_discrete(column):
        distinct = sorted(column.unique())
        whole = pd.api.types.is_numeric_dtype(column)
        names = [str(int(v)) if whole else str(v) for v in distinct]
        codes = column.map({v: i for i, v in enumerate(distinct)}).to_numpy(dtype=np.int64)
        return axis(name, None, names), codes
    numbers = column.to_numpy(dtype=np.float64)
    values = np.unique(numbers)
    return axis(name, values), np.searchsorted(values, numbers)


class FolderDataset:
    """A folder of images whose factors do not form a full grid: sample, labels and factors.

    Build one with `crl.datasets.load("folder", path)`. `render`, `intervene`, `counterfactual` and
    `sample_pairs` need an image for any combination of factors, which only a full grid has: they
    raise ValueError saying what is missing.
    """

    def __init__(self, axes: Sequence[GridAxis], classes: np.ndarray, paths: Sequence[Path],
                 image_shape: tuple[int, ...], source: str, resolution: int | None = None) -> None:
        self.name = "folder"
        self.source = source
        self._axes = list(axes)
        self._classes = classes
        self._paths = list(paths)
        self.factors: list[Factor] = [a.factor for a in self._axes if a.factor is not None]
        self.factor_names = [f.name for f in self.factors]
        self.resolution = target_resolution(resolution, image_shape, repr(source))
        self.channels = int(image_shape[2])
        combinations = int(np.prod([a.size for a in self._axes], dtype=np.int64))
        self._why = (f"needs an image for every combination of the factors' values (a full grid); {source!r} has "
                     f"{len(self._paths)} images with {len(np.unique(classes, axis=0))} distinct combinations of "
                     f"the {combinations} its values make")

    def __repr__(self) -> str:
        return f"FolderDataset({self.source!r}, factors={self.factor_names}, {len(self)} images, not a full grid)"

    def __len__(self) -> int:
        return len(self._paths)

    def sample(self, n: int, seed: int = 0) -> GridSample:
        """``n`` images drawn uniformly from the folder (with replacement); ``index`` is each one's row in factors.csv."""
        rows = seeded_rng(seed).integers(0, len(self._paths), size=check_count(n))
        images = downscale(read_images([self._paths[r] for r in rows], self.channels), self.resolution)
        return GridSample(images, grid_table(self._classes[rows], self._axes), rows)

    def labels(self, sample: Any, n: int = 100, mode: str = "exact", seed: int = 0, **options: Any) -> pd.DataFrame:
        """A few ground-truth labels for rows of `sample`: see `crl.scenes.labels.make_labels`."""
        table = sample if isinstance(sample, pd.DataFrame) else getattr(sample, "factors", sample)
        check_table(table, {f.name: f for f in self.factors}, "sample")
        return make_labels(table[self.factor_names], self.factors, n=n, mode=mode, seed=seed, **options)

    def _refuse(self, what: str) -> ValueError:
        return ValueError(f"{what} {self._why}")

    def render(self, factors: pd.DataFrame) -> np.ndarray:
        """Not available: raises ValueError (see the class docstring)."""
        raise self._refuse("render")

    def intervene(self, do: Any, n: int, seed: int = 0) -> GridSample:
        """Not available: raises ValueError (see the class docstring)."""
        raise self._refuse("intervene")

    def counterfactual(self, sample: Any, do: Any, seed: int = 0) -> GridSample:
        """Not available: raises ValueError (see the class docstring)."""
        raise self._refuse("counterfactual")

    def sample_pairs(self, n: int, k: int | str = 1, seed: int = 0, mode: str = "noise") -> Any:
        """Not available: raises ValueError (see the class docstring)."""
        raise self._refuse("sample_pairs")


def load_folder(path: str | os.PathLike, resolution: int | None = None) -> GridDataset | FolderDataset:
    """Load a folder of images with their factors in ``factors.csv``.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.
    resolution : int, optional
        Serve images at this side, a multiple of 16 dividing the images' (square) side.

    Returns
    -------
    GridDataset or FolderDataset
        A grid data set when the rows form a full grid, else a folder data set.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder {str(folder)!r} (expected a folder of images with {CSV})")
    table = _read_table(folder)
    shape, paths = _check_files(folder, table["file"].tolist())
    pairs = [_axis(str(name), table[name]) for name in table.columns.drop("file")]
    axes = [a for a, _ in pairs]
    classes = np.stack([c for _, c in pairs], axis=1)
    sizes = tuple(a.size for a in axes)
    if len(classes) != int(np.prod(sizes, dtype=np.int64)) or len(np.unique(classes, axis=0)) != len(classes):
        return FolderDataset(axes, classes, paths, shape, str(folder), resolution)
    by_grid_row = np.empty(len(classes), dtype=np.int64)
    by_grid_row[np.ravel_multi_index(tuple(classes.T), sizes)] = np.arange(len(classes))
    channels = shape[2]
    return GridDataset("folder", axes, lambda rows: read_images([paths[by_grid_row[r]] for r in rows], channels),
                       shape, str(folder), resolution)
