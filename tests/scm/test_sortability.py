"""scm.sortability: varsortability and R^2-sortability on data with known scales."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from scm.sortability import order_alignment, r2_sortability, varsortability


def _chain(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 2.0 * a + rng.standard_normal(n)
    c = 2.0 * b + rng.standard_normal(n)
    return pd.DataFrame({"a": a, "b": b, "c": c})


def test_order_alignment_counts_paths_with_ties_as_half():
    chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    # paths a->b, b->c (length 1) and a->c (length 2): 3 paths
    assert order_alignment(chain, np.array([1.0, 2.0, 3.0])) == 1.0
    assert order_alignment(chain, np.array([3.0, 2.0, 1.0])) == 0.0
    # scores 1, 1, 2: a->b tie (1/2), b->c right (1), a->c right (1) -> 2.5 / 3
    assert order_alignment(chain, np.array([1.0, 1.0, 2.0])) == pytest.approx(2.5 / 3)


def test_varsortability_raw_vs_standardised():
    df = _chain()
    g = nx.DiGraph([("a", "b"), ("b", "c")])
    assert varsortability(df, g) == 1.0  # variances 1, 5, 21 grow along the chain
    assert varsortability(df, g.reverse()) == 0.0
    standardised = (df - df.mean()) / df.std()
    assert varsortability(standardised, g) == pytest.approx(0.5, abs=0.35)
    # R^2 is scale-invariant: identical on raw and standardised data
    assert r2_sortability(df, g) == pytest.approx(r2_sortability(standardised, g))


def test_sortability_checks_inputs():
    with pytest.raises(ValueError, match="not columns"):
        varsortability(_chain(), nx.DiGraph([("a", "q")]))
    with pytest.raises(ValueError, match="cycle"):
        r2_sortability(_chain(), nx.DiGraph([("a", "b"), ("b", "a")]))
