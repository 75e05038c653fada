"""The generic scene: a DAG over factors, one mechanism per factor, and a renderer.

Every factor has one exogenous variable u ~ Uniform(0, 1); its mechanism maps
(parent values, u) to the factor's value, so a scene that keeps u can answer
interventional and counterfactual queries exactly. The built-in scenes are built
with `crl.scenes.custom` (`crl.scenes.build`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.scenes.factors import Factor, check_table
from crl.scenes.interventions import DoArrays, read_do
from crl.scenes.labels import make_labels
from crl.scenes.samples import Pairs, Sample

Mechanism = Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]
Renderer = Callable[[Mapping[str, np.ndarray], int], np.ndarray]

RENDER_CHUNK = 128  # images rendered per call, so float buffers stay small whatever n is
PAIR_MODES = ("noise", "intervention")


def check_resolution(resolution: Any) -> int:
    """Return `resolution` if it is a positive multiple of 16, else raise ValueError."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution <= 0 or resolution % 16:
        raise ValueError(f"resolution must be a positive multiple of 16 (e.g. 64), got {resolution!r}")
    return int(resolution)


def check_count(n: Any, argument: str = "n") -> int:
    """`n` as an int if it is a positive integer, else a ValueError naming `argument`."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"{argument} must be a positive integer, got {n!r}")
    return int(n)


def seeded_rng(seed: Any) -> np.random.Generator:
    """numpy's generator for `seed` (None: fresh entropy), or a ValueError naming the argument."""
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as error:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}") from error


def check_pair_options(k: Any, mode: Any, d: int, name: str, modes: tuple[str, ...]) -> int | None:
    """The fixed number of changed factors of `sample_pairs` (None for k="random"), after checking k, mode
    (one of `modes`) and that `name` has d >= 2 factors to change."""
    if mode not in modes:
        raise ValueError(f"mode must be one of {list(modes)}, got {mode!r}")
    if d < 2:
        raise ValueError(f"sample_pairs needs at least 2 factors that vary; {name!r} has {d}")
    if k == "random":
        return None
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= k <= d - 1:
        return int(k)
    raise ValueError(f"k must be an integer in 1..{d - 1} or 'random', got {k!r}")


