"""The stages of `CausalModel.fit`, one public function each, over typed records.

```
images, pairs, labels
  -> split_labels      LabelSplit   (labelled rows to train on, rows held out to measure concepts)
  -> train_encoder     encoder      (any object with encode/decode; `encoders.train` by default)
  -> encode            Encoded      (latents of the images and of both images of each pair: once)
  -> calibrate         Calibrated   (ConceptMap, concept tables, held-out checks: concept_fit, unmeasured)
  -> discover          graph        (networkx.DiGraph; ModelNotes: route, read-through, left out, ...)
  -> orient            dag
  -> fit_mechanisms    scm.SCM
  -> check_readback    {concept: share of an asked change its decoded images carry}
```

Each stage takes what the stages before it returned, so a user can run them one by one and swap
any of them: their own encoder object, their own graph (`fit_mechanisms(my_dag, calibrated.table)`),
and assemble the result with `CausalModel.from_stages`.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.concepts import Concept, ConceptMap, concept_fit, read_through, unmeasured_cause
from crl.discovery import discover_concepts, orient
from crl.label_edges import refute_edges
from crl.labels import LabelSplit, encoder_label_spec, label_categories, label_codes, label_kinds, split_labels
from crl.notes import ModelNotes, model_notes_of
from crl.protocols import EncoderLike
from crl.readback import concept_readback
from crl.thresholds import MIN_CONCEPT_FIT, MIN_HELD_OUT, READBACK_IMAGES

if TYPE_CHECKING:
    from encoders.model import Encoder

__all__ = ["LabelSplit", "Encoded", "HeldOut", "ConceptChecks", "Calibrated", "split_labels", "train_encoder",
           "training_settings", "training_notes", "encode", "calibrate", "measure_concepts", "discover",
           "check_read_through", "orient", "fit_mechanisms", "check_readback"]


@dataclass(frozen=True)
class Encoded:
    """Latents (N, latent_dim) of the training images and of the two images of each pair (None without pairs)."""

    images: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class HeldOut:
    """The held-out labelled rows: their label codes (categories as 0..K-1, rows = image rows) and latents."""

    codes: pd.DataFrame
    latents: np.ndarray


@dataclass(frozen=True)
class ConceptChecks:
    """How well each concept reads held-out labelled images (`fit`) and the ones the encoder trained on
    (`fit_trained`), and the concepts under `crl.thresholds.MIN_CONCEPT_FIT` (`unmeasured`)."""

    fit: dict[str, float] = field(default_factory=dict)
    fit_trained: dict[str, float] = field(default_factory=dict)
    unmeasured: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Calibrated:
    """The encoded data in concept units.

    Attributes
    ----------
    concepts : ConceptMap
        Which latent is which concept, and its calibration to label units.
    table : DataFrame
        The training images: concepts (label units), then nuisance latents ``z<k>``.
    pairs : tuple of DataFrame or None
        The concepts of the two images of each pair.
    held_out : HeldOut or None
        The held-out labelled rows, for the checks that need labels.
    checks : ConceptChecks
        The held-out measurements (empty without held-out rows).
    labels : DataFrame or None
        Every labelled row's values (trained on and held out; categories as codes), rows = image rows:
        values known without the encoder's error, which check the discovered edges (`crl.label_edges`).
    """

    concepts: ConceptMap
    table: pd.DataFrame
    pairs: tuple[pd.DataFrame, pd.DataFrame] | None = None
    held_out: HeldOut | None = None
    checks: ConceptChecks = field(default_factory=ConceptChecks)
    labels: pd.DataFrame | None = None

    @property
    def concept_table(self) -> pd.DataFrame:
        """The concept columns of `table`: what discovery and the structural equations see."""
        return self.table[self.concepts.names]


def train_encoder(objective: str, images: np.ndarray, *, pairs: tuple[np.ndarray, np.ndarray] | None = None,
                  labels: pd.DataFrame | None = None, validation: pd.DataFrame | None = None,
                  label_kinds: Mapping[str, str] | None = None, **settings: Any) -> Encoder:
    """Train an `encoders` encoder on the images (weakly supervised by pairs, semi-supervised by labels).

    Parameters
    ----------
    objective : str
        An `encoders.OBJECTIVES` name.
    images : ndarray
        uint8 (N, H, W, C).
    pairs : tuple of ndarray, optional
        (x1, x2) for the weakly-supervised objectives.
    labels : DataFrame, optional
        Labelled rows to train the first latents on (None: the encoder never sees labels).
    validation : DataFrame, optional
        Labelled rows held out (`LabelSplit.held_out`): training ends with the networks that read them best
        (`encoders.selection`), so that a long training does not trade the concepts for memorised labels.
    label_kinds : dict, optional
        {"name": "categorical" | "continuous"} overriding the encoder's rule.
    **settings
        `encoders.train`'s settings (`training_settings`): latent_dim, steps, batch_size, checkpoint_dir, resume, ...

    Returns
    -------
    encoders.Encoder
    """
    import encoders

    return encoders.train(objective, images, pairs=pairs, labels=labels,
                          validation=validation if labels is not None else None,
                          label_kinds=dict(label_kinds) if label_kinds and labels is not None else None, **settings)


def training_settings(params: Mapping[str, Any]) -> dict[str, Any]:
    """`encoders.train`'s settings from a CausalModel's parameters (`get_params()`); `encoder_options` win.

    Parameters
    ----------
    params : dict
        The model's constructor arguments.

    Returns
    -------
    dict
        latent_dim, steps, time_budget, batch_size, lr, seed, device, checkpoint_dir, checkpoint_every, progress,
        and refit_steps (the decoder refit the fit runs next, which the time estimate counts).
    """
    names = ("latent_dim", "steps", "time_budget", "batch_size", "lr", "seed", "device", "checkpoint_dir",
             "checkpoint_every", "progress")
    refit = "half" if params["decoder_steps"] is None else params["decoder_steps"]
    return {**{name: params[name] for name in names}, "refit_steps": refit, **dict(params["encoder_options"] or {})}


def training_notes(encoder: Encoder) -> dict[str, Any]:
    """What `ModelNotes.training` records of a trained encoder's `plan`: steps, how chosen, measured speed."""
    plan = encoder.plan
    if plan is None:
        return {}
    return {"steps": plan.steps, "rule": plan.rule, "seconds_per_step": plan.seconds_per_step,
            "decoder_steps": plan.refit_steps, "estimated_seconds": plan.estimated_seconds,
            "selected_step": encoder.config.get("selected_step")}


