"""A data set whose images cover a full grid of independent factors, one image per combination.

dSprites, Shapes3D and MPI3D are such grids, stored in C order (the last factor varies fastest), and
a folder of images whose factors form a full grid is one too. `GridDataset` gives them the protocol
of a crl scene (`crl.protocols.SceneLike`): drawing a grid point uniformly makes the factors
independent, so the graph has no edges, an intervention sets a factor and leaves the others' uniform
draws alone, and the true counterfactual of do(factor=v) for an image is the grid image with that one
factor changed and every other one kept. Images are read from the file by index when asked for.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.datasets.axes import GridAxis, do_classes, grid_table, table_classes
from crl.datasets.images import downscale, target_resolution
from crl.datasets.pairs import PAIR_MODES, pair_classes
from crl.scenes.factors import check_table
from crl.scenes.labels import make_labels
from crl.scenes.samples import Pairs
from crl.scenes.scene import check_count, check_pair_options, seeded_rng

READ_CHUNK = 1024  # images read (and downscaled) per step, so buffers stay small whatever n is
QUANTILES = (0.25, 0.5, 0.75)  # where in a continuous factor's range `default_interventions` sets it

Reader = Callable[[np.ndarray], np.ndarray]


@dataclass
class GridSample:
    """Images of a grid data set with their factor values and their rows in the file.

    Attributes
    ----------
    images : numpy.ndarray
        uint8 images (N, H, W, C).
    factors : pandas.DataFrame
        One column per factor of the file, in its order, under its authors' names: the published
        value of a continuous factor, the class code of a categorical one.
    index : numpy.ndarray
        Each image's row in the file (its position on the grid, in C order).
    """

    images: np.ndarray
    factors: pd.DataFrame
    index: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


class GridDataset:
    """A grid of images over independent factors, with the protocol of a crl scene.

    Build one with `crl.datasets.load`.

    Parameters
    ----------
    name : str
        The data set's name ("dsprites", "shapes3d", "mpi3d_real", "folder", ...).
    axes : Sequence[GridAxis]
        The factors in the file's order (the last varies fastest), one-valued ones included.
    read : callable
        ``read(rows)``: uint8 images (n, H, W, C) at file rows ``rows`` (any order, repeats allowed).
    image_shape : tuple of int
        (H, W, C) of a stored image.
    source : str
        The file or folder the images come from (shown in messages).
    resolution : int, optional
        Serve images at this side, a multiple of 16 that divides the stored side (block averages).

    Attributes
    ----------
    factors : list of Factor
        The factors that vary (one-valued columns are left out), in the file's order.
    graph : networkx.DiGraph
        Their graph: no edges, the factors of a full grid drawn uniformly are independent.
    grid : dict
        Every column's values by class (codes 0..K-1 for a categorical factor).
    """

    def __init__(self, name: str, axes: Sequence[GridAxis], read: Reader, image_shape: tuple[int, ...],
                 source: str, resolution: int | None = None) -> None:
        self.name = name
        self.source = source
        self._axes = list(axes)
        self._sizes = np.array([a.size for a in self._axes], dtype=np.int64)
        self._varying = np.array([i for i, a in enumerate(self._axes) if a.factor is not None], dtype=np.int64)
        self.factors = [a.factor for a in self._axes if a.factor is not None]
        self.factor_names = [f.name for f in self.factors]
        self._by_name = {f.name: f for f in self.factors}
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.factor_names)
        self.grid = {a.name: a.values.copy() for a in self._axes}
        self.resolution = target_resolution(resolution, image_shape, repr(source))
        self.channels = int(image_shape[2])
        self._read = read

    def __repr__(self) -> str:
        sizes = ", ".join(f"{a.name}={a.size}" for a in self._axes)
        return (f"GridDataset({self.name!r}, {sizes}, images {self.resolution}x{self.resolution}x{self.channels}, "
                f"from {self.source!r})")

    def __len__(self) -> int:
        return int(np.prod(self._sizes))

    @property
    def factor_sizes(self) -> dict[str, int]:
        """How many values each column of the file takes, in the file's order (one-valued ones included)."""
        return {a.name: a.size for a in self._axes}

    # ----------------------------------------------------------------------------- core
    def _images(self, classes: np.ndarray) -> np.ndarray:
        rows = np.ravel_multi_index(tuple(classes.T), tuple(self._sizes))
        out = np.empty((len(rows), self.resolution, self.resolution, self.channels), dtype=np.uint8)
        for start in range(0, len(rows), READ_CHUNK):
            out[start:start + READ_CHUNK] = downscale(self._read(rows[start:start + READ_CHUNK]), self.resolution)
        return out

    def _sample(self, classes: np.ndarray) -> GridSample:
        rows = np.ravel_multi_index(tuple(classes.T), tuple(self._sizes))
        return GridSample(self._images(classes), grid_table(classes, self._axes), rows)

    def _uniform(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self._sizes, size=(n, len(self._sizes)))

    # ----------------------------------------------------------------------------- public API
    def sample(self, n: int, seed: int = 0) -> GridSample:
        """``n`` images drawn uniformly from the grid (with replacement), with their factors.

        Parameters
        ----------
        n : int
            Number of images.
        seed : int
            Seeds the draw; the same seed gives the same images.

        Returns
        -------
        GridSample
        """
        return self._sample(self._uniform(check_count(n), seeded_rng(seed)))

    def render(self, factors: pd.DataFrame) -> np.ndarray:
        """The image of each row's grid point: each value in range is read as its nearest grid value.

        The grid has no image between its points, so a value between two is shown at the nearer one
        (a categorical code is exact). Use `counterfactual` or `intervene` for a query whose answer
        must be exact: they refuse values off the grid.

        Parameters
        ----------
        factors : pandas.DataFrame
            One column per factor (one-valued columns may be left out).

        Returns
        -------
        numpy.ndarray
            uint8 images (N, H, W, C).
        """
        return self._images(table_classes(factors, self._axes, "factors", exact=False))

    def intervene(self, do: Mapping[str, Any], n: int, seed: int = 0) -> GridSample:
        """``n`` images under do(): the named factors set to grid values, the others drawn uniformly.

        Parameters
        ----------
        do : Mapping[str, Any]
            Factor name -> a value on its grid (a category name or code for a categorical factor).
        n : int
            Number of images.
        seed : int
            Seeds the draw of the other factors (as in `sample`).

        Returns
        -------
        GridSample
        """
        n = check_count(n)
        setting = do_classes(do, self._axes)
        classes = self._uniform(n, seeded_rng(seed))
        for position, value in setting.items():
            classes[:, position] = value
        return self._sample(classes)

    def counterfactual(self, sample: Any, do: Mapping[str, Any], seed: int = 0) -> GridSample:
        """The true counterfactual of each row of `sample`: its grid image with the named factors set.

        Parameters
        ----------
        sample : GridSample, any object with ``.factors``, or a DataFrame
            Rows whose factor values lie on the grid.
        do : Mapping[str, Any]
            As in `intervene`.
        seed : int
            Unused (nothing here is random); taken so calls written for scenes work unchanged.

        Returns
        -------
        GridSample
            One row per row of `sample`.
        """
        table = sample if isinstance(sample, pd.DataFrame) else getattr(sample, "factors", sample)
        argument = "sample" if isinstance(sample, pd.DataFrame) else "sample.factors"
        setting = do_classes(do, self._axes)
        classes = table_classes(table, self._axes, argument, exact=True)
        for position, value in setting.items():
            classes[:, position] = value
        return self._sample(classes)

    def sample_pairs(self, n: int, k: int | str = 1, seed: int = 0, mode: str = "noise") -> Pairs:
        """Image pairs that differ in a few factors: the weak supervision of Locatello et al. (2020).

        Parameters
        ----------
        n : int
            Number of pairs.
        k : int or "random"
            Factors changed per pair: an integer in 1..d-1, or "random" for a draw from 1..d-1 per pair.
        seed : int
            Seeds everything drawn.
        mode : {"noise", "disentanglement_lib"}
            "noise": exactly k factors move, each to one of its other values. "disentanglement_lib":
            that library's rule as its code has it (1 or k factors, new values may repeat the old).
            See `crl.datasets.pairs`.

        Returns
        -------
        crl.scenes.Pairs
            ``x1``, ``x2``, their factor tables, and ``changed`` (one column per varying factor).
        """
        n = check_count(n)
        k_fixed = check_pair_options(k, mode, len(self.factors), self.name, PAIR_MODES)
        rng = seeded_rng(seed)
        first = self._uniform(n, rng)
        second = first.copy()
        varying, changed = pair_classes(first[:, self._varying], self._sizes[self._varying], k_fixed, mode, rng)
        second[:, self._varying] = varying
        one, two = self._sample(first), self._sample(second)
        return Pairs(one.images, two.images, one.factors, two.factors, pd.DataFrame(changed, columns=self.factor_names))

    def labels(self, sample: Any, n: int = 100, mode: str = "exact", seed: int = 0, **options: Any) -> pd.DataFrame:
        """A few ground-truth labels for rows of `sample`: see `crl.scenes.labels.make_labels`.

        Parameters
        ----------
        sample : GridSample or pandas.DataFrame
            The rows to label (a sample, or its factor table).
        n : int
            How many rows get labels.
        mode : {"exact", "binned", "noisy", "partial"}
            How imprecise the labels are.
        seed : int
            Seeds the choice of rows and the imprecision.
        **options
            ``bins``, ``noise_fraction``, ``observed_fraction``.

        Returns
        -------
        pandas.DataFrame
            One column per varying factor, indexed by row position in `sample`.
        """
        table = sample if isinstance(sample, pd.DataFrame) else getattr(sample, "factors", sample)
        check_table(table, self._by_name, "sample")
        return make_labels(table[self.factor_names], self.factors, n=n, mode=mode, seed=seed, **options)

    def default_interventions(self) -> list[dict[str, Any]]:
        """Single-factor interventions for `crl.evaluate`, all on the grid.

        Each categorical factor at each of its codes, each continuous one at the grid values nearest
        25%, 50% and 75% of its range (the points `crl.evaluate` uses on a scene, moved onto the grid).

        Returns
        -------
        list of dict
        """
        out: list[dict[str, Any]] = []
        for grid_axis in self._axes:
            factor = grid_axis.factor
            if factor is None:
                continue
            if grid_axis.categories is not None:
                out += [{factor.name: code} for code in range(grid_axis.size)]
                continue
            targets = [factor.low + q * (factor.high - factor.low) for q in QUANTILES]
            chosen = [float(grid_axis.values[np.abs(grid_axis.values - t).argmin()]) for t in targets]
            out += [{factor.name: value} for value in dict.fromkeys(chosen)]
        return out
