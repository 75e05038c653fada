"""`CausalModel`: an image encoder joined to a structural causal model over its concepts.

`fit` runs the stages of `crl.pipeline` in order: train an encoder (weak supervision from pairs and/or a few
labels), encode every image once, name and calibrate its concept latents from the labels and measure them on
held-out labelled rows, discover a graph over the concepts, orient it, fit a structural equation per concept, and
check that the decoder renders each concept. Queries then act on the concepts and decode back to images:
`intervene` samples from the SCM under do(), `counterfactual` abducts each image's noise, applies do(), predicts the
descendants and keeps the image's nuisance latents and, where the picture stays, its residual (`crl.residual`).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crl import pipeline, residual
from crl.exceptions import NotFittedError
from crl.model_io import check_labels, check_pairs, check_settings, read_model_folder, write_model_folder
from crl.notes import ModelNotes, model_notes_of
from crl.protocols import EncoderLike
from crl.queries import QueryResult, resolve_do, support_of
from crl.thresholds import LABEL_HOLDOUT
from encoders.data import check_images
from encoders.refine import refine_decoder


class CausalModel(BaseEstimator):
    """Concepts from images, a causal graph over them, and queries that return images.

    Parameters are stored unchanged; `fit` does the work (scikit-learn's estimator contract, so
    `get_params`, `set_params` and `sklearn.base.clone` work, and use before `fit` raises
    `crl.exceptions.NotFittedError`).

    Parameters
    ----------
    encoder : str
        An `encoders` objective name, or "auto" ("ada-gvae" with pairs, else "beta-vae").
    latent_dim : int
        Latent size (10, disentanglement_lib's default); must cover the labelled concepts.
    discovery : str
        "auto" (pairs when given, else "pc"), "pairs", or any `scm.discover` method.
    mechanisms : str
        Structural equations per concept: "auto" (linear or MLP per node by held-out fit), "linear", "mlp".
    steps : int or "auto"
        Encoder training steps. "auto": 20,000 on a GPU; on a CPU what fits ten minutes with the decoder refit
        at the speed of the first steps (600 to 20,000; `encoders.budget`). Pass an int to repeat a run exactly.
    time_budget : float, optional
        Seconds for encoder training and decoder refit: the steps are cut to what fits. A run the first steps show
        will take over half an hour is warned about. The steps chosen are `steps_` and the notes' ``training``.
    batch_size, lr : int, float
        Encoder training's batch (64) and Adam's learning rate (1e-4), as in disentanglement_lib.
    decoder_steps : int, optional
        Steps refitting the decoder to the posterior means after training, so that queries, which decode
        means, move what their concepts say (`encoders.refine`); None is half of `steps`, 0 turns it off.
    readback_weight : float
        Weight of the refit's read-back term: the decoder is also asked to draw each concept set alone to
        another image's value so that the encoder reads it back (`encoders.refine`); 0 turns it off.
    knowledge : dict, optional
        Background knowledge for discovery: {"required": [...], "forbidden": [...], "tiers": [[...], ...]}.
    orient : str
        How undirected edges left by discovery are oriented before fitting the SCM: "extension" (a
        consistent DAG extension, with a warning naming the edges), "lingam" (DirectLiNGAM's causal order
        over the concepts), or "error".
    bootstrap : int
        Resamples of the observational method that give each edge its ``bootstrap_frequency`` (0 turns it
        off); edges only the observational method found (for concepts the pairs do not vary) stay where it
        is at least `crl.thresholds.MIN_BOOTSTRAP_ADJACENCY` (else the notes' ``unstable``).
    include_nuisance : bool
        Keep latents that no label names in the graph as ``z<k>`` concepts.
    keep_undecided : bool
        Keep edges the pair route could not settle (a significant dependence explaining little of the
        child's variance, or an untestable one); by default they are left out of graph and SCM and listed
        in the notes' ``undecided``.
    supervise_labels : bool
        Train the first latents on the labels (semi-supervision, default); when False the encoder never
        sees the labels and each label is matched to a latent by a probe.
    label_kinds : dict, optional
        {"name": "categorical" | "continuous"} overriding the encoder's rule for the labels' kinds.
    label_holdout : float
        Share of the labelled rows kept from the encoder and the calibration to measure how well each
        concept reads images whose labels it never saw (the notes' ``concept_fit``). Concepts under
        `crl.thresholds.MIN_CONCEPT_FIT` get no edges (``unmeasured``): their estimates are mostly error.
        The same rows find concepts read through others (``read_through``), which get no edges either;
        the graph is discovered again without them. 0 turns the checks off; they are skipped when they
        would hold out too few rows, or leave a label column too few values to calibrate on.
    encoder_options, discovery_options : dict, optional
        Passed to `encoders.train` and to the discovery method.
    device : str
        "auto" (a GPU when there is one), "cpu", "cuda".
    seed : int
        Seed of every random step.
    checkpoint_dir : str, optional
        Where encoder training checkpoints (every `checkpoint_every` steps, at its end and on Ctrl-C) and resumes.
    checkpoint_every : int
        Steps between checkpoints.
    progress : bool
        Show progress bars.

    Attributes
    ----------
    encoder_ : encoders.Encoder (or the user's encoder)
    concepts_ : ConceptMap
    graph_ : networkx.DiGraph
        The discovered graph; ``graph.graph["notes"]`` a `crl.notes.ModelNotes` (read with `model_notes_of`).
    dag_ : networkx.DiGraph
        `graph_` with every edge oriented: what the SCM follows.
    scm_ : scm.SCM
    nuisance_ : ndarray
        Nuisance latents of the training images, resampled by the queries.
    """

    def __init__(self, encoder: str = "auto", latent_dim: int = 10, discovery: str = "auto", mechanisms: str = "auto", *,
                 steps: int | str = "auto", time_budget: float | None = None, batch_size: int = 64, lr: float = 1e-4,
                 decoder_steps: int | None = None, readback_weight: float = 0.0,
                 knowledge: Mapping[str, Any] | None = None, orient: str = "extension",
                 bootstrap: int = 20, include_nuisance: bool = False, keep_undecided: bool = False,
                 supervise_labels: bool = True, label_kinds: Mapping[str, str] | None = None,
                 label_holdout: float = LABEL_HOLDOUT, encoder_options: Mapping[str, Any] | None = None,
                 discovery_options: Mapping[str, Any] | None = None, device: str = "auto", seed: int = 0,
                 checkpoint_dir: str | None = None, checkpoint_every: int = 1000, progress: bool = True):
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.discovery = discovery
        self.mechanisms = mechanisms
        self.steps = steps
        self.time_budget = time_budget
        self.batch_size = batch_size
        self.lr = lr
        self.decoder_steps = decoder_steps
        self.readback_weight = readback_weight
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
        self.checkpoint_every = checkpoint_every
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def fit(self, images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None = None,
            labels: pd.DataFrame | None = None, resume: bool | str = "auto") -> CausalModel:
        """Learn the encoder, the concepts, the graph and the structural equations from images.

        Parameters
        ----------
        images : ndarray
            uint8 (N, H, W, C).
        pairs : tuple of ndarray, optional
            (x1, x2): images that differ in a few factors, for weak supervision and the pair route.
        labels : DataFrame, optional
            A few labelled images: one column per concept, indexed by image row.
        resume : bool or "auto"
            With `checkpoint_dir`: "auto" continues a checkpoint of this data and config, True requires one, False
            starts afresh; the result is the uninterrupted run's (`encoders.train`).

        Returns
        -------
        CausalModel
            self, fitted.
        """
        check_images(images, "images")
        if pairs is not None:
            check_pairs(pairs, images.shape[1:])
        if labels is not None:
            labels = check_labels(labels, len(images))
        objective = self.encoder if self.encoder != "auto" else "ada-gvae" if pairs is not None else "beta-vae"
        check_settings(self.get_params(), objective, pairs, labels)

        split = pipeline.split_labels(labels, self.label_holdout, self.seed)
        supervised = split if self.supervise_labels else pipeline.LabelSplit(None, None)
        encoder = pipeline.train_encoder(objective, images, pairs=pairs, labels=supervised.train,
                                         validation=supervised.held_out, label_kinds=self.label_kinds, resume=resume,
                                         **pipeline.training_settings(self.get_params()))
        encoded = pipeline.encode(encoder, images, pairs)
        training = pipeline.training_notes(encoder)
        calibrated = pipeline.calibrate(encoder, encoded, split, label_kinds=self.label_kinds,
                                        include_nuisance=self.include_nuisance)
        refine_decoder(encoder, images, steps=training["decoder_steps"], batch_size=self.batch_size, lr=self.lr,
                       seed=self.seed, progress=self.progress, means=encoded.images,
                       readback_dims=[c.dim for c in calibrated.concepts.concepts], readback_weight=self.readback_weight)
        graph = pipeline.discover(calibrated, knowledge=self.knowledge, discovery=self.discovery,
                                  bootstrap=self.bootstrap, keep_undecided=self.keep_undecided,
                                  options=self.discovery_options, seed=self.seed)
        dag = pipeline.orient(graph, calibrated.concept_table, self.orient, self.seed)
        categorical = [c.name for c in calibrated.concepts.concepts if c.kind == "categorical"]
        mechanisms = pipeline.fit_mechanisms(dag, calibrated.concept_table, mechanisms=self.mechanisms,
                                             categorical=categorical, seed=self.seed, device=self.device)
        readback = pipeline.check_readback(encoder, calibrated, seed=self.seed)
        graph.graph["notes"] = ModelNotes.extending(model_notes_of(graph), readback=readback, training=training)
        return self._set_fitted(encoder, calibrated, graph, dag, mechanisms)

    @classmethod
    def from_stages(cls, encoder: EncoderLike, calibrated: pipeline.Calibrated, graph: nx.DiGraph, mechanisms: Any,
                    dag: nx.DiGraph | None = None, **params: Any) -> CausalModel:
        """A fitted model assembled from stages the caller ran (or replaced) one by one.

        Parameters
        ----------
        encoder : EncoderLike
            With ``encode(images) -> latents`` and ``decode(latents) -> images`` (`crl.protocols.EncoderLike`).
        calibrated : crl.pipeline.Calibrated
            `crl.pipeline.calibrate`'s result for that encoder.
        graph : networkx.DiGraph
            The graph over the concepts (from `crl.pipeline.discover`, or the user's own).
        mechanisms : scm.SCM
            Fitted on ``calibrated.concept_table`` along `dag` (`crl.pipeline.fit_mechanisms`).
        dag : networkx.DiGraph, optional
            The oriented graph the mechanisms follow; default `graph` (which must then be a DAG).
        **params
            Constructor arguments to record (`get_params`, `save`).

        Returns
        -------
        CausalModel
        """
        dag = graph if dag is None else dag
        missing = [name for name in calibrated.concepts.names if name not in dag]
        if missing:
            raise ValueError(f"dag must have a node for every concept; missing {missing}")
        return cls(**params)._set_fitted(encoder, calibrated, graph, dag, mechanisms)

    def _set_fitted(self, encoder: EncoderLike, calibrated: pipeline.Calibrated, graph: nx.DiGraph, dag: nx.DiGraph,
                    mechanisms: Any) -> CausalModel:
        self.encoder_, self.concepts_, self.graph_, self.dag_, self.scm_ = encoder, calibrated.concepts, graph, dag, mechanisms
        self.nuisance_ = calibrated.table[calibrated.concepts.nuisance_names].to_numpy(dtype=np.float32)
        return self

    # ---------------------------------------------------------------- state
    @property
    def graph(self) -> nx.DiGraph:
        """The discovered graph over concepts (undirected edges marked; edge ``confidence``; notes)."""
        self._check_fitted()
        return self.graph_

    @property
    def notes(self) -> ModelNotes:
        """What discovery and the concept checks learned about `graph` (`crl.notes.ModelNotes`)."""
        self._check_fitted()
        return model_notes_of(self.graph_)

    @property
    def steps_(self) -> int | None:
        """The steps the encoder trained in `fit` ("auto" and `time_budget` settled; None for a user's encoder)."""
        return self.notes.training.get("steps")

    @property
    def concept_names(self) -> list[str]:
        """The concepts' names: the labels' where labels named them, else ``z<k>``."""
        self._check_fitted()
        return self.concepts_.names

    @property
    def resolution(self) -> int:
        """The encoder's image size."""
        self._check_fitted()
        return self.encoder_.resolution

    def _check_fitted(self) -> None:
        if not hasattr(self, "scm_"):
            raise NotFittedError("this CausalModel is not fitted yet; call fit(images, pairs=..., labels=...) first")

    # -------------------------------------------------------------- mapping
    def encode(self, images: np.ndarray) -> pd.DataFrame:
        """Latent table of images: concepts in label units, then nuisance latents ``z<k>``."""
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
        """Samples under do().

        Parameters
        ----------
        do : dict
            Concept -> a hard value in label units (for a categorical concept, a category name or its code;
            one value, or one per sample), ``crl.Shift(delta)`` (the concept's equation plus delta) or
            ``crl.Soft(distribution)`` (its equation replaced by fresh draws).
        n : int
            Samples.
        seed : int, optional
        strict : bool
            Refuse hard values outside the range seen in training (else a warning).
        nuisance_from : ndarray, optional
            n uint8 images whose nuisance latents (what no label names: style, background) the samples
            keep; by default they are resampled from the training images.

        Returns
        -------
        QueryResult
            ``in_support``: per sample, whether do() stays where the training data was (`crl.queries.support_of`).
        """
        self._check_fitted()
        do = resolve_do(do, self.concepts_, model_notes_of(self.graph_), strict)
        nuisance = self._nuisance_of(nuisance_from, n)
        rows = self.scm_.intervene(do, n, seed=seed)
        return self._render(rows, seed, nuisance, support_of(self.scm_, rows, do))

    def counterfactual(self, images: np.ndarray, do: Mapping[str, Any], strict: bool = False,
                       keep_residual: bool = True) -> QueryResult:
        """What each image would look like under do(): abduction, action, prediction; nuisance kept.

        Parameters
        ----------
        images : ndarray
            uint8 (N, H, W, C).
        do : dict
            As for `intervene`.
        strict : bool
            Refuse hard values outside the range seen in training.
        keep_residual : bool
            Add each image's residual back where the picture stays (`crl.residual`); False decodes the latents alone.

        Returns
        -------
        QueryResult
            ``in_support``: per image, whether do() stays where the training data was (`crl.queries.support_of`).
        """
        self._check_fitted()
        do = resolve_do(do, self.concepts_, model_notes_of(self.graph_), strict)
        table = self.encode(images)
        names = self.concepts_.names
        counterfactual = table.copy()
        counterfactual[names] = self.scm_.counterfactual(table[names], do)[names].to_numpy()
        decoded = self.decode(counterfactual)
        if keep_residual:
            decoded = residual.keep_residual(images, self.decode(table), decoded)
        return QueryResult(decoded, counterfactual, support_of(self.scm_, counterfactual[names], do))

    def _nuisance_of(self, images: np.ndarray | None, n: int) -> np.ndarray | None:
        """The nuisance latents of `images` (checked: one image per sample), or None when not given."""
        if images is None:
            return None
        if len(check_images(images, "nuisance_from")) != n:
            raise ValueError(f"nuisance_from must hold one image per sample: n={n}, got {len(images)} images")
        return self.encode(images)[self.concepts_.nuisance_names].to_numpy()

    def _render(self, concepts: pd.DataFrame, seed: int | None, nuisance: np.ndarray | None = None,
                in_support: np.ndarray | None = None) -> QueryResult:
        table = concepts[self.concepts_.names].reset_index(drop=True)
        if self.nuisance_.shape[1]:
            if nuisance is None:
                rows = np.random.default_rng(seed).integers(0, len(self.nuisance_), size=len(table))
                nuisance = self.nuisance_[rows]
            table = pd.concat([table, pd.DataFrame(nuisance, columns=self.concepts_.nuisance_names)], axis=1)
        return QueryResult(self.decode(table), table, in_support)

    # ----------------------------------------------------------- persistence
    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the model to folder `path` as JSON and safetensors, whole or not at all (`crl.model_io`).

        Parameters
        ----------
        path : str or Path
            A CausalModel saved there before is replaced; a file, or a folder with any file no saved model wrote,
            is refused and left untouched.
        overwrite : bool
            Also replace another kind of saved model, or a CausalModel saved by an older crl.
        """
        self._check_fitted()
        write_model_folder(path, self, overwrite)

    @classmethod
    def load(cls, path: str | Path, device: str = "auto") -> CausalModel:
        """Load a folder written by `save` onto `device` ("auto", "cpu", "cuda"); loading runs no stored code.

        A `crl.exceptions.ModelFileError` (a ValueError) names the file, the field and the remedy when the folder
        holds no saved CausalModel, a damaged file or one copied in from another model, or an older crl's pickle
        (refused: crl never unpickles).
        """
        stored = read_model_folder(path, device=device, params_of=cls)
        model = cls(**{**stored["params"], "device": device})
        model.encoder_, model.concepts_, model.scm_ = stored["encoder"], stored["concepts"], stored["scm"]
        model.graph_, model.dag_, model.nuisance_ = stored["graph"], stored["dag"], stored["nuisance"]
        return model