def encode(encoder: EncoderLike, images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None = None) -> Encoded:
    """Encode the training images and both images of each pair, once: every later stage reads these latents.

    Parameters
    ----------
    encoder : EncoderLike
        Anything with ``encode(images) -> ndarray (N, latent_dim)`` (`crl.protocols.EncoderLike`).
    images : ndarray
        uint8 (N, H, W, C).
    pairs : tuple of ndarray, optional
        (x1, x2).

    Returns
    -------
    Encoded
    """
    encoded_pairs = None if pairs is None else (encoder.encode(pairs[0]), encoder.encode(pairs[1]))
    return Encoded(np.asarray(encoder.encode(images)), encoded_pairs)


def calibrate(encoder: EncoderLike, encoded: Encoded, labels: LabelSplit | None = None, *,
              label_kinds: Mapping[str, str] | None = None, include_nuisance: bool = False) -> Calibrated:
    """Name the latents after the labels, calibrate them to label units and measure them on held-out rows.

    Parameters
    ----------
    encoder : EncoderLike
        The encoder; an `encoders` encoder that trained on labels fixes which latent is which concept
        and the labels' kinds and categories.
    encoded : Encoded
        The stage before.
    labels : LabelSplit, optional
        Labelled rows (`split_labels`); without labels every latent is a concept ``z<k>`` in latent units.
    label_kinds : dict, optional
        {"name": "categorical" | "continuous"} overriding the encoder's rule.
    include_nuisance : bool
        Keep latents no label names as concepts ``z<k>``.

    Returns
    -------
    Calibrated
    """
    labels = LabelSplit(None, None) if labels is None else labels
    spec = encoder_label_spec(encoder)
    concepts = _name_concepts(encoded.images, labels.train, spec, label_kinds, include_nuisance)
    pairs = None if encoded.pairs is None else tuple(concepts.to_table(p)[concepts.names] for p in encoded.pairs)
    held_out, checks = None, ConceptChecks()
    known = None if labels.train is None else label_codes(labels.train, spec, label_kinds)
    if labels.held_out is not None:
        codes = label_codes(labels.held_out, spec, label_kinds, reference=labels.train)
        held_out = HeldOut(codes, encoded.images[codes.index.to_numpy()])
        checks = measure_concepts(concepts, encoded.images, known, codes)
        known = pd.concat([known, codes])
    return Calibrated(concepts, concepts.to_table(encoded.images), pairs, held_out, checks, known)


