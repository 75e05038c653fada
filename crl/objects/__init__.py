"""Object-level causal models: slots matched to objects, probes of their attributes, a graph over them, and queries
that return images (remove an object, edit an attribute, do() on a scene factor), scored against an object scene's
true counterfactuals. See docs/objects.md.
"""
from __future__ import annotations

from crl.objects.matching import match_slots
from crl.objects.model import ObjectModel
from crl.objects.queries import ObjectQueryResult, Reading

__all__ = ["ObjectModel", "ObjectQueryResult", "Reading", "match_slots"]
