"""The generic scene: a DAG over factors, one mechanism per factor, and a renderer.

Every factor has one exogenous variable u ~ Uniform(0, 1); its mechanism maps
(parent values, u) to the factor's value, so a scene that keeps u can answer
interventional and counterfactual queries exactly. The built-in scenes are built
with `custom`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from crl.scenes.factors import Factor, check_names, check_table
from crl.scenes.labels import make_labels

Mechanism = Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]
Renderer = Callable[[Mapping[str, np.ndarray], int], np.ndarray]

RENDER_CHUNK = 128  # images rendered per call: float buffers stay ~6 MB (cache-friendly) whatever n is
PAIR_MODES = ("noise", "intervention")


@dataclass
class Sample:
    """Images with the factor values that made them and the exogenous noise behind those values."""

    images: np.ndarray
    factors: pd.DataFrame
    noise: pd.DataFrame

    def __len__(self) -> int:
        return len(self.images)


@dataclass
class Pairs:
    """Weakly supervised image pairs; `changed` marks, per pair, which variables were resampled or intervened on."""

    x1: np.ndarray
    x2: np.ndarray
    factors1: pd.DataFrame
    factors2: pd.DataFrame
    changed: pd.DataFrame

    def __len__(self) -> int:
        return len(self.x1)

    def subset(self, rows: np.ndarray) -> "Pairs":
        """The pairs at `rows` (a boolean mask over the pairs, or positions), renumbered from 0."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (len(self),):
                raise ValueError(f"rows: expected a boolean mask of shape ({len(self)},), got {rows.shape}")
            rows = np.flatnonzero(rows)
        return Pairs(self.x1[rows], self.x2[rows], *(t.iloc[rows].reset_index(drop=True)
                                                      for t in (self.factors1, self.factors2, self.changed)))


