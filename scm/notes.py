"""What discovery learned about a graph beyond its edges, in one typed record.

A discovered graph stays a plain `networkx.DiGraph`; the record rides on it as
``graph.graph["notes"]`` and is read with `notes_of`. Per-edge facts stay on the edges:

- ``confidence`` (every edge, in [0, 1], NaN where the method gives none): how strongly the method
  that claimed the edge supports it *as oriented*. The pair route: how rarely the child stood still
  while the parent changed, capped by the direct-edge test; an observational method run under
  `scm.bootstrap`: the share of resamples that found the edge with this orientation; background
  knowledge that requires the edge: 1.
- ``bootstrap_frequency`` (where bootstrapped): the share of resamples that found the two variables
  adjacent, whatever the orientation.
- ``undirected`` / ``undecided`` / ``source``: flags, see `DiscoveryNotes`.
"""
from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

Edge = tuple[Hashable, Hashable]


@dataclass
class PairEvidence:
    """What the pair route (`scm.discover_from_pairs`) measured on its way to the graph.

    Attributes
    ----------
    ancestors : DataFrame
        Boolean ancestor relation read from which variables change together (row is an ancestor of column).
    change_thresholds, change_rules : dict
        Per variable, the |change| above which a pair counts as changing it, and the rule that set it.
    direct_tests : dict
        Per tested (parent, child), the direct-edge test's result as a dict (None: untestable).
    conflicts, refuted : list of dict
        Ancestral claims the pairs contradict, and implications they refute.
    """

    ancestors: pd.DataFrame
    change_thresholds: dict[str, float]
    change_rules: dict[str, str]
    direct_tests: dict[Edge, dict[str, Any] | None] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refuted: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DiscoveryNotes:
    """What discovery learned about a graph: the method and its settings, and what it could not settle.

    Attributes
    ----------
    method : str
        The method that produced the graph ("pc", "ges", "notears", "pairs", "bootstrap", ...).
    settings : dict
        The method's settings as run (alpha, score, thresholds, seed, ...).
    undecided : list of edges
        Pair route: possible parents it could not settle (a significant dependence explaining under
        `scm.thresholds.MIN_EFFECT` of the child's variance, or an untestable one).
    unseen : list
        Pair route: variables whose own changes the pairs never show; their edges come from an
        observational method (``unseen_method``), bounded by the pairs.
    unstable : list of edges
        Edges only an observational method vouched for, dropped because bootstrap resamples rarely found them.
    left_out : dict
        Variables kept as edgeless nodes, each with the reason no edge is claimed for it.
    causal_order : list, optional
        A causal order, where the method gives one (LiNGAM).
    diagnostics : dict
        Per-method or per-table diagnostics (varsortability, R^2-sortability, ...).
    pairs : PairEvidence, optional
        The pair route's measurements.
    """

    method: str
    settings: dict[str, Any] = field(default_factory=dict)
    undecided: list[Edge] = field(default_factory=list)
    unseen: list[Hashable] = field(default_factory=list)
    unseen_method: str | None = None
    unstable: list[Edge] = field(default_factory=list)
    left_out: dict[Hashable, str] = field(default_factory=dict)
    causal_order: list[Hashable] | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    pairs: PairEvidence | None = None


def notes_of(graph: nx.DiGraph) -> DiscoveryNotes:
    """The notes discovery left on `graph`; a graph from elsewhere (a user's own) gets empty notes of method "given"."""
    notes = graph.graph.get("notes")
    return notes if isinstance(notes, DiscoveryNotes) else DiscoveryNotes(method="given")



def copy_notes(source: nx.DiGraph, target: nx.DiGraph) -> None:
    """Give `target` its own copy of the notes on `source` (``graph.copy()`` would share the one record).

    Parameters
    ----------
    source, target : networkx.DiGraph
        The graph whose notes are copied, and the graph derived from it that receives them.
    """
    if "notes" in source.graph:
        target.graph["notes"] = copy.deepcopy(source.graph["notes"])
