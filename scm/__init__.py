"""scm: causal graphs and structural causal models over tables.

Works on any DataFrame (learned latents or a user's own data). Heavy dependencies
(causal-learn, dowhy, pgmpy, torch) load on first use of the name that needs them.
"""
from importlib import import_module
from typing import Any

_LAZY = {
    # discovery from observational data, and its helpers
    "discover": "scm.discovery.dispatch",
    "METHODS": "scm.discovery.dispatch",
    "bootstrap": "scm.discovery.bootstrap",
    "varsortability": "scm.sortability",
    "r2_sortability": "scm.sortability",
    # discovery from paired / interventional tables
    "discover_from_pairs": "scm.pairs.discover",
    "add_unseen_edges": "scm.pairs.unseen",
    # what discovery learned about a graph
    "DiscoveryNotes": "scm.notes",
    "notes_of": "scm.notes",
    # structural equations and queries
    "SCM": "scm.model",
    "Shift": "scm.interventions",
    "Soft": "scm.interventions",
    # graph comparison
    "shd": "scm.metrics",
    "sid": "scm.metrics",
}
_SUBMODULES = {"graph", "metrics", "interop", "identification", "mechanisms", "knowledge", "discovery", "sortability",
               "pairs", "simulate", "support", "tables", "thresholds"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = import_module(f"scm.{name}")
    else:
        raise AttributeError(f"module 'scm' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [*_LAZY, *sorted(_SUBMODULES)]