def _name_concepts(latents: np.ndarray, labels: pd.DataFrame | None, spec: Mapping[str, Any] | None,
                   overrides: Mapping[str, str] | None, include_nuisance: bool) -> ConceptMap:
    """The concept map: every latent unnamed without labels; else the labelled concepts (categories named),
    and with `include_nuisance` the other latents as `z<k>`."""
    if labels is None:
        return ConceptMap.unnamed(latents)
    named = ConceptMap.fit(latents, label_codes(labels, spec, overrides), supervised=list(spec["names"]) if spec else [],
                           kinds=label_kinds(labels, spec, overrides))
    categories = label_categories(labels, spec)
    named = ConceptMap([replace(c, categories=tuple(map(str, categories[c.name]))) if c.kind == "categorical" else c
                        for c in named.concepts], named.latent_dim)
    if not include_nuisance:
        return named
    extra = [Concept(f"z{k}", k, "continuous", low=float(latents[:, k].min()), high=float(latents[:, k].max()))
             for k in named.nuisance_dims]
    return ConceptMap(named.concepts + extra, latents.shape[1])


def measure_concepts(concepts: ConceptMap, latents: np.ndarray, trained: pd.DataFrame,
                     held_out: pd.DataFrame) -> ConceptChecks:
    """Each concept's fit on held-out labelled rows and on the labelled rows the encoder trained on, and the
    concepts below `crl.thresholds.MIN_CONCEPT_FIT` on held-out rows (warned about, with the likely cause).

    Parameters
    ----------
    concepts : ConceptMap
        The calibrated concepts.
    latents : ndarray
        Latents of all training images; label rows index into them.
    trained, held_out : DataFrame
        Label codes of the rows the encoder trained on and of the held-out rows.

    Returns
    -------
    ConceptChecks
        A concept with too few held-out values to judge (NaN fit) is not called unmeasured.
    """
    fit = concept_fit(concepts, latents[held_out.index.to_numpy()], held_out, min_rows=MIN_HELD_OUT)
    fit_trained = concept_fit(concepts, latents[trained.index.to_numpy()], trained)
    unmeasured = [name for name, value in fit.items() if value < MIN_CONCEPT_FIT]
    if unmeasured:
        causes = "; ".join(f"{name}: {unmeasured_cause(fit_trained[name])}" for name in unmeasured)
        warnings.warn(f"concepts {unmeasured} read held-out labelled images poorly (fit "
                      f"{[round(fit[n], 2) for n in unmeasured]}; 1 exact, 0 chance): no edges are claimed for "
                      f"them. {causes}", stacklevel=3)
    return ConceptChecks(fit, fit_trained, unmeasured)


def discover(calibrated: Calibrated, *, knowledge: Mapping[str, Any] | None = None, **settings: Any) -> nx.DiGraph:
    """The graph over the concepts: discovered over the measured ones, again without those read through others.

    Parameters
    ----------
    calibrated : Calibrated
        The stage before; unmeasured concepts are left out of discovery.
    knowledge : dict, optional
        {"required", "forbidden", "tiers"}: used in discovery, and imposed again on the concepts left out.
    **settings
        `crl.discovery.discover_concepts`'s: discovery, bootstrap, keep_undecided, options, seed.

    Returns
    -------
    networkx.DiGraph
        Every concept a node; ``graph.graph["notes"]`` a `ModelNotes` with discovery's notes, the concept
        checks, the concepts left out (``left_out``, with reasons) as nodes without edges, and the edges the
        labelled rows refuted (``refuted``, `crl.label_edges`), taken out.
    """
    import scm

    concepts, checks = calibrated.concept_table, calibrated.checks
    graph = discover_concepts(concepts.drop(columns=checks.unmeasured), calibrated.pairs, knowledge=knowledge, **settings)
    through = check_read_through(calibrated, graph, [n for n in checks.fit if n not in checks.unmeasured])
    left_out = [*checks.unmeasured, *through]
    if through:  # their readings follow non-ancestors, which fakes edges: discover again without them
        graph = discover_concepts(concepts.drop(columns=left_out), calibrated.pairs, knowledge=knowledge, **settings)
    graph.add_nodes_from(left_out)
    if left_out and knowledge:  # what the user knows of the concepts left out still holds
        graph = scm.knowledge.impose_knowledge(graph, **knowledge)
    refuted = refute_edges(graph, calibrated.labels, knowledge)
    notes = model_notes_of(graph)
    reasons = {name: f"reads held-out labelled images poorly (concept fit {checks.fit[name]:.2f})"
               for name in checks.unmeasured}
    reasons.update({name: f"read through {', '.join(map(str, found['through']))}, which are not its causes"
                    for name, found in through.items()})
    graph.graph["notes"] = ModelNotes.extending(
        notes, concept_fit={n: round(v, 3) for n, v in checks.fit.items()}, unmeasured=list(checks.unmeasured),
        concept_fit_trained={n: round(v, 3) for n, v in checks.fit_trained.items()}, read_through=through,
        left_out={**notes.left_out, **reasons}, refuted=refuted)
    return graph