def check_resolution(resolution: Any) -> int:
    """Return `resolution` if it is a positive multiple of 16, else raise ValueError."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution <= 0 or resolution % 16:
        raise ValueError(f"resolution must be a positive multiple of 16 (e.g. 64), got {resolution!r}")
    return int(resolution)


def _check_count(n: Any, argument: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"{argument} must be a positive integer, got {n!r}")
    return int(n)


class Scene:
    """A procedural scene with a known structural causal model over its factors.

    Build one with `custom(...)` or `crl.scenes.load(name)`. Mechanism outputs are clipped to
    each factor's declared range (categorical ones rounded to a valid code), so every value a
    scene produces is in range.
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
    def _propagate(self, noise: np.ndarray, do: np.ndarray | None = None, shift: np.ndarray | None = None) -> np.ndarray:
        """Factor values (n, d) from exogenous noise (n, d); `do` holds per-row hard values (NaN = none), `shift` additive ones."""
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
            if shift is not None:
                raw = raw + shift[:, j]
            column = factor.clip(raw)
            if do is not None:
                column = np.where(np.isnan(do[:, j]), column, do[:, j])
            values[:, j] = column
        return values

    def _table(self, values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, columns=self.factor_names)
        for factor in self.factors:
            if factor.is_categorical:
                frame[factor.name] = frame[factor.name].astype(np.int64)
        return frame

    def _noise_table(self, noise: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(noise, columns=self.factor_names)

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

    def _sample_from_noise(self, noise: np.ndarray, do: np.ndarray | None = None, shift: np.ndarray | None = None) -> Sample:
        values = self._propagate(noise, do, shift)
        return Sample(self._render_values(values), self._table(values), self._noise_table(noise))

    def _parse_interventions(self, interventions: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Turn {name: value | ("shift", delta)} into per-row `do` and `shift` arrays, checking names and ranges."""
        if not isinstance(interventions, Mapping) or not interventions:
            raise ValueError(f"interventions must be a non-empty dict {{factor: value}}, got {interventions!r}")
        check_names(list(interventions), self._by_name, "interventions")
        d = len(self.factor_names)
        do = np.full((n, d), np.nan)
        shift = np.zeros((n, d))
        for name, value in interventions.items():
            factor = self._by_name[name]
            j = self._index[name]
            if isinstance(value, tuple):
                if len(value) != 2 or value[0] != "shift":
                    raise ValueError(f"interventions[{name!r}]: expected a value or ('shift', delta), got {value!r}")
                if factor.is_categorical:
                    raise ValueError(f"interventions[{name!r}]: a shift needs a continuous factor; {name!r} is categorical")
                delta = float(value[1])
                if not np.isfinite(delta):
                    raise ValueError(f"interventions[{name!r}]: shift must be finite, got {value[1]!r}")
                shift[:, j] = delta
            else:
                do[:, j] = factor.coerce(value)
        return do, shift

    # ----------------------------------------------------------------------------- public API
    def sample(self, n: int, seed: int = 0) -> Sample:
        """Draw n observational samples: noise, factor values and rendered images (reproducible for a seed)."""
        n = _check_count(n)
        noise = np.random.default_rng(seed).random((n, len(self.factor_names)))
        return self._sample_from_noise(noise)

    def render(self, factors: pd.DataFrame) -> np.ndarray:
        """Render uint8 images (N, H, W, 3) for given factor values (one row per image)."""
        values = check_table(factors, self._by_name, "factors")
        return self._render_values(values)

    def intervene(self, interventions: Mapping[str, Any], n: int, seed: int = 0) -> Sample:
        """Sample n images under do(): a value sets a factor (hard); ("shift", delta) adds delta to its mechanism's output.

        Shifted values are clipped to the factor's range; descendants are recomputed.
        """
        n = _check_count(n)
        do, shift = self._parse_interventions(interventions, n)
        noise = np.random.default_rng(seed).random((n, len(self.factor_names)))
        return self._sample_from_noise(noise, do, shift)

    def counterfactual(self, sample: Sample, interventions: Mapping[str, Any]) -> Sample:
        """The true counterfactual of each row of `sample`: same noise, do() applied, descendants recomputed.

        Factors that are not descendants of an intervened factor keep their values in `sample` exactly.
        """
        if not isinstance(sample, Sample):
            raise ValueError(f"sample must be a crl.scenes.Sample (from scene.sample or scene.intervene), got {type(sample).__name__}")
        values = check_table(sample.factors, self._by_name, "sample.factors")
        if not set(self.factor_names) <= set(sample.noise.columns) or len(sample.noise) != len(values):
            raise ValueError(f"sample.noise must have one row per image and columns {self.factor_names}")
        noise = sample.noise[self.factor_names].to_numpy(dtype=np.float64)
        do, shift = self._parse_interventions(interventions, len(values))
        affected = set(interventions)
        for name in interventions:
            affected |= nx.descendants(self.graph, name)
        keep = [self._index[name] for name in self.factor_names if name not in affected]
        do[:, keep] = values[:, keep]
        return self._sample_from_noise(noise, do, shift)

    def sample_pairs(self, n: int, k: int | str = 1, seed: int = 0, mode: str = "noise") -> Pairs:
        """Pairs for weak supervision. mode "noise": x2 resamples k exogenous variables of x1 (Locatello et al. 2020);
        mode "intervention": x2 applies a perfect intervention on k factors, values drawn from their observational
        marginal, keeping x1's noise (Brehmer et al. 2022). k="random" draws k uniformly from 1..n_factors-1 per pair.
        Descendants are recomputed; a resampled or intervened variable can land on its old value (likely only on
        gridded or categorical factors), so `changed` says what was touched, not what moved.
        """
        n = _check_count(n)
        d = len(self.factor_names)
        if mode not in PAIR_MODES:
            raise ValueError(f"mode must be one of {list(PAIR_MODES)}, got {mode!r}")
        if d < 2:
            raise ValueError(f"sample_pairs needs a scene with at least 2 factors; {self.name!r} has {d}")
        if k == "random":
            ks = None
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= k <= d - 1:
            ks = int(k)
        else:
            raise ValueError(f"k must be an integer in 1..{d - 1} or 'random', got {k!r}")
        rng = np.random.default_rng(seed)
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
            do = np.where(changed, marginal, np.nan)
            first, second = self._sample_from_noise(noise1), self._sample_from_noise(noise1, do)
        return Pairs(first.images, second.images, first.factors, second.factors, pd.DataFrame(changed, columns=self.factor_names))

    def labels(self, sample: Sample | pd.DataFrame, n: int = 100, mode: str = "exact", seed: int = 0, **options: Any) -> pd.DataFrame:
        """A few ground-truth labels for rows of `sample` (DataFrame indexed by row position); see `make_labels` for modes."""
        table = sample.factors if isinstance(sample, Sample) else sample
        check_table(table, self._by_name, "sample")
        return make_labels(table[self.factor_names], self.factors, n=n, mode=mode, seed=seed, **options)


def custom(
    graph: nx.DiGraph,
    mechanisms: Mapping[str, Mechanism],
    render: Renderer,
    factors: Sequence[Factor],
    name: str = "custom",
    resolution: int = 64,
) -> Scene:
    """Build a scene from a DAG over factor names, one mechanism per factor and a renderer.

    `mechanisms[v](parents, u)` maps a dict of parent value arrays and v's exogenous u ~ U(0,1) (an array) to v's
    values; `render(values, resolution)` maps a dict of factor value arrays to uint8 images (N, res, res, 3).
    """
    resolution = check_resolution(resolution)
    if not isinstance(graph, nx.DiGraph):
        raise ValueError(f"graph must be a networkx.DiGraph, got {type(graph).__name__}")
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        path = " -> ".join(str(edge[0]) for edge in cycle) + f" -> {cycle[0][0]}"
        raise ValueError(f"graph must be acyclic; it has the cycle {path}")
    factors = list(factors)
    if not all(isinstance(f, Factor) for f in factors):
        raise ValueError("factors must be a list of crl.scenes.Factor")
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise ValueError(f"factors: duplicate names in {names}")
    if set(names) != set(graph.nodes):
        raise ValueError(f"factors {sorted(names)} and graph nodes {sorted(map(str, graph.nodes))} must be the same names")
    missing = [v for v in names if v not in mechanisms or not callable(mechanisms[v])]
    if missing:
        raise ValueError(f"mechanisms: no callable mechanism for factor(s) {missing}")
    extra = [v for v in mechanisms if v not in graph.nodes]
    if extra:
        raise ValueError(f"mechanisms: unknown factor(s) {extra}; valid names are {names}")
    if not callable(render):
        raise ValueError("render must be a callable render(values, resolution) -> uint8 images")
    return Scene(name, graph, factors, mechanisms, render, resolution)
