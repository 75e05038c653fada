"""discover_from_pairs on paired samples simulated from known SCMs, exact and with estimation error."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from scm.metrics import shd
from scm.notes import notes_of
from scm.pairs.ancestors import ancestral_relation
from scm.pairs.direct import direct_edge_test
from scm.pairs.discover import discover_from_pairs
from scm.simulate import AdditiveSCM, measure, random_scm

N_PAIRS = 2000
ERROR = 0.15  # estimation noise sd, in column stds: estimates correlate ~0.99 with the truth


def chain_collider(nonlinear: bool) -> AdditiveSCM:
    """T -> I -> P <- W with a small mediator noise, the scene where PC on estimates fails."""
    g = nx.DiGraph([("T", "I"), ("I", "P"), ("W", "P")])
    kinds = {("T", "I"): "tanh", ("I", "P"): "quad", ("W", "P"): "tanh"}
    funcs = kinds if nonlinear else {e: "linear" for e in g.edges}
    weights = {("T", "I"): 1.0, ("I", "P"): 1.0, ("W", "P"): 0.8}
    return AdditiveSCM(g, weights, funcs, {"T": 1.0, "I": 0.35, "W": 1.0, "P": 0.4})


def true_ancestors(g: nx.DiGraph, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame([[v in nx.descendants(g, u) for v in names] for u in names],
                        index=names, columns=names)


@pytest.mark.parametrize("nonlinear", [False, True])
@pytest.mark.parametrize("k", [1, "random"])
def test_exact_pairs_recover_ancestors_and_graph(nonlinear, k):
    scm = chain_collider(nonlinear)
    before, after = scm.sample_pairs(N_PAIRS, k=k, seed=0)
    g = discover_from_pairs(before, after, mode="noise")
    names = list(before.columns)
    pd.testing.assert_frame_equal(notes_of(g).pairs.ancestors, true_ancestors(scm.graph, names))
    assert set(g.edges) == set(scm.graph.edges)
    notes = notes_of(g)
    assert notes.method == "pairs" and notes.undecided == [] and notes.pairs.refuted == []
    assert all(0.0 <= c <= 1.0 for _, _, c in g.edges(data="confidence"))


@pytest.mark.parametrize("nonlinear", [False, True])
@pytest.mark.parametrize("k", [1, "random"])
def test_estimation_error_does_not_fake_edges(nonlinear, k):
    scm = chain_collider(nonlinear)
    exact = scm.sample_pairs(N_PAIRS, k=k, seed=0)
    before, after = measure(*exact, error=ERROR, seed=1)
    assert all(np.corrcoef(before[c], exact[0][c])[0, 1] > 0.97 for c in before.columns)
    g = discover_from_pairs(before, after, mode="noise")
    assert set(g.edges) == set(scm.graph.edges)
    assert notes_of(g).pairs.direct_tests[("T", "P")]["p_value"] > 0.01  # the mediated path is not direct


def test_estimation_error_fools_pc_on_the_same_table():
    # linear mechanisms, where PC's Fisher-z test is correctly specified: its spurious T - P edge
    # comes from the estimation error alone (on the exact table it finds the true skeleton)
    from causallearn.search.ConstraintBased.PC import pc

    scm = chain_collider(nonlinear=False)
    exact = scm.sample_pairs(N_PAIRS, k=1, seed=0)
    noisy = measure(*exact, error=ERROR, seed=1)
    names = list(exact[0].columns)
    t, p = names.index("T"), names.index("P")
    adjacency = {key: pc(np.vstack([x.to_numpy() for x in tables]), 0.01, "fisherz",
                         show_progress=False).G.graph
                 for key, tables in (("exact", exact), ("noisy", noisy))}
    assert adjacency["exact"][t, p] == 0
    assert adjacency["noisy"][t, p] != 0
    assert set(discover_from_pairs(*noisy, mode="noise").edges) == set(scm.graph.edges)


def test_direct_edge_beside_mediated_path_is_kept():
    g_true = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    scm = AdditiveSCM(g_true, {("a", "b"): 1.0, ("b", "c"): 0.8, ("a", "c"): 0.6},
                      {e: "linear" for e in g_true.edges}, {"a": 1.0, "b": 0.6, "c": 0.6})
    before, after = measure(*scm.sample_pairs(N_PAIRS, k=1, seed=2), error=ERROR, seed=3)
    g = discover_from_pairs(before, after, mode="noise")
    assert set(g.edges) == set(g_true.edges)
    assert notes_of(g).pairs.direct_tests[("a", "c")]["p_value"] < 1e-6
    assert g.edges["a", "c"]["confidence"] > 0.9


def test_random_nonlinear_dag_from_interventions():
    scm = random_scm(6, edge_prob=0.4, nonlinear=True, seed=4)
    before, after = measure(*scm.sample_pairs(N_PAIRS, k=1, mode="intervention", seed=0),
                            error=ERROR, seed=1)
    g = discover_from_pairs(before, after, mode="intervention")
    assert nx.is_directed_acyclic_graph(g)
    assert shd(scm.graph, g) == 0


def test_duplicated_column_conflict_is_resolved_without_cycle():
    scm = chain_collider(nonlinear=False)
    before, after = scm.sample_pairs(N_PAIRS, k=1, seed=0)
    before, after = measure(before, after, error=ERROR, seed=1)
    rng = np.random.default_rng(5)
    # a second, independently noisy estimate of I: each looks like the other's ancestor
    before["I2"] = before["I"] + 0.1 * rng.standard_normal(N_PAIRS)
    after["I2"] = after["I"] + 0.1 * rng.standard_normal(N_PAIRS)
    g = discover_from_pairs(before, after, mode="noise")
    assert nx.is_directed_acyclic_graph(g)
    assert any({"I", "I2"} == set(c["dropped"]) for c in notes_of(g).pairs.conflicts)
    ancestors = notes_of(g).pairs.ancestors
    assert ancestors.loc["I", "I2"] != ancestors.loc["I2", "I"]


def test_given_threshold_matches_calibrated_one_on_exact_pairs():
    scm = chain_collider(nonlinear=True)
    before, after = scm.sample_pairs(N_PAIRS, k=1, seed=0)
    auto = discover_from_pairs(before, after)
    given = discover_from_pairs(before.to_numpy(), after.to_numpy(), threshold=1e-6)
    assert set(auto.edges) == set(scm.graph.edges)
    names = list(before.columns)
    assert {(names[int(u[1:])], names[int(v[1:])]) for u, v in given.edges} == set(auto.edges)


def test_direct_test_is_calibrated_under_the_null():
    # b -> c only; a -> b. a is no parent of c: p-values over seeds should not pile up below 0.05
    g_true = nx.DiGraph([("a", "b"), ("b", "c")])
    scm = AdditiveSCM(g_true, {("a", "b"): 1.0, ("b", "c"): 1.0}, {e: "linear" for e in g_true.edges},
                      {"a": 1.0, "b": 0.5, "c": 0.5})
    p_values = []
    for seed in range(10):
        before, after = measure(*scm.sample_pairs(600, k=1, seed=seed), error=ERROR, seed=seed + 100)
        zb, za = before.to_numpy(), after.to_numpy()
        result = direct_edge_test(zb, za, target=2, candidate=0, others=[1])
        p_values.append(result.p_value)
    assert sum(p < 0.05 for p in p_values) <= 2


def test_never_changing_column_warns():
    scm = chain_collider(nonlinear=False)
    before, after = scm.sample_pairs(N_PAIRS, k=1, seed=0)
    before["still"] = np.arange(N_PAIRS, dtype=float)
    after["still"] = before["still"]
    with pytest.warns(UserWarning, match="'still' never changes"):
        discover_from_pairs(before, after)


@pytest.mark.parametrize("change, match", [
    (lambda b, a: (b, a.iloc[:-1]), "after: expected the shape"),
    (lambda b, a: (b, a.rename(columns={"T": "X"})), "after: expected the columns"),
    (lambda b, a: (b.assign(T=np.nan), a), r"before contains NaN .* \['T'\]"),
    (lambda b, a: (b, a.assign(W=np.inf)), r"after contains NaN or infinite values in column\(s\) \['W'\]"),
    (lambda b, a: (b.iloc[:30], a.iloc[:30]), "at least 40 pairs"),
    (lambda b, a: (b.to_numpy()[:, :, None], a), "before must be 2-D"),
])
def test_bad_tables_raise(change, match):
    before, after = chain_collider(nonlinear=False).sample_pairs(100, seed=0)
    b, a = change(before, after)
    with pytest.raises(ValueError, match=match):
        discover_from_pairs(b, a)


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "paired"}, "mode: expected one of"),
    ({"threshold": -1.0}, "threshold: expected"),
    ({"alpha": 1.5}, "alpha: expected"),
])
def test_bad_options_raise(kwargs, match):
    before, after = chain_collider(nonlinear=False).sample_pairs(100, seed=0)
    with pytest.raises(ValueError, match=match):
        discover_from_pairs(before, after, **kwargs)


def test_encoder_leak_into_a_root_does_not_make_it_a_descendant():
    # an encoder that leaks 5% (in stds) of W and P into T's latent: every change of W or P moves T's
    # estimate by more than the noise, but by far less than T's own changes; T must stay a root
    scm = chain_collider(nonlinear=False)
    before, after = scm.sample_pairs(N_PAIRS, k=1, seed=0)
    mean, std = before.mean(), before.std()
    for table in (before, after):
        z = (table - mean) / std
        table["T"] = table["T"] + 0.05 * std["T"] * (z["W"] + z["P"])
    before, after = measure(before, after, error=0.02, seed=1)
    g = discover_from_pairs(before, after, mode="noise")
    assert set(g.predecessors("T")) == set()
    assert not notes_of(g).pairs.ancestors["T"].any()  # nothing is an ancestor of T
    assert {("T", "I"), ("I", "P"), ("W", "P")} <= set(g.edges)


def test_pairs_with_nothing_changed_do_not_make_the_table_look_exact():
    # pairs whose images are identical (the resampled noise is invisible) encode to identical latents:
    # exact zeros in every column at once, which say nothing about the estimation error elsewhere
    scm = chain_collider(nonlinear=False)
    before, after = measure(*scm.sample_pairs(N_PAIRS, k=1, seed=0), error=ERROR, seed=1)
    still = before.iloc[:500]
    before = pd.concat([before, still], ignore_index=True)
    after = pd.concat([after, still], ignore_index=True)
    g = discover_from_pairs(before, after, mode="noise")
    assert set(g.edges) == set(scm.graph.edges)


def test_a_categorical_column_is_read_exactly_and_does_not_make_the_others_look_exact():
    # a categorical concept is read out as a class code: equal codes in most pairs are exact zeros,
    # which say nothing about the estimation error of the continuous columns beside it
    scm = chain_collider(nonlinear=False)
    before, after = measure(*scm.sample_pairs(N_PAIRS, k=1, seed=0), error=ERROR, seed=1)
    rng = np.random.default_rng(2)
    shape = rng.integers(0, 3, N_PAIRS)
    resampled = rng.random(N_PAIRS) < 0.2
    misread = rng.random(N_PAIRS) < 0.05  # the classifier's errors, in the after image only
    before["S"] = shape.astype(float)
    after["S"] = np.where(resampled | misread, (shape + rng.integers(1, 3, N_PAIRS)) % 3, shape).astype(float)
    g = discover_from_pairs(before, after, mode="noise")
    assert set(g.edges) == set(scm.graph.edges)
    assert notes_of(g).pairs.change_rules == {"T": "noise", "I": "noise", "W": "noise", "P": "noise", "S": "discrete"}


def test_implication_the_pairs_contradict_is_reported():
    # miss rates as read from causal_sprites concept latents (x -> scale -> orientation <- y): the
    # orientation estimate barely sees orientation's own changes, so its clear changes are those it
    # inherits and scale, whose estimate leaks orientation, looks like its descendant (miss 0.0).
    # With y -> orientation that claim implies y -> scale, which y's changes contradict (miss 0.50).
    names = ["x", "scale", "y", "orientation"]
    nan = np.nan
    miss = np.array([[nan, 0.05, 1.00, 0.24],
                     [0.46, nan, 0.75, 0.26],
                     [0.92, 0.50, nan, 0.06],
                     [0.51, 0.00, 0.00, nan]])
    counts = np.array([2038, 4522, 1997, 4466])  # pairs in which each column moved
    moved = np.arange(5000)[:, None] < counts
    rel, conflicts, refuted = ancestral_relation(miss, moved, names)
    assert {"dropped": ("orientation", "y")}.items() <= conflicts[0].items()  # cycle: y changes less
    assert rel.has_edge("orientation", "scale")  # reported, not repaired
    assert refuted == [{"pair": ("y", "scale"), "miss": 0.50, "path": ["y", "orientation", "scale"]}]
