"""scm.SCM on known structural equations: fitted coefficients, interventional means, counterfactuals, errors."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

import scm
from scm.graph import add_undirected

torch.set_num_threads(1)

GRAPH = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")])


def linear_data(n=4000, seed=0):
    """a ~ N(0,1); b = 2a + e; c = -a + 0.5b + e; d = 1.5c + uniform noise (non-Gaussian); plus the noise."""
    rng = np.random.default_rng(seed)
    noise = pd.DataFrame({"a": rng.normal(size=n), "b": 0.5 * rng.normal(size=n),
                          "c": 0.5 * rng.normal(size=n), "d": rng.uniform(-1, 1, size=n)})
    return propagate_linear(noise), noise


def propagate_linear(noise, do=None):
    do = do or {}
    a = do.get("a", noise["a"])
    b = do.get("b", 2 * a + noise["b"])
    c = do.get("c", -a + 0.5 * b + noise["c"])
    d = do.get("d", 1.5 * c + noise["d"])
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d}, index=noise.index)


@pytest.fixture(scope="module")
def fitted():
    data, noise = linear_data()
    return scm.SCM(GRAPH).fit(data), data, noise


def test_linear_coefficients_near_truth(fitted):
    model, _, _ = fitted
    assert model.parents_["c"] == ["a", "b"]
    np.testing.assert_allclose(model.mechanisms_["b"].coef_, [2.0], atol=0.03)
    np.testing.assert_allclose(model.mechanisms_["c"].coef_, [-1.0, 0.5], atol=0.03)
    np.testing.assert_allclose(model.mechanisms_["d"].coef_, [1.5], atol=0.03)
    assert model.mechanisms_["d"].std_ == pytest.approx(1 / np.sqrt(3), abs=0.02)  # uniform(-1, 1)


def test_interventional_mean_matches_analytic_value(fitted):
    model, _, _ = fitted
    # E[d | do(b=1)] = 1.5 * (-E[a] + 0.5 * 1) = 0.75; MC std error ~ 0.01 at n=20000
    assert model.intervene({"b": 1.0}, 20000, seed=1)["d"].mean() == pytest.approx(0.75, abs=0.05)
    assert model.intervene({"b": 1.0}, 10, seed=1)["b"].eq(1.0).all()
    # total effect of a on d is 1.5 * (-1 + 0.5 * 2) = 0
    assert model.ate("a", "d", n=20000) == pytest.approx(0.0, abs=0.05)
    assert model.ate("b", "d", values=(2.0, 0.0), n=20000) == pytest.approx(1.5, abs=0.05)


def test_sampling_is_seeded_and_samples_the_data_distribution(fitted):
    model, data, _ = fitted
    pd.testing.assert_frame_equal(model.sample(100, seed=3), model.sample(100, seed=3))
    assert not model.sample(100, seed=3).equals(model.sample(100, seed=4))
    np.testing.assert_allclose(model.sample(20000, seed=0).cov().to_numpy(), data.cov().to_numpy(), atol=0.12)


def test_counterfactual_equals_hand_computation_and_preserves_noise(fitted):
    model, data, noise = fitted
    rows = data.iloc[:5]
    cf = model.counterfactual(rows, {"a": 1.0})
    mb, mc, md = (model.mechanisms_[k] for k in "bcd")
    b = mb.intercept_ + mb.coef_[0] * 1.0 + (rows.b - mb.predict(rows[["a"]].to_numpy()))
    c = mc.intercept_ + mc.coef_ @ [1.0, 0.0] + mc.coef_[1] * b + (rows.c - mc.predict(rows[["a", "b"]].to_numpy()))
    d = md.intercept_ + md.coef_[0] * c + (rows.d - md.predict(rows[["c"]].to_numpy()))
    np.testing.assert_allclose(cf[["b", "c", "d"]].to_numpy(), np.column_stack([b, c, d]), atol=1e-10)
    assert cf.index.equals(rows.index) and (cf["a"] == 1.0).all()
    # and it is close to the true counterfactual of the generating SCM (same noise, true coefficients)
    truth = propagate_linear(noise.iloc[:5], {"a": 1.0})
    np.testing.assert_allclose(cf.to_numpy(), truth.to_numpy(), atol=0.1)
    # abducted noise for non-roots equals the true noise up to fitted-intercept error
    np.testing.assert_allclose(model.noise(rows)[["b", "c", "d"]], noise.iloc[:5][["b", "c", "d"]], atol=0.1)
    # do with the factual values returns the rows themselves
    np.testing.assert_allclose(model.counterfactual(rows, {"a": rows["a"].to_numpy()}), rows, atol=1e-10)


def test_shift_and_soft_interventions(fitted):
    model, _, _ = fitted
    base = model.sample(20000, seed=5)["d"].mean()
    shifted = model.intervene({"b": ("shift", 1.0)}, 20000, seed=5)
    # same noise, so the shift moves d by exactly coef(d <- c) * coef(c <- b) * 1, about 1.5 * 0.5
    effect = model.mechanisms_["d"].coef_[0] * model.mechanisms_["c"].coef_[1]
    assert shifted["d"].mean() - base == pytest.approx(effect, abs=1e-9)
    assert effect == pytest.approx(0.75, abs=0.05)
    soft = model.intervene({"b": ("soft", stats.norm(3.0, 1.0))}, 20000, seed=5)
    assert soft["b"].mean() == pytest.approx(3.0, abs=0.03) and soft["b"].std() == pytest.approx(1.0, abs=0.03)
    assert soft["d"].mean() - base == pytest.approx(3 * effect, abs=0.05)  # E[b] moved from 0 to 3
    uniform = model.intervene({"b": ("soft", lambda rng, n: rng.uniform(0, 2, size=n))}, 20000, seed=5)
    assert uniform["d"].mean() - base == pytest.approx(effect, abs=0.05)  # E[b] = 1
    per_row = model.counterfactual(model.sample(3, seed=0), {"b": ("shift", np.array([0.0, 1.0, 2.0]))})
    factual = model.sample(3, seed=0)
    np.testing.assert_allclose(per_row["d"] - factual["d"], [0.0, 0.75, 1.5], atol=0.05)


def test_mlp_recovers_nonlinear_counterfactuals():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=1000)
    e = 0.2 * rng.normal(size=1000)
    f = lambda v: np.sin(2 * v) + 0.5 * v ** 2  # noqa: E731
    data = pd.DataFrame({"x": x, "y": f(x) + e})
    model = scm.SCM(nx.DiGraph([("x", "y")]), "mlp", device="cpu").fit(data)
    rows = data.iloc[:200]
    new_x = np.clip(rows["x"].to_numpy() + 0.5, -2, 2)
    cf = model.counterfactual(rows, {"x": new_x})
    truth = f(new_x) + e[:200]
    assert np.mean(np.abs(cf["y"].to_numpy() - truth)) < 0.1  # noise std is 0.2; linear gets ~0.5
    assert np.abs(model.noise(rows)["y"].to_numpy() - e[:200]).mean() < 0.1


def test_auto_picks_mlp_for_nonlinear_node_and_linear_for_linear_node():
    rng = np.random.default_rng(1)
    x = rng.normal(size=800)
    data = pd.DataFrame({"x": x, "y": x ** 2 + 0.2 * rng.normal(size=800), "z": 2 * x + rng.normal(size=800)})
    model = scm.SCM(nx.DiGraph([("x", "y"), ("x", "z")]), "auto", device="cpu").fit(data)
    assert type(model.mechanisms_["y"]).__name__ == "MLPMechanism"
    assert type(model.mechanisms_["z"]).__name__ == "LinearMechanism"
    assert set(model.selection_scores_) == {"y", "z"}


def categorical_data(n=3000, seed=0):
    """x ~ N(0,1); c in {0,1,2} with logits (0, 2x, -2x); y = x + 2*[c == 2] + noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    logits = np.column_stack([np.zeros(n), 2 * x, -2 * x])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    c = (p.cumsum(axis=1) < rng.uniform(size=(n, 1))).sum(axis=1)
    y = x + 2.0 * (c == 2) + 0.3 * rng.normal(size=n)
    return pd.DataFrame({"x": x, "c": c, "y": y})


