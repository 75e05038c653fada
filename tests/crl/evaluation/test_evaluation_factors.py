"""Intervention parsing and the intervened / descendant / non-descendant split."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import Factor

from crl.evaluation.factors import default_interventions, normalise_interventions, relations, row_errors

DEFS = {"a": Factor("a", "continuous", 0.0, 2.0), "s": Factor("s", "categorical", None, None, ["x", "y"])}


def test_defaults_are_range_quartiles_and_every_category_code():
    assert default_interventions(DEFS) == [{"a": 0.5}, {"a": 1.0}, {"a": 1.5}, {"s": 0}, {"s": 1}]


def test_bad_interventions_are_rejected_with_the_reason():
    with pytest.raises(ValueError, match="unknown factor"):
        normalise_interventions({"q": 1.0}, DEFS)
    with pytest.raises(ValueError, match=r"in \[0.0, 2.0\]"):
        normalise_interventions({"a": 3.0}, DEFS)
    with pytest.raises(ValueError, match="finite"):
        normalise_interventions({"a": float("nan")}, DEFS)
    with pytest.raises(ValueError, match="category code 0..1"):
        normalise_interventions([{"s": 2}], DEFS)
    assert normalise_interventions({"a": 1.0, "s": 1}, DEFS) == [{"a": 1.0, "s": 1}]


def test_relations_follow_the_true_graph():
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("d", "c")])
    g.add_node("e")
    assert relations(g, {"b"}, "abcde") == {"a": "non-descendant", "b": "intervened", "c": "descendant",
                                            "d": "non-descendant", "e": "non-descendant"}


def test_row_errors_by_kind():
    np.testing.assert_allclose(row_errors(pd.Series([1.0, 0.5]), pd.Series([0.0, 1.0]), DEFS["a"]), [1.0, 0.5])
    # categorical codes: a model's 0.9 rounds to code 1
    np.testing.assert_allclose(row_errors(pd.Series([0.1, 0.9]), pd.Series([0, 0]), DEFS["s"]), [0.0, 1.0])
