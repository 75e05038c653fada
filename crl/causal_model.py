"""`CausalModel`: an image encoder joined to a structural causal model over its concepts.

fit: train an encoder (weak supervision from pairs and/or few labels), name and calibrate
its concept latents from the labels, discover a graph over the concepts, fit a structural
equation per concept. Queries then act on the concepts and decode back to images:
`intervene` samples from the SCM under do(), `counterfactual` abducts each image's noise,
applies do(), predicts the descendants and keeps the image's nuisance latents.

Discovery route (`discovery="auto"`): with pairs, `scm.discover_from_pairs` on the encoded
pairs, because what changes together within a pair reveals ancestors and estimation error
in the latents cannot fake that; without pairs, PC (scale-invariant: learned latents carry
no meaningful scale, so variance-sorting methods such as NOTEARS/DAGMA are not a default).
Concepts whose own changes the pairs never show (`graph.graph["unseen"]`) get their edges
from PC on the concept table, bounded by the pairs (`scm.add_unseen_edges`). With fewer than two
measured concepts there is nothing to relate: the graph has no edges (`graph.graph["route"]` "none").
"""
from __future__ import annotations

import pickle
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

import networkx as nx
import numpy as np
import pandas as pd

from crl.concepts import (MIN_CONCEPT_FIT, MIN_LABELLED_ROWS, Concept, ConceptMap, concept_fit, read_through,
                          unmeasured_cause)
from encoders.objectives.supervision import infer_kind
from crl.model_io import check_labels, check_pairs, read_model_folder, write_model_folder
from crl.readback import concept_readback
from encoders.data import check_images
from encoders.refine import refine_decoder

WEAK_OBJECTIVES = ("group-vae", "ml-vae", "ada-gvae", "ada-ml-vae")
ORIENT_RULES = ("extension", "lingam", "error")
READBACK_IMAGES = 500  # training images the concept read-back check decodes and re-encodes
MIN_HELD_OUT = 10  # fewer held-out labelled rows than this measure nothing; the check is skipped


@dataclass(frozen=True)
class QueryResult:
    """Images (uint8, N x H x W x C) and the latent table they were decoded from."""

    images: np.ndarray
    latents: pd.DataFrame


