"""What a `CausalModel` knows about its graph beyond the edges: discovery's notes and its own concept checks.

`model.graph` is a plain `networkx.DiGraph` that carries exactly one record, ``graph.graph["notes"]``:
a `ModelNotes`, which is scm's `DiscoveryNotes` (the method, its settings, what it could not settle)
plus what the model measured of its concepts. Read it with `model_notes_of`; `crl.report`,
`crl.evaluate`, the plots and the command line read these fields, never loose graph keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import networkx as nx

from scm.notes import DiscoveryNotes, notes_of


@dataclass
class ModelNotes(DiscoveryNotes):
    """Discovery's notes on a model's graph plus the model's checks of its concepts.

    Attributes
    ----------
    route : str
        The discovery route the model took: "pairs", an `scm.discover` method, or "none" when fewer than
        two concepts were measured (nothing to relate, no edges).
    concept_fit : dict
        Per labelled concept, how well it reads the images of the labelled rows held out from training
        (`crl.concepts.concept_fit`: R^2 on absolute errors, or Cohen's kappa for a category; 1 exact,
        0 chance). Empty when the held-out check did not run.
    concept_fit_trained : dict
        The same fit on the labelled rows the encoder trained on: it tells memorised labels (fits these,
        not the held-out ones) from a concept the encoder does not see (fits neither).
    unmeasured : list
        Concepts whose ``concept_fit`` is under `crl.thresholds.MIN_CONCEPT_FIT`: their estimates are mostly
        error, so discovery makes no claim about them.
    read_through : dict
        Concepts whose held-out readings follow the labels of concepts that are not their ancestors
        (`crl.concepts.read_through`): ``{name: {"share", "p_value", "through"}}``. Such readings fake
        edges, so the graph is discovered again without them.
    readback : dict
        Per concept, the share of an asked change its decoded images carry (`crl.readback`); under
        `crl.thresholds.MIN_CARRIED`, do() on it alone barely changes the images.
    refuted : dict
        Edges discovery found that the labelled rows give no evidence for (`crl.label_edges`), taken out of
        the graph: ``{"cause->effect": {"p_value", "share", "rows"}}``.
    training : dict
        How long the encoder trained and why (`encoders.budget.TrainingPlan`): ``steps``, ``rule`` ("asked",
        "auto: GPU", "auto: CPU budget", "time_budget", "checkpoint"), ``seconds_per_step`` as measured,
        ``decoder_steps``, ``estimated_seconds``, and ``selected_step``: the step whose networks the encoder
        kept, the one that read the held-out labelled rows best (`encoders.selection`; None without them).
        Empty for a user's encoder.

    The unmeasured and read-through concepts are also listed, with their reasons, in ``left_out``:
    they stay in the graph as nodes without edges (except those background knowledge requires).
    """

    route: str = "none"
    concept_fit: dict[str, float] = field(default_factory=dict)
    concept_fit_trained: dict[str, float] = field(default_factory=dict)
    unmeasured: list[str] = field(default_factory=list)
    read_through: dict[str, dict[str, Any]] = field(default_factory=dict)
    readback: dict[str, float] = field(default_factory=dict)
    refuted: dict[str, dict[str, float]] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def extending(cls, notes: DiscoveryNotes, **values: Any) -> ModelNotes:
        """`notes` (discovery's, or a model's) as a `ModelNotes`, with `values` set.

        Parameters
        ----------
        notes : DiscoveryNotes
            The notes to carry over, field by field.
        **values
            Fields of `ModelNotes` to set (or replace).

        Returns
        -------
        ModelNotes
            A new record; `notes` is left as it was (graph copies share their notes object).
        """
        kept = {f.name: getattr(notes, f.name) for f in fields(notes)}
        return cls(**{**kept, **values})


def model_notes_of(graph: nx.DiGraph) -> ModelNotes:
    """The notes on `graph` as a `ModelNotes`: a model's own, or discovery's (or a user graph's empty ones)
    with the model's fields empty, so a reader of any graph finds every field.

    Parameters
    ----------
    graph : networkx.DiGraph
        A model's graph, a graph from `scm.discover`, or a user's own.

    Returns
    -------
    ModelNotes
        The record itself when the graph carries one (not a copy), else a new one.
    """
    notes = notes_of(graph)
    return notes if isinstance(notes, ModelNotes) else ModelNotes.extending(notes)