def test_categorical_node_is_detected_fitted_and_intervened():
    data = categorical_data()
    model = scm.SCM(nx.DiGraph([("x", "c"), ("c", "y"), ("x", "y")])).fit(data)
    assert type(model.mechanisms_["c"]).__name__ == "CategoricalMechanism"
    assert model.design_columns_["y"] == ["c=1", "c=2", "x"]
    np.testing.assert_allclose(model.mechanisms_["y"].coef_, [0.0, 2.0, 1.0], atol=0.06)
    sample = model.sample(20000, seed=0)
    assert set(sample["c"].unique()) == {0, 1, 2}
    for k in range(3):
        assert (sample["c"] == k).mean() == pytest.approx((data["c"] == k).mean(), abs=0.02)
    assert model.ate("c", "y", values=(2, 0), n=20000) == pytest.approx(2.0, abs=0.06)
    # consistency: a counterfactual with the factual values reproduces every class
    rows = data.iloc[:300]
    np.testing.assert_array_equal(model.counterfactual(rows, {"x": rows["x"].to_numpy()})["c"], rows["c"])
    # a large push on x moves classes towards 1 (logit 2x) and never the reverse for class-1 rows
    pushed = model.counterfactual(rows, {"x": rows["x"].to_numpy() + 3.0})
    assert (pushed["c"] == 1).mean() > 0.9