class CausalModel:
    """Concepts from images, a causal graph over them, and queries that return images.

    Parameters (stored unchanged; `fit` does the work):
    encoder: an `encoders` objective name, or "auto" ("ada-gvae" with pairs, else "beta-vae").
    latent_dim: latent size (10, disentanglement_lib's default); must cover the labelled concepts.
    discovery: "auto" (pairs when given, else "pc"), "pairs", or any `scm.discover` method.
    mechanisms: structural equations per concept: "auto" (linear or MLP per node by held-out fit), "linear", "mlp".
    steps, batch_size, lr: encoder training (20,000 steps of batch 64 at lr 1e-4 by default).
    decoder_steps: steps refitting the decoder to the posterior means after training, so that
        queries, which decode means, move what their concepts say (`encoders.refine`); default
        None is half of `steps`, 0 turns it off.
    knowledge: background knowledge passed to discovery: {"required": [...], "forbidden": [...], "tiers": [[...], ...]}.
    orient: how undirected edges left by discovery are oriented before fitting the SCM:
        "extension" (a consistent DAG extension, with a warning naming the edges), "lingam"
        (DirectLiNGAM's causal order over the concepts), or "error".
    bootstrap: resamples of the observational method used to give each edge a stability
        frequency (0 turns it off); edges that only the observational method found (for concepts
        the pairs do not vary) are kept where it is at least 0.5 (`graph.graph["unstable"]`).
    include_nuisance: keep latents that no label names in the graph as `z<k>` concepts.
    keep_undecided: keep edges the pair route could not settle (a significant dependence explaining
        under 3% of the child's variance, or an untestable one); by default they are left out of
        the graph and the SCM and listed in `graph.graph["undecided"]`.
    supervise_labels: train the first latents on the labels (semi-supervision, default); when
        False the encoder never sees the labels and each label is matched to a latent by a probe.
    label_kinds: {"name": "categorical" | "continuous"} overriding the encoder's rule (integer
        columns with at most 20 values, category/bool/string dtypes are categorical).
    label_holdout: share of the labelled rows (default 0.2) kept from the encoder and the concept
        calibration, to measure how well each concept reads images whose labels it never saw
        (`graph.graph["concept_fit"]`, by `crl.concepts.concept_fit`: R^2 on absolute errors, or Cohen's
        kappa for a category). Concepts under 0.5 get no edges (`graph.graph["unmeasured"]`), as their
        estimates are mostly error; their fit on the rows the encoder trained on
        (`graph.graph["concept_fit_trained"]`) tells memorised labels from an unseen concept. The same rows
        find concepts read through others: readings that follow the labels of concepts that are not their
        ancestors in the discovered graph (`crl.concepts.read_through`); those get no edges either, and the
        graph is discovered again without them (`graph.graph["read_through"]`). 0 turns the checks off;
        they are skipped when they would hold out fewer than 10 rows, or leave a label column fewer than 5
        values to calibrate on (with a warning).
    """

    def __init__(
        self,
        encoder: str = "auto",
        latent_dim: int = 10,
        discovery: str = "auto",
        mechanisms: str = "auto",
        *,
        steps: int = 20_000,
        batch_size: int = 64,
        lr: float = 1e-4,
        decoder_steps: int | None = None,
        knowledge: Mapping[str, Any] | None = None,
        orient: str = "extension",
        bootstrap: int = 20,
        include_nuisance: bool = False,
        keep_undecided: bool = False,
        supervise_labels: bool = True,
        label_kinds: Mapping[str, str] | None = None,
        label_holdout: float = 0.2,
        encoder_options: Mapping[str, Any] | None = None,
        discovery_options: Mapping[str, Any] | None = None,
        device: str = "auto",
        seed: int = 0,
        checkpoint_dir: str | None = None,
        progress: bool = True,
    ):
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.discovery = discovery
        self.mechanisms = mechanisms
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.decoder_steps = decoder_steps
        self.knowledge = knowledge
        self.orient = orient
        self.bootstrap = bootstrap
        self.include_nuisance = include_nuisance
        self.keep_undecided = keep_undecided
        self.supervise_labels = supervise_labels
        self.label_kinds = label_kinds
        self.label_holdout = label_holdout
        self.encoder_options = encoder_options
        self.discovery_options = discovery_options
        self.device = device
        self.seed = seed
        self.checkpoint_dir = checkpoint_dir
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        images: np.ndarray,
        pairs: tuple[np.ndarray, np.ndarray] | None = None,
        labels: pd.DataFrame | None = None,
    ) -> "CausalModel":
        """Train the encoder, refit its decoder on posterior means, calibrate concepts, discover the graph, fit the SCM."""
        import encoders

        check_images(images, "images")
        if pairs is not None:
            check_pairs(pairs, images.shape[1:])
        if labels is not None:
            check_labels(labels, len(images))
        objective = self._objective(pairs)
        self._check_settings(objective, pairs, labels)
        labels, held_out = self._split_labels(labels)

        self.encoder_ = encoders.train(
            objective,
            images,
            pairs=pairs,
            labels=labels if self.supervise_labels else None,
            latent_dim=self.latent_dim,
            steps=self.steps,
            batch_size=self.batch_size,
            lr=self.lr,
            seed=self.seed,
            device=self.device,
            checkpoint_dir=self.checkpoint_dir,
            progress=self.progress,
            label_kinds=dict(self.label_kinds) if self.label_kinds and self.supervise_labels else None,
            **dict(self.encoder_options or {}),
        )
        latents = self.encoder_.encode(images)
        refine_decoder(self.encoder_, images, steps=self.steps // 2 if self.decoder_steps is None else self.decoder_steps,
                       batch_size=self.batch_size, lr=self.lr, seed=self.seed, progress=self.progress, means=latents)
        self.concepts_ = self._concept_map(latents, labels)
        table = self.concepts_.to_table(latents)
        concepts = table[self.concepts_.names]
        self.nuisance_ = table[self.concepts_.nuisance_names].to_numpy(dtype=np.float32)

        import scm

        fit, trained, unmeasured = self._measure_concepts(latents, labels, held_out)
        self.graph_ = self._discover(concepts.drop(columns=unmeasured), pairs)
        through = self._check_read_through(latents, labels, held_out, [n for n in fit if n not in unmeasured])
        left_out = [*unmeasured, *through]
        if through:  # their readings follow non-ancestors, which fakes edges: discover again without them
            self.graph_ = self._discover(concepts.drop(columns=left_out), pairs)
        self.graph_.add_nodes_from(left_out)
        if left_out and self.knowledge:  # what the user knows of the concepts left out still holds
            self.graph_ = scm.knowledge.impose_knowledge(self.graph_, **self.knowledge)
        self.graph_.graph.update(concept_fit={n: round(v, 3) for n, v in fit.items()},
                                 concept_fit_trained={n: round(v, 3) for n, v in trained.items()}, unmeasured=unmeasured,
                                 read_through=through)
        self.dag_ = self._orient(self.graph_, concepts)
        categorical = [c.name for c in self.concepts_.concepts if c.kind == "categorical"]
        self.scm_ = scm.SCM(
            self.dag_, mechanisms=self.mechanisms, seed=self.seed, device=self.device, discrete=categorical
        ).fit(concepts)
        self._check_readback(table)
        return self

    def _check_readback(self, table: pd.DataFrame) -> None:
        """Record on the graph how much of an asked change of each concept its decoded images carry
        (`crl.readback`), and warn about the concepts whose do() would barely change the images."""
        rows = np.random.default_rng(self.seed).permutation(len(table))[:READBACK_IMAGES]
        readback = concept_readback(self.encode, self.decode, table.iloc[rows].reset_index(drop=True), self.concepts_,
                                    seed=self.seed)
        self.graph_.graph["readback"] = dict(zip(readback["concept"], readback["carried"].round(3)))
        weak = readback.loc[~readback["queryable"], "concept"].tolist()
        if weak:
            warnings.warn(f"concepts {weak} carry under half of an asked change through decoding and re-encoding "
                          f"(read-back {[self.graph_.graph['readback'][c] for c in weak]}): do() on them alone barely "
                          "changes the images (the decoder draws them from other latents, as it does for a concept "
                          "its parents determine, or ignores them)", stacklevel=3)

    def _measure_concepts(self, latents: np.ndarray, labels: pd.DataFrame | None, held_out: pd.DataFrame | None
                          ) -> tuple[dict[str, float], dict[str, float], list[str]]:
        """Each concept's fit on the held-out labelled rows (coded as the training `labels` were) and on the
        labelled rows the encoder trained on (which tells memorised labels from an unseen concept), and the
        concepts below MIN_CONCEPT_FIT on held-out rows (warned about)."""
        if held_out is None:
            return {}, {}, []
        fit = concept_fit(self.concepts_, latents[held_out.index.to_numpy()], self._label_codes(held_out, labels),
                          min_rows=MIN_HELD_OUT)
        trained = concept_fit(self.concepts_, latents[labels.index.to_numpy()], self._label_codes(labels))
        unmeasured = [name for name, value in fit.items() if value < MIN_CONCEPT_FIT]  # NaN: too few rows to judge
        if unmeasured:
            causes = "; ".join(f"{name}: {unmeasured_cause(trained[name])}" for name in unmeasured)
            warnings.warn(f"concepts {unmeasured} read held-out labelled images poorly (fit "
                          f"{[round(fit[n], 2) for n in unmeasured]}; 1 exact, 0 chance): no edges are claimed for "
                          f"them. {causes}", stacklevel=3)
        return fit, trained, unmeasured

    def _check_read_through(self, latents: np.ndarray, labels: pd.DataFrame | None, held_out: pd.DataFrame | None,
                            names: list[str]) -> dict[str, dict[str, Any]]:
        """The concepts among `names` whose held-out readings follow other concepts that are not their ancestors
        in the graph just discovered (`crl.concepts.read_through`), warned about."""
        if held_out is None or len(names) < 2:
            return {}
        found = read_through(self.concepts_, latents[held_out.index.to_numpy()], self._label_codes(held_out, labels),
                             self.graph_, names)
        if found:
            described = "; ".join(f"{name} through {found[name]['through']} ({found[name]['share']:.0%} of its variance)"
                                  for name in found)
            warnings.warn(f"concepts {list(found)} are read partly through concepts that are not their causes: "
                          f"{described}. The encoder infers them from where those concepts sit instead of seeing "
                          "them, which would fake edges: no edges are claimed for them", stacklevel=3)
        return found

    def _split_labels(self, labels: pd.DataFrame | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        """(rows to train and calibrate on, held-out rows to measure the concepts on, or None)."""
        if labels is None or not self.label_holdout:
            return labels, None
        n_held = int(round(self.label_holdout * len(labels)))
        if n_held < MIN_HELD_OUT:
            return labels, None
        order = np.random.default_rng(self.seed).permutation(len(labels))
        train, held_out = labels.iloc[np.sort(order[n_held:])], labels.iloc[np.sort(order[:n_held])]
        short = [name for name in labels.columns if train[name].notna().sum() < MIN_LABELLED_ROWS]
        if short:  # sparse columns (partial labels): every labelled row is needed to calibrate them
            warnings.warn(f"label_holdout skipped: holding out {n_held} rows would leave labels column(s) {short} "
                          f"fewer than {MIN_LABELLED_ROWS} values; graph.graph['concept_fit'] stays empty", stacklevel=3)
            return labels, None
        return train, held_out

    def _objective(self, pairs) -> str:
        if self.encoder != "auto":
            return self.encoder
        return "ada-gvae" if pairs is not None else "beta-vae"

    def _check_settings(self, objective: str, pairs, labels) -> None:
        import encoders
        import scm

        if objective not in encoders.OBJECTIVES:
            raise ValueError(f"encoder must be 'auto' or one of {sorted(encoders.OBJECTIVES)}; got {objective!r}")
        if objective in WEAK_OBJECTIVES and pairs is None:
            raise ValueError(f"encoder {objective!r} learns from pairs; pass pairs=(x1, x2)")
        routes = {"auto", "pairs", *scm.METHODS}
        if self.discovery not in routes:
            raise ValueError(f"discovery must be one of {sorted(routes)}; got {self.discovery!r}")
        if self.discovery == "pairs" and pairs is None:
            raise ValueError("discovery='pairs' needs pairs=(x1, x2)")
        if self.orient not in ORIENT_RULES:
            raise ValueError(f"orient must be one of {ORIENT_RULES}; got {self.orient!r}")
        n_labels = 0 if labels is None else labels.shape[1]
        if not isinstance(self.latent_dim, int) or self.latent_dim < max(1, n_labels):
            raise ValueError(f"latent_dim must be an integer >= max(1, number of label columns = {n_labels}); got {self.latent_dim!r}")
        if not (isinstance(self.label_holdout, (int, float)) and 0 <= self.label_holdout < 1):
            raise ValueError(f"label_holdout must be a share in [0, 1); got {self.label_holdout!r}")
        if self.decoder_steps is not None and (not isinstance(self.decoder_steps, int) or self.decoder_steps < 0):
            raise ValueError(f"decoder_steps must be None (half of steps) or an integer >= 0; got {self.decoder_steps!r}")

    def _label_kinds(self, labels: pd.DataFrame) -> dict[str, str]:
        """Each label's kind: as the encoder decided when it trained on labels, else by the encoder's rule."""
        kinds = {name: infer_kind(labels[name]) for name in labels.columns}
        kinds.update(self.label_kinds or {})
        spec = self.encoder_.config["labels"]
        if spec:
            kinds.update(zip(spec["names"], spec["kinds"]))
        return kinds

    def _label_categories(self, labels: pd.DataFrame, reference: pd.DataFrame | None = None) -> dict[str, list]:
        """Each label's categories in code order: the encoder's when it has them, else the sorted categories
        of `reference` (default: `labels` itself)."""
        reference = labels if reference is None else reference
        categories = {name: sorted(reference[name].dropna().unique()) for name in labels.columns}
        spec = self.encoder_.config["labels"]
        if spec:
            categories.update(zip(spec["names"], spec["categories"]))
        return categories

    def _label_codes(self, labels: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.DataFrame:
        """Labels with categorical columns as codes 0..K-1 (in `_label_categories` order)."""
        kinds = self._label_kinds(labels)
        categories = self._label_categories(labels, reference)
        codes = labels.copy()
        for name in labels.columns:
            if kinds[name] == "categorical":
                index = {str(c): i for i, c in enumerate(categories[name])}  # the encoder stores categories as text
                codes[name] = labels[name].map(lambda v: index.get(str(v), np.nan)).astype(float)
        return codes

    def _concept_map(self, latents: np.ndarray, labels: pd.DataFrame | None) -> ConceptMap:
        if labels is None:
            return ConceptMap.unnamed(latents)
        named = ConceptMap.fit(latents, self._label_codes(labels), supervised=list(self.encoder_.label_names),
                               kinds=self._label_kinds(labels))
        categories = self._label_categories(labels)
        named = ConceptMap([replace(c, categories=tuple(map(str, categories[c.name]))) if c.kind == "categorical" else c
                            for c in named.concepts], named.latent_dim)
        if not self.include_nuisance:
            return named
        extra = [
            Concept(f"z{k}", k, "continuous", low=float(latents[:, k].min()), high=float(latents[:, k].max()))
            for k in named.nuisance_dims
        ]
        return ConceptMap(named.concepts + extra, latents.shape[1])

    # ------------------------------------------------------------ discovery
    def _discover(self, concepts: pd.DataFrame, pairs) -> nx.DiGraph:
        import scm

        route = self.discovery
        if concepts.shape[1] < 2:  # at most one measured concept: no edge to discover, by any route
            graph = nx.DiGraph()
            graph.add_nodes_from(concepts.columns)
            graph.graph["route"] = "none"
            return graph
        if route == "auto":
            route = "pairs" if pairs is not None else "pc"
        options = dict(self.discovery_options or {})
        knowledge = _knowledge_among(self.knowledge or {}, list(concepts.columns))
        observational_method = "pc" if route == "pairs" else route
        if route == "pairs":
            before = self.concepts_.to_table(self.encoder_.encode(pairs[0]))[concepts.columns]
            after = self.concepts_.to_table(self.encoder_.encode(pairs[1]))[concepts.columns]
            graph = scm.discover_from_pairs(before, after, **options)
            if not self.keep_undecided:  # still listed in graph.graph["undecided"]
                graph.remove_edges_from([e for e in graph.edges if graph.edges[e].get("undecided")])
            # concepts the pairs never vary: their edges from the observational method, bounded by the pairs
            graph = scm.add_unseen_edges(graph, concepts, observational_method, seed=self.seed, **knowledge)
            graph = scm.knowledge.impose_knowledge(graph, **knowledge)
        else:
            graph = scm.discover(concepts, method=route, seed=self.seed, **knowledge, **options)
            for u, v in graph.edges:
                graph.edges[u, v].setdefault("confidence", np.nan)
        if self.bootstrap:
            stability = scm.bootstrap(concepts, observational_method, n=self.bootstrap, seed=self.seed, **knowledge)
            _annotate_stability(graph, stability.frequencies)
            # edges that only the observational method vouches for (unseen concepts) stay where most
            # resamples find them too: scm.bootstrap's consensus threshold
            unstable = [e for e in graph.edges if graph.edges[e].get("source") == "observational"
                        and graph.edges[e]["bootstrap_frequency"] < 0.5]
            graph.remove_edges_from(unstable)
            graph.graph["unstable"] = unstable
        graph.graph["route"] = route
        return graph

    def _orient(self, graph: nx.DiGraph, concepts: pd.DataFrame) -> nx.DiGraph:
        import scm

        undirected = scm.graph.undirected_edges(graph)
        if not undirected:
            return graph.copy()
        if self.orient == "error":
            raise ValueError(f"discovery left undirected edges {undirected}; pass orient='extension' or 'lingam', or add knowledge")
        if self.orient == "lingam":
            order = list(scm.discover(concepts, method="lingam", seed=self.seed).graph["causal_order"])
            rank = {name: i for i, name in enumerate(order)}
            dag = graph.copy()
            for u, v in undirected:
                first, second = (u, v) if rank[u] < rank[v] else (v, u)
                dag.remove_edge(second, first)
                dag.edges[first, second]["undirected"] = False
                dag.edges[first, second]["oriented_by"] = "lingam"
            return dag
        warnings.warn(
            f"discovery left undirected edges {undirected}; the SCM uses one consistent DAG extension of them "
            "(orient='extension'). Pass orient='lingam', tiers in knowledge, or pairs to orient them on evidence.",
            stacklevel=3,
        )
        return scm.graph.to_dag(graph, seed=self.seed)

    # ---------------------------------------------------------------- state
    @property
    def graph(self) -> nx.DiGraph:
        """The discovered graph over concepts (undirected edges marked; edge `confidence`)."""
        self._check_fitted()
        return self.graph_

    @property
    def concept_names(self) -> list[str]:
        self._check_fitted()
        return self.concepts_.names

    @property
    def resolution(self) -> int:
        self._check_fitted()
        return self.encoder_.resolution

    def _check_fitted(self) -> None:
        if not hasattr(self, "scm_"):
            raise RuntimeError("this CausalModel is not fitted yet; call fit(images, pairs=..., labels=...) first")

    # -------------------------------------------------------------- mapping
    def encode(self, images: np.ndarray) -> pd.DataFrame:
        """Latent table of images: concepts in label units, then nuisance latents `z<k>`."""
        self._check_fitted()
        return self.concepts_.to_table(self.encoder_.encode(images))  # the encoder checks dtype and shape

    def decode(self, latents: pd.DataFrame) -> np.ndarray:
        """Images (uint8) from a latent table with every concept and nuisance column."""
        self._check_fitted()
        return self.encoder_.decode(self.concepts_.to_latents(latents))

    # -------------------------------------------------------------- queries
    def sample(self, n: int, seed: int | None = None, nuisance_from: np.ndarray | None = None) -> QueryResult:
        """Observational samples: concepts from the SCM; nuisance latents resampled from the training
        images, or held from `nuisance_from` (n uint8 images, one per sample)."""
        self._check_fitted()
        nuisance = self._nuisance_of(nuisance_from, n)
        return self._render(self.scm_.sample(n, seed=seed), seed, nuisance)

    def intervene(self, do: Mapping[str, Any], n: int, seed: int | None = None, strict: bool = False,
                  nuisance_from: np.ndarray | None = None) -> QueryResult:
        """Samples under do(): hard values in label units (for a categorical concept, a category name or its
        code), ("shift", delta), or ("soft", distribution).
        Nuisance latents (what no label names: style, background) are resampled from the training
        images, or held from `nuisance_from` (n uint8 images, one per sample)."""
        self._check_fitted()
        do = self._resolve_do(do, strict)
        nuisance = self._nuisance_of(nuisance_from, n)
        return self._render(self.scm_.intervene(do, n, seed=seed), seed, nuisance)

    def counterfactual(self, images: np.ndarray, do: Mapping[str, Any], strict: bool = False) -> QueryResult:
        """What each image would look like under do(): abduction, action, prediction; nuisance kept."""
        self._check_fitted()
        do = self._resolve_do(do, strict)
        table = self.encode(images)
        names = self.concepts_.names
        changed = self.scm_.counterfactual(table[names], do)
        table = table.copy()
        table[names] = changed[names].to_numpy()
        return QueryResult(self.decode(table), table)

    def _nuisance_of(self, images: np.ndarray | None, n: int) -> np.ndarray | None:
        """The nuisance latents of `images` (checked: one image per sample), or None when not given."""
        if images is None:
            return None
        if len(images) != n:
            raise ValueError(f"nuisance_from must hold one image per sample: n={n}, got {len(images)} images")
        return self.encode(images)[self.concepts_.nuisance_names].to_numpy()

    def _render(self, concepts: pd.DataFrame, seed: int | None, nuisance: np.ndarray | None = None) -> QueryResult:
        table = concepts[self.concepts_.names].reset_index(drop=True)
        if self.nuisance_.shape[1]:
            if nuisance is None:
                rows = np.random.default_rng(seed).integers(0, len(self.nuisance_), size=len(table))
                nuisance = self.nuisance_[rows]
            table = pd.concat([table, pd.DataFrame(nuisance, columns=self.concepts_.nuisance_names)], axis=1)
        return QueryResult(self.decode(table), table)

    def _resolve_do(self, do: Mapping[str, Any], strict: bool) -> dict[str, Any]:
        """`do` checked (known concepts, finite values in the observed range; `strict` refuses values
        outside it), with category names replaced by their class codes."""
        if not isinstance(do, Mapping) or not do:
            raise ValueError(f"do must be a non-empty dict of concept -> value; got {do!r}")
        unknown = [name for name in do if name not in self.concepts_.names]
        if unknown:
            raise ValueError(f"do names unknown concepts {unknown}; the model's concepts are {self.concepts_.names}")
        unmeasured = [name for name in do if name in self.graph_.graph.get("unmeasured", [])]
        if unmeasured:
            warnings.warn(f"do() sets {unmeasured}, which the encoder reads poorly (graph.graph['concept_fit']); the "
                          "model claims no effects of them, and their decoded images may not show the value",
                          stacklevel=3)
        inferred = [name for name in do if name in self.graph_.graph.get("read_through", {})]
        if inferred:
            warnings.warn(f"do() sets {inferred}, which the encoder infers from other concepts "
                          "(graph.graph['read_through']); the model claims no effects of them", stacklevel=3)
        resolved = dict(do)
        for name, value in do.items():
            if isinstance(value, tuple):
                continue
            concept = self.concepts_[name]
            value = resolved[name] = concept.code_of(value)
            values = np.atleast_1d(np.asarray(value, dtype=float))
            if np.any(~np.isfinite(values)):
                raise ValueError(f"do[{name!r}] must be finite; got {value!r}")
            outside = (values < concept.low) | (values > concept.high)
            if outside.any():
                message = (
                    f"do[{name!r}] = {value!r} lies outside the range seen in training "
                    f"[{concept.low:.4g}, {concept.high:.4g}]; the decoder has not seen such images"
                )
                if strict:
                    raise ValueError(message)
                warnings.warn(message, stacklevel=3)
        return resolved

    # ----------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """Write the model to one folder (encoder weights, JSON config/concepts/graphs, SCM), atomically."""
        self._check_fitted()
        write_model_folder(
            path,
            params=self.get_params(),
            encoder=self.encoder_,
            concepts=self.concepts_.to_dict(),
            graphs={"graph": self.graph_, "dag": self.dag_},
            arrays={"nuisance": self.nuisance_},
            scm_bytes=pickle.dumps(self.scm_),
        )

    @classmethod
    def load(cls, path: str | Path, device: str = "auto") -> "CausalModel":
        """Load a folder written by `save`; a folder that is not a CausalModel raises ValueError."""
        stored = read_model_folder(path, device=device)
        model = cls(**{**stored["params"], "device": device})
        model.encoder_ = stored["encoder"]
        model.concepts_ = ConceptMap.from_dict(stored["concepts"])
        model.graph_ = stored["graphs"]["graph"]
        model.dag_ = stored["graphs"]["dag"]
        model.nuisance_ = stored["arrays"]["nuisance"]
        model.scm_ = pickle.loads(stored["scm_bytes"])
        return model

    def get_params(self) -> dict:
        """Constructor arguments, as stored (sklearn convention)."""
        names = [
            "encoder", "latent_dim", "discovery", "mechanisms", "steps", "batch_size", "lr", "decoder_steps", "knowledge", "orient",
            "bootstrap", "include_nuisance", "keep_undecided", "supervise_labels", "label_kinds", "label_holdout", "encoder_options",
            "discovery_options", "device", "seed",
            "checkpoint_dir", "progress",
        ]
        return {name: getattr(self, name) for name in names}


def _knowledge_among(knowledge: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """Background knowledge restricted to the edges and tier members among `names`."""
    known = set(names)
    out: dict[str, Any] = {}
    for key in ("required", "forbidden"):
        if knowledge.get(key) is not None:
            out[key] = [(u, v) for u, v in knowledge[key] if u in known and v in known]
    if knowledge.get("tiers") is not None:
        out["tiers"] = [[n for n in tier if n in known] for tier in knowledge["tiers"]]
    return out


def _annotate_stability(graph: nx.DiGraph, frequencies: pd.DataFrame) -> None:
    """Copy bootstrap frequencies onto edges as `bootstrap_frequency`, and as `confidence` on edges
    that have none (those an observational method found)."""
    lookup = {(row.u, row.v): row for row in frequencies.itertuples(index=False)}
    for u, v in graph.edges:
        row = lookup.get((u, v)) or lookup.get((v, u))
        frequency = float(row.adjacency) if row is not None else 0.0
        graph.edges[u, v]["bootstrap_frequency"] = frequency
        if np.isnan(graph.edges[u, v].get("confidence", np.nan)):
            graph.edges[u, v]["confidence"] = frequency
