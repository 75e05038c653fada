"""scm.edge_check: edges of a graph tested on rows with known values."""
import networkx as nx
import numpy as np
import pandas as pd

from scm.edge_check import edge_evidence, edge_test


def chain_rows(n: int = 100, seed: int = 0) -> pd.DataFrame:
    """x -> y -> z, nonlinear, with a three-level category c -> z too."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    y = np.tanh(2 * x) + 0.2 * rng.normal(size=n)
    c = rng.integers(0, 3, n).astype(float)
    z = y**2 + 0.8 * (c == 2) + 0.2 * rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": y, "c": c, "z": z})


def test_a_shortcut_through_a_known_parent_has_no_evidence_and_true_edges_do():
    rows = chain_rows()
    graph = nx.DiGraph([("x", "y"), ("y", "z"), ("x", "z"), ("c", "z")])
    found = edge_evidence(graph, rows)
    assert found[("x", "y")].p_value < 1e-6 and found[("y", "z")].p_value < 1e-6
    assert found[("c", "z")].p_value < 1e-4  # a categorical parent, tested through its level indicators
    assert found[("x", "z")].p_value > 0.05
    assert found[("x", "y")].rows == 100


def test_an_effect_that_acts_only_through_another_parent_is_found():
    # v = u * w: u has no additive effect given w (symmetric w), only through the product
    rng = np.random.default_rng(4)
    u, w = rng.uniform(-1, 1, 100), rng.uniform(-1, 1, 100)
    rows = pd.DataFrame({"u": u, "w": w, "v": u * w + 0.1 * rng.normal(size=100)})
    assert edge_test(rows, "v", "u", ["w"]).p_value < 1e-10


def test_the_f_tests_match_the_nested_regressions_by_hand():
    from scipy import stats

    rows = chain_rows(60, seed=3)
    got = edge_test(rows, "y", "x", [])
    x = (rows.x - rows.x.mean()) / rows.x.std(ddof=0)
    total = ((rows.y - rows.y.mean()) ** 2).sum()
    tests = []
    for design in (np.column_stack([np.ones(60), x]), np.column_stack([np.ones(60), x, x**2, x**3])):
        resid = rows.y - design @ np.linalg.lstsq(design, rows.y, rcond=None)[0]
        k = design.shape[1] - 1
        f = ((total - resid @ resid) / k) / ((resid @ resid) / (60 - k - 1))
        tests.append((stats.f.sf(f, k, 60 - k - 1), 1 - (resid @ resid) / total))
    # linear, cubic and cubic-with-products (no other parents: the cubic again); Bonferroni over the three
    p_value, share = min(tests)
    assert np.isclose(got.p_value, min(1.0, 3 * p_value)) and np.isclose(got.share, share)


def test_a_weak_edge_among_several_parents_is_kept_where_the_rich_design_alone_misses_it():
    # y = a + b + c + 0.4 x + noise: a linear effect the 3 + 6*3 = 21-column design dilutes on 100 rows (one draw
    # where it shows; benchmarks/edge_check.py measures the rates over 690 true edges of random scenes)
    rng = np.random.default_rng(18)
    cols = {name: rng.normal(size=100) for name in "abcx"}
    y = cols["a"] + cols["b"] + cols["c"] + 0.4 * cols["x"] + rng.normal(size=100)
    rows = pd.DataFrame({**cols, "y": y})
    from unittest import mock

    import scm.edge_check as edge_check
    with mock.patch.object(edge_check, "DESIGNS", ("products",)):
        rich_only = edge_test(rows, "y", "x", ["a", "b", "c"]).p_value
    assert edge_test(rows, "y", "x", ["a", "b", "c"]).p_value < 0.01 and rich_only > 0.1


def test_missing_values_use_complete_rows_and_too_few_rows_give_no_verdict():
    rows = chain_rows()
    rows.loc[:59, "x"] = np.nan
    assert edge_test(rows, "y", "x", []).rows == 40
    assert edge_test(rows.iloc[:50], "y", "x", []) is None  # no complete rows at all
    assert edge_test(chain_rows(12), "z", "y", ["x", "c"]) is None  # 12 rows, 9 regressors


def test_undirected_and_skipped_edges_are_not_tested():
    rows = chain_rows()
    graph = nx.DiGraph([("x", "y"), ("y", "x"), ("y", "z"), ("x", "z")])
    found = edge_evidence(graph, rows, skip=[("x", "z")])
    assert set(found) == {("y", "z")}