class Scene:
    """A procedural scene with a known structural causal model over its factors.

    A scene is the ground truth a causal representation is judged against: it renders images
    from factor values and answers observational, interventional and counterfactual queries
    exactly, because it keeps each image's exogenous noise. Build one with `custom(...)` or
    `crl.scenes.load(name)`. Mechanism outputs are clipped to each factor's declared range
    (categorical ones rounded to a valid code), so every value a scene produces is in range.

    Parameters
    ----------
    name : str
        The scene's name (shown in messages, and keys caches such as the evaluation oracle's).
    graph : networkx.DiGraph
        The causal graph over factor names (acyclic).
    factors : Sequence[Factor]
        The factor declarations, one per graph node.
    mechanisms : Mapping[str, Mechanism]
        ``mechanisms[v](parents, u)``: v's values from a dict of parent value arrays and its noise u.
    render : Renderer
        ``render(values, resolution)``: uint8 images (N, res, res, 3) from a dict of factor arrays.
    resolution : int
        Image side in pixels.

    Attributes
    ----------
    graph : networkx.DiGraph
        The ground-truth graph.
    factors : list of Factor
        The factors in topological order (ties in declaration order); `factor_names` their names.
    """

    channels = 3

    def __init__(
        self,
        name: str,
        graph: nx.DiGraph,
        factors: Sequence[Factor],
        mechanisms: Mapping[str, Mechanism],
        render: Renderer,
        resolution: int,
    ) -> None:
        by_name = {factor.name: factor for factor in factors}
        declared = {name: i for i, name in enumerate(by_name)}
        order = list(nx.lexicographical_topological_sort(graph, key=declared.__getitem__))
        self.name = name
        self.graph = nx.DiGraph(graph)
        self.factor_names = order
        self.factors = [by_name[name] for name in order]
        self.resolution = resolution
        self._by_name = {factor.name: factor for factor in self.factors}
        self._index = {name: j for j, name in enumerate(order)}
        self._parents = {name: list(graph.predecessors(name)) for name in order}
        self._mechanisms = dict(mechanisms)
        self._render = render

    def __repr__(self) -> str:
        edges = ", ".join(f"{a}->{b}" for a, b in self.graph.edges)
        return f"Scene({self.name!r}, factors={self.factor_names}, edges=[{edges}], resolution={self.resolution})"

    # ----------------------------------------------------------------------------- core
    def _propagate(self, noise: np.ndarray, do: DoArrays | None = None) -> np.ndarray:
        """Factor values (n, d) from exogenous noise (n, d), under `do` (per-row values and shifts) if given."""
        n = len(noise)
        values = np.empty((n, len(self.factor_names)))
        for j, name in enumerate(self.factor_names):
            factor = self._by_name[name]
            parents = {p: values[:, self._index[p]] for p in self._parents[name]}
            raw = np.asarray(self._mechanisms[name](parents, noise[:, j]), dtype=np.float64)
            if raw.shape != (n,):
                raw = np.broadcast_to(raw, (n,)) if raw.ndim == 0 else raw
                if raw.shape != (n,):
                    raise ValueError(f"mechanism for {name!r} returned shape {raw.shape}, expected ({n},)")
            if do is not None:
                raw = raw + do.shift[:, j]
            column = factor.clip(raw)
            if do is not None:
                column = np.where(np.isnan(do.values[:, j]), column, do.values[:, j])
            values[:, j] = column
        return values

    def _table(self, values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, columns=self.factor_names)
        for factor in self.factors:
            if factor.is_categorical:
                frame[factor.name] = frame[factor.name].astype(np.int64)
        return frame

    def _render_values(self, values: np.ndarray) -> np.ndarray:
        size = self.resolution
        images = np.empty((len(values), size, size, self.channels), dtype=np.uint8)
        for start in range(0, len(values), RENDER_CHUNK):
            chunk = values[start : start + RENDER_CHUNK]
            named = {name: chunk[:, j] for j, name in enumerate(self.factor_names)}
            out = np.asarray(self._render(named, size))
            if out.shape != (len(chunk), size, size, self.channels) or out.dtype != np.uint8:
                raise ValueError(
                    f"renderer of scene {self.name!r} returned {out.dtype} {out.shape}, "
                    f"expected uint8 {(len(chunk), size, size, self.channels)}"
                )
            images[start : start + len(chunk)] = out
        return images

    def _sample_from_noise(self, noise: np.ndarray, do: DoArrays | None = None) -> Sample:
        values = self._propagate(noise, do)
        return Sample(self._render_values(values), self._table(values), pd.DataFrame(noise, columns=self.factor_names))

    # ----------------------------------------------------------------------------- public API
    def sample(self, n: int, seed: int = 0) -> Sample:
        """Draw observational samples: noise, the factor values it gives, and their images.

        Parameters
        ----------
        n : int
            Number of samples.
        seed : int
            Seeds the noise; the same seed gives the same sample.

        Returns
        -------
        Sample
            ``.images`` uint8 (n, H, W, 3), ``.factors`` and ``.noise`` DataFrames.
        """
        n = check_count(n)
        noise = seeded_rng(seed).random((n, len(self.factor_names)))
        return self._sample_from_noise(noise)

    def render(self, factors: pd.DataFrame) -> np.ndarray:
        """Images for given factor values, one per row: what the scene shows at any point of its factor space.

        Parameters
        ----------
        factors : pandas.DataFrame
            One column per factor, values in range.

        Returns
        -------
        numpy.ndarray
            uint8 images (N, H, W, 3).
        """
        values = check_table(factors, self._by_name, "factors")
        return self._render_values(values)

    def intervene(self, do: Mapping[str, Any], n: int, seed: int = 0) -> Sample:
        """Draw samples under an intervention: the ground truth of an interventional query.

        Descendants of the intervened factors are recomputed by their mechanisms; other factors
        keep their observational distribution.

        Parameters
        ----------
        do : Mapping[str, Any]
            Factor name -> a value (sets the factor; a category name or code for a categorical
            one), `scm.Shift(delta)` (adds ``delta`` to the mechanism's output, clipped to the
            range; continuous factors only) or `scm.Soft(distribution)` (each row a fresh draw,
            which must lie in the factor's range).
        n : int
            Number of samples.
        seed : int
            Seeds the noise (as in `sample`, so the same seed shares noise with it) and Soft draws.

        Returns
        -------
        Sample
        """
        n = check_count(n)
        rng = seeded_rng(seed)
        noise = rng.random((n, len(self.factor_names)))
        return self._sample_from_noise(noise, read_do(do, self.factors, n, rng))

    def counterfactual(self, sample: Sample, do: Mapping[str, Any], seed: int = 0) -> Sample:
        """The true counterfactual of each row of `sample`: its own noise, replayed under `do`.

        Descendants of the intervened factors are recomputed from the row's noise; every other
        factor keeps its value in `sample` exactly.

        Parameters
        ----------
        sample : Sample
            Rows from `sample` or `intervene` (their noise is what is replayed).
        do : Mapping[str, Any]
            As in `intervene`.
        seed : int
            Seeds the draws of Soft interventions (nothing else here is random).

        Returns
        -------
        Sample
            One counterfactual row per row of `sample`, with the same noise.
        """
        if not isinstance(sample, Sample):
            raise ValueError(
                f"sample must be a crl.scenes.Sample (from scene.sample or scene.intervene), got {type(sample).__name__}"
            )
        values = check_table(sample.factors, self._by_name, "sample.factors")
        if not set(self.factor_names) <= set(sample.noise.columns) or len(sample.noise) != len(values):
            raise ValueError(f"sample.noise must have one row per image and columns {self.factor_names}")
        noise = sample.noise[self.factor_names].to_numpy(dtype=np.float64)
        arrays = read_do(do, self.factors, len(values), seeded_rng(seed))
        affected = set(do)
        for name in do:
            affected |= nx.descendants(self.graph, name)
        keep = [self._index[name] for name in self.factor_names if name not in affected]
        arrays.values[:, keep] = values[:, keep]
        return self._sample_from_noise(noise, arrays)

    def sample_pairs(self, n: int, k: int | str = 1, seed: int = 0, mode: str = "noise") -> Pairs:
        """Image pairs that differ in a few variables: the weak supervision of pair-based learning.

        Descendants are recomputed; a resampled or intervened variable can land on its old value
        (likely only on gridded or categorical factors), so `changed` says what was touched, not
        what moved.

        Parameters
        ----------
        n : int
            Number of pairs.
        k : int or "random"
            How many variables each pair changes: an integer in 1..d-1, or "random" for a
            uniform draw from 1..d-1 per pair.
        seed : int
            Seeds everything drawn.
        mode : {"noise", "intervention"}
            "noise": x2 resamples k exogenous variables of x1 (Locatello et al. 2020).
            "intervention": x2 applies a perfect intervention on k factors, values drawn from
            their observational marginal, keeping x1's noise (Brehmer et al. 2022).

        Returns
        -------
        Pairs
        """
        n = check_count(n)
        ks = check_pair_options(k, mode, len(self.factor_names), self.name, PAIR_MODES)
        d = len(self.factor_names)
        rng = seeded_rng(seed)
        noise1 = rng.random((n, d))
        counts = rng.integers(1, d, size=n) if ks is None else np.full(n, ks)
        # the first counts[i] entries of a random permutation of the factors are the changed ones
        ranks = np.argsort(rng.random((n, d)), axis=1).argsort(axis=1)
        changed = ranks < counts[:, None]
        if mode == "noise":
            noise2 = np.where(changed, rng.random((n, d)), noise1)
            first, second = self._sample_from_noise(noise1), self._sample_from_noise(noise2)
        else:
            marginal = self._propagate(rng.random((n, d)))
            do = DoArrays(np.where(changed, marginal, np.nan), np.zeros((n, d)))
            first, second = self._sample_from_noise(noise1), self._sample_from_noise(noise1, do)
        return Pairs(first.images, second.images, first.factors, second.factors, pd.DataFrame(changed, columns=self.factor_names))

    def labels(
        self, sample: Sample | pd.DataFrame, n: int = 100, mode: str = "exact", seed: int = 0, **options: Any
    ) -> pd.DataFrame:
        """A few ground-truth labels for rows of `sample`: the supervision a user can afford.

        Parameters
        ----------
        sample : Sample or pandas.DataFrame
            The rows to label (a Sample, or its factor table).
        n : int
            How many rows get labels (chosen at random, without replacement).
        mode : {"exact", "binned", "noisy", "partial"}
            How imprecise the labels are; see `crl.scenes.labels.make_labels`.
        seed : int
            Seeds the choice of rows and the imprecision.
        **options
            ``bins``, ``noise_fraction``, ``observed_fraction``: see `make_labels`.

        Returns
        -------
        pandas.DataFrame
            One column per factor, indexed by row position in `sample`.
        """
        table = sample.factors if isinstance(sample, Sample) else sample
        check_table(table, self._by_name, "sample")
        return make_labels(table[self.factor_names], self.factors, n=n, mode=mode, seed=seed, **options)
