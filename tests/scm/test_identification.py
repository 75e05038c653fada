"""Back-door sets on hand-made graphs with known answers, and the adjusted ATE on linear data."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import scm
from scm.identification import adjusted_ate, backdoor_adjustment_sets, is_backdoor_set


def test_confounder_needs_adjustment():
    g = nx.DiGraph([("z", "t"), ("z", "y"), ("t", "y")])
    assert backdoor_adjustment_sets(g, "t", "y") == [frozenset({"z"})]
    assert not is_backdoor_set(g, "t", "y", [])


def test_m_bias_collider_must_not_be_adjusted_alone():
    g = nx.DiGraph([("a", "t"), ("a", "m"), ("b", "m"), ("b", "y"), ("t", "y")])
    assert backdoor_adjustment_sets(g, "t", "y") == [frozenset()]
    assert not is_backdoor_set(g, "t", "y", {"m"})  # conditioning on the collider opens t <- a -> m <- b -> y
    assert is_backdoor_set(g, "t", "y", {"m", "a"})


def test_two_alternative_minimal_sets_and_no_mediators():
    # t <- z1 -> z2 -> y : either z1 or z2 blocks; the mediator w is never allowed
    g = nx.DiGraph([("z1", "t"), ("z1", "z2"), ("z2", "y"), ("t", "w"), ("w", "y")])
    assert backdoor_adjustment_sets(g, "t", "y") == [frozenset({"z1"}), frozenset({"z2"})]
    assert not is_backdoor_set(g, "t", "y", {"z1", "w"})


def test_outcome_parent_of_treatment_has_no_set_and_bad_input_raises():
    g = nx.DiGraph([("y", "t")])
    assert backdoor_adjustment_sets(g, "t", "y") == []
    with pytest.raises(ValueError, match="treatment 'q' is not a node"):
        backdoor_adjustment_sets(g, "q", "y")
    with pytest.raises(ValueError, match="cycle"):
        backdoor_adjustment_sets(nx.DiGraph([("t", "y"), ("y", "t")]), "t", "y")


def test_adjusted_ate_matches_truth_and_scm_simulation():
    rng = np.random.default_rng(0)
    n = 5000
    z = rng.normal(size=n)
    t = 1.5 * z + rng.normal(size=n)
    y = 2.0 * t - 3.0 * z + rng.normal(size=n)
    data = pd.DataFrame({"z": z, "t": t, "y": y})
    g = nx.DiGraph([("z", "t"), ("z", "y"), ("t", "y")])
    naive = np.polyfit(t, y, 1)[0]  # confounded slope, about 2 - 3 * 1.5 / 3.25 = 0.62
    assert naive < 1.0
    adjusted = adjusted_ate(data, g, "t", "y")
    assert adjusted == pytest.approx(2.0, abs=0.05)
    simulated = scm.SCM(g).fit(data).ate("t", "y", n=20000)
    assert simulated == pytest.approx(adjusted, abs=1e-6)  # common noise: the linear effect exactly
    with pytest.raises(ValueError, match="not a back-door set"):
        adjusted_ate(data, g, "t", "y", adjustment=[])