def check_read_through(calibrated: Calibrated, graph: nx.DiGraph, names: list[str]) -> dict[str, dict[str, Any]]:
    """The concepts among `names` whose held-out readings follow concepts that are not their ancestors in
    `graph` (`crl.concepts.read_through`), warned about; empty without held-out rows or with one name."""
    if calibrated.held_out is None or len(names) < 2:
        return {}
    held = calibrated.held_out
    found = read_through(calibrated.concepts, held.latents, held.codes, graph, names)
    if found:
        described = "; ".join(f"{name} through {found[name]['through']} ({found[name]['share']:.0%} of its variance)"
                              for name in found)
        warnings.warn(f"concepts {list(found)} are read partly through concepts that are not their causes: "
                      f"{described}. The encoder infers them from where those concepts sit instead of seeing "
                      "them, which would fake edges: no edges are claimed for them", stacklevel=3)
    return found


def fit_mechanisms(dag: nx.DiGraph, table: pd.DataFrame, *, mechanisms: str = "auto", categorical: Sequence[str] = (),
                   seed: int = 0, device: str = "auto") -> Any:
    """Fit one structural equation per concept of `dag` on the concept table.

    Parameters
    ----------
    dag : networkx.DiGraph
        A DAG over (some of) the columns of `table`: the model's, or a user's own.
    table : DataFrame
        Concepts in label units (`Calibrated.concept_table`).
    mechanisms : str
        "auto" (linear or MLP per node by held-out fit), "linear" or "mlp".
    categorical : list
        Concepts whose values are class codes.
    seed, device : int, str

    Returns
    -------
    scm.SCM
        Fitted; its queries return concept tables.
    """
    import scm

    return scm.SCM(dag, mechanisms=mechanisms, seed=seed, device=device, discrete=list(categorical)).fit(table)


def check_readback(encoder: EncoderLike, calibrated: Calibrated, seed: int = 0) -> dict[str, float]:
    """How much of an asked change of each concept its decoded images carry (`crl.readback`), on up to
    `crl.thresholds.READBACK_IMAGES` training images; the concepts whose do() would barely change the
    images are warned about.

    Parameters
    ----------
    encoder : EncoderLike
        With ``encode`` and ``decode``.
    calibrated : Calibrated
        The concept map and the training images' table.
    seed : int
        Seed of the choice of images and of the asked values.

    Returns
    -------
    dict
        {concept: share carried, rounded to 3 places}.
    """
    concepts, table = calibrated.concepts, calibrated.table
    rows = np.random.default_rng(seed).permutation(len(table))[:READBACK_IMAGES]
    readback = concept_readback(lambda images: concepts.to_table(encoder.encode(images)),
                                lambda latents: encoder.decode(concepts.to_latents(latents)),
                                table.iloc[rows].reset_index(drop=True), concepts, seed=seed)
    carried = dict(zip(readback["concept"], readback["carried"].round(3)))
    weak = readback.loc[~readback["queryable"], "concept"].tolist()
    if weak:
        warnings.warn(f"concepts {weak} carry under half of an asked change through decoding and re-encoding "
                      f"(read-back {[carried[c] for c in weak]}): do() on them alone barely "
                      "changes the images (the decoder draws them from other latents, as it does for a concept "
                      "its parents determine, or ignores them)", stacklevel=3)
    return carried
