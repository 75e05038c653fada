"""An SCM's state (JSON values and numpy arrays, no pickle) rebuilds a model whose queries match the original's
for the same seed, for every mechanism kind; a damaged or foreign state is refused by field."""
import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
import torch
from scipy import stats

import scm
from scm.mechanisms import LinearMechanism
from scm.mechanisms.state import StateError

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:mlp mechanism.*still improving:RuntimeWarning")  # tiny step budgets

GRAPH = nx.DiGraph([("a", "b"), ("c", "b"), ("b", "d"), ("a", "d"), ("c", "e")])
MLP = dict(hidden=(8,), max_steps=60, patience=5, device="cpu")


def _data(n=300, seed=0):
    """a continuous root, c a three-class root, b continuous of both, d a labelled class of (a, b), e binary of c."""
    rng = np.random.default_rng(seed)
    a, c = rng.normal(size=n), rng.integers(0, 3, n)
    b = np.sin(2 * a) + c + 0.2 * rng.normal(size=n)
    d = np.array(["lo", "mid", "hi"])[(b > 0.5).astype(int) + (a > 0.8)]
    e = ((c + rng.integers(0, 2, n)) > 1).astype(int)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "e": e})


def _round_trip(model, **kwargs):
    """The model rebuilt from its state after the state went through JSON text and a safetensors file."""
    state, arrays = model.to_state()
    return scm.SCM.from_state(json.loads(json.dumps(state)), safetensors.numpy.load(safetensors.numpy.save(arrays)),
                              **kwargs)


def _same_answers(model, back, rows):
    for query in (lambda m: m.sample(60, seed=3),
                  lambda m: m.intervene({"a": 1.0, "c": 2}, 40, seed=1),
                  lambda m: m.intervene({"b": scm.Shift(0.5), "a": scm.Soft(stats.norm(0, 2))}, 40, seed=2),
                  lambda m: m.counterfactual(rows, {"a": 0.3}, seed=4),
                  lambda m: m.noise(rows, seed=5)):
        pd.testing.assert_frame_equal(query(model), query(back))
    assert model.ate("a", "b", n=200, seed=6) == back.ate("a", "b", n=200, seed=6)


@pytest.mark.parametrize("options", [dict(mechanisms="linear"), dict(mechanisms="mlp", **MLP),
                                     dict(mechanisms="auto", **MLP), dict(mechanisms="linear", root="gaussian",
                                                                          additive_noise="gaussian", C=0.5)],
                         ids=["linear", "mlp", "auto", "gaussian"])
def test_every_mechanism_kind_answers_the_same_after_a_round_trip(options):
    data = _data()
    model = scm.SCM(GRAPH, **options).fit(data)
    back = _round_trip(model)
    kinds = {node: type(mechanism).__name__ for node, mechanism in back.mechanisms_.items()}
    assert kinds == {node: type(mechanism).__name__ for node, mechanism in model.mechanisms_.items()}
    assert kinds["d"] == kinds["e"] == kinds["c"] == "CategoricalMechanism"
    assert back.selection_scores_ == model.selection_scores_ and back.order_ == model.order_
    assert {k: v for k, v in back.get_params().items() if k != "graph"} == {
        k: v for k, v in model.get_params().items() if k != "graph"}
    for node, classes in model.classes_.items():
        np.testing.assert_array_equal(back.classes_[node], classes)
        assert back.classes_[node].dtype == classes.dtype
    _same_answers(model, back, data.iloc[:25])


def test_per_node_mechanisms_known_parameters_and_attributes_survive():
    graph = nx.DiGraph([(0, 1)])
    graph.add_edge(0, 1, weight=np.float64(0.7), note=object())
    mechanisms = {0: LinearMechanism.from_parameters([], 1.0, 2.0), 1: LinearMechanism.from_parameters([3.0], 0.0, 0.5)}
    model = scm.SCM.from_mechanisms(graph, mechanisms, seed=4)
    back = _round_trip(model)
    assert back.mechanisms_[1].residuals_ is None and back.mechanisms_[1].noise == "gaussian"
    assert dict(back.graph_.edges[0, 1]) == {"weight": 0.7}  # JSON-scalar attributes are kept, others dropped
    pd.testing.assert_frame_equal(back.intervene({0: 2.0}, 30, seed=1), model.intervene({0: 2.0}, 30, seed=1))
    data = _data()
    named = scm.SCM(GRAPH, mechanisms={"b": "mlp", "a": "gaussian"}, **MLP).fit(data)
    back = _round_trip(named, device="cpu")
    assert back.mechanisms == named.mechanisms and back.mechanisms_["b"].net_ is not named.mechanisms_["b"].net_
    _same_answers(named, back, data.iloc[:10])


def test_a_damaged_state_is_refused_naming_the_field():
    model = scm.SCM(GRAPH, mechanisms="mlp", **MLP).fit(_data())
    state, arrays = model.to_state()
    mlp = next(i for i, entry in enumerate(state["mechanisms"]) if entry["kind"] == "mlp")
    key = next(k for k in arrays if k.startswith(f"mechanisms.{mlp}.net."))
    cases = [
        ({**state, "schema": 2}, arrays, "state", "schema"),
        ({**state, "format": "os.system"}, arrays, "state", "format"),
        (state, {**arrays, key: np.zeros((3, 3, 3), np.float32)}, "arrays", key),
        (state, {k: v for k, v in arrays.items() if k != key}, "arrays", key),
        (state, {**arrays, "stray": np.zeros(1)}, "arrays", "stray"),
    ]
    for bad_kind in ("os.system", "categorical"):
        changed = json.loads(json.dumps(state))
        changed["mechanisms"][mlp]["kind"] = bad_kind
        cases.append((changed, arrays, "state", f"mechanisms[{mlp}].kind"))
    changed = json.loads(json.dumps(state))
    del changed["mechanisms"][mlp]["settings"]["y_std"]
    cases.append((changed, arrays, "state", f"mechanisms[{mlp}].settings.y_std"))
    changed = json.loads(json.dumps(state))
    changed["graph"]["edges"].append({"source": "d", "target": "a"})
    cases.append((changed, arrays, "state", "graph"))
    for bad_state, bad_arrays, part, field in cases:
        with pytest.raises(StateError) as caught:
            scm.SCM.from_state(bad_state, bad_arrays)
        assert (caught.value.part, caught.value.field) == (part, field), caught.value
        assert isinstance(caught.value, ValueError)


def test_what_cannot_be_saved_is_refused():
    class Custom(LinearMechanism):
        pass

    fitted = LinearMechanism().fit(np.empty((5, 0)), np.arange(5.0), np.random.default_rng(0))
    custom = Custom().fit(np.empty((5, 0)), np.arange(5.0), np.random.default_rng(0))
    with pytest.raises(ValueError, match="mechanism of type Custom"):
        scm.SCM.from_mechanisms(nx.DiGraph([("x", "y")]), {"x": custom, "y": fitted}).to_state()
    with pytest.raises(ValueError, match="named by strings or integers"):
        scm.SCM.from_mechanisms(nx.DiGraph([((0, 1), "y")]), {(0, 1): fitted, "y": fitted}).to_state()
    with pytest.raises(ValueError, match="not fitted"):
        scm.SCM(GRAPH).to_state()