def test_bad_inputs_raise_clear_errors(fitted):
    model, data, _ = fitted
    with pytest.raises(ValueError, match=r"unknown node\(s\) \['q'\].*nodes are"):
        model.intervene({"q": 1.0}, 10)
    with pytest.raises(ValueError, match="unknown node"):
        model.counterfactual(data.iloc[:2], {"q": 1.0})
    with pytest.raises(ValueError, match="cycle"):
        scm.SCM(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])).fit(data)
    cpdag = nx.DiGraph([("c", "d")])
    add_undirected(cpdag, "a", "b")
    with pytest.raises(ValueError, match="undirected.*to_dag"):
        scm.SCM(cpdag).fit(data)
    with pytest.raises(ValueError, match=r"lacks columns.*\['d'\]"):
        scm.SCM(GRAPH).fit(data.drop(columns="d"))
    with pytest.raises(ValueError, match="NaN.*'c'"):
        scm.SCM(GRAPH).fit(data.assign(c=np.where(np.arange(len(data)) == 3, np.nan, data["c"])))
    with pytest.raises(ValueError, match="NaN"):
        model.counterfactual(data.iloc[:2].assign(a=np.nan), {"b": 1.0})
    with pytest.raises(ValueError, match="length 10"):
        model.intervene({"b": np.zeros(3)}, 10)
    with pytest.raises(ValueError, match="unknown mechanism option"):
        scm.SCM(GRAPH, hiden=(8,)).fit(data)
    with pytest.raises(ValueError, match="val_fraction"):
        scm.SCM(GRAPH, "mlp", val_fraction=2.0).fit(data)
    with pytest.raises(ValueError, match="mechanisms must be one of"):
        scm.SCM(GRAPH, "cubic").fit(data)
    with pytest.raises(ValueError, match="not fitted"):
        scm.SCM(GRAPH).sample(5)
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(0)


def test_string_labels_and_declared_discrete_float_columns():
    data = categorical_data(n=1000)
    graph = nx.DiGraph([("x", "c"), ("c", "y"), ("x", "y")])
    labelled = data.assign(c=np.array(["lo", "mid", "hi"])[data["c"]])
    model = scm.SCM(graph).fit(labelled)
    assert model.classes_["c"].tolist() == ["hi", "lo", "mid"]
    assert set(model.sample(500)["c"]) == {"hi", "lo", "mid"}
    effect = model.intervene({"c": "hi"}, 5000)["y"].mean() - model.intervene({"c": "lo"}, 5000)["y"].mean()
    assert effect == pytest.approx(2.0, abs=0.1)  # y = x + 2 * [c == 2] and label "hi" is class 2
    declared = scm.SCM(graph, discrete=["c"]).fit(data.assign(c=data["c"].astype(float)))
    assert declared.classes_["c"].tolist() == [0.0, 1.0, 2.0]
    assert declared.intervene({"c": 2.0}, 2000)["y"].mean() - declared.intervene({"c": 0.0}, 2000)["y"].mean() \
        == pytest.approx(2.0, abs=0.1)


def test_wrong_values_for_a_discrete_node_raise():
    data = categorical_data(n=500)
    model = scm.SCM(nx.DiGraph([("x", "c"), ("c", "y"), ("x", "y")])).fit(data)
    with pytest.raises(ValueError, match=r"discrete with classes \[0, 1, 2\]"):
        model.intervene({"c": 0.5}, 10)
    with pytest.raises(ValueError, match="discrete with classes"):
        model.intervene({"c": "high"}, 10)
    with pytest.raises(ValueError, match="discrete; a shift"):
        model.intervene({"c": ("shift", 1)}, 10)
    with pytest.raises(ValueError, match="continuous; values must be numbers"):
        model.intervene({"x": "high"}, 10)


def test_typed_shift_moves_the_mean_by_delta_times_the_path_coefficient(fitted):
    model, _, _ = fitted
    base = model.sample(20000, seed=5)
    shifted = model.intervene({"b": scm.Shift(2.0)}, 20000, seed=5)
    path = model.mechanisms_["c"].coef_[1] * model.mechanisms_["d"].coef_[0]  # b -> c -> d
    assert shifted["b"].mean() - base["b"].mean() == pytest.approx(2.0, abs=1e-9)
    assert shifted["d"].mean() - base["d"].mean() == pytest.approx(2.0 * path, abs=1e-9)
    assert (shifted["a"] == base["a"]).all()  # not a descendant of b
    pd.testing.assert_frame_equal(shifted, model.intervene({"b": ("shift", 2.0)}, 20000, seed=5))


def test_typed_soft_replaces_the_equation_in_samples_and_counterfactuals(fitted):
    model, data, _ = fitted
    soft = model.intervene({"b": scm.Soft(stats.norm(3.0, 1.0))}, 5000, seed=2)
    assert soft["b"].mean() == pytest.approx(3.0, abs=0.05)
    pd.testing.assert_frame_equal(soft, model.intervene({"b": ("soft", stats.norm(3.0, 1.0))}, 5000, seed=2))
    rows = data.iloc[:20]
    # a row's counterfactual under Soft takes a fresh draw for b and keeps the row's other noises
    constant = model.counterfactual(rows, {"b": scm.Soft(lambda rng, n: np.full(n, 1.0))})
    pd.testing.assert_frame_equal(constant, model.counterfactual(rows, {"b": 1.0}))


def test_typed_forms_are_refused_where_they_cannot_apply():
    data = categorical_data(n=500)
    model = scm.SCM(nx.DiGraph([("x", "c"), ("c", "y"), ("x", "y")])).fit(data)
    with pytest.raises(ValueError, match=r"do\['c'\]: node 'c' is discrete; a shift"):
        model.intervene({"c": scm.Shift(1.0)}, 10)
    with pytest.raises(ValueError, match=r"do\['x'\]: expected a value, scm.Shift\(delta\) or scm.Soft"):
        model.intervene({"x": ("scale", 2.0)}, 10)
    drawn = model.intervene({"c": scm.Soft(lambda rng, n: rng.choice([0, 2], size=n))}, 200, seed=0)
    assert set(drawn["c"]) == {0, 2}


def test_scm_follows_the_sklearn_estimator_contract():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    model = scm.SCM(GRAPH, "mlp", hidden=(8,), seed=3)
    params = model.get_params()
    assert params["graph"] is GRAPH and params["mechanisms"] == "mlp" and params["hidden"] == (8,)
    assert params["seed"] == 3 and params["max_categories"] == 20
    assert model.set_params(lr=0.01, max_categories=5) is model and model.lr == 0.01
    copy = clone(model)
    assert copy is not model and copy.get_params()["lr"] == 0.01 and copy.get_params()["max_categories"] == 5
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        model.sample(5)
    with pytest.raises(ValueError, match=r"unknown mechanism option\(s\) \['hiden'\]"):
        scm.SCM(GRAPH, hiden=(8,))


def test_whole_number_columns_with_few_levels_are_discrete_unless_max_categories_says_otherwise():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 15, 1000)
    data = pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=1000)})
    graph = nx.DiGraph([("x", "y")])
    assert scm.SCM(graph).fit(data).classes_["x"].tolist() == list(range(15))
    assert "x" not in scm.SCM(graph, max_categories=10).fit(data).classes_
