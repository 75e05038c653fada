"""End to end: `evaluate` on a perfect and a broken fake model, bad input, and the report folder."""
import re

import networkx as nx
import pytest
from conftest import BrokenModel, PerfectModel

from crl.evaluation import EvaluationResult, evaluate
from crl.evaluation.evaluate import graph_table
from crl.notes import ModelNotes

DO = [{"a": 0.25}, {"a": 0.75}, {"c": 0.5}]


def test_missing_factor_names_are_named_before_any_work(scene, oracle):
    model = PerfectModel(scene)
    model.concepts = ["a", "z0", "z1"]
    with pytest.raises(ValueError, match=r"no concept named \['b', 'c'\]"):
        evaluate(model, scene, n=50, oracle=oracle)


def test_bad_arguments_are_rejected(scene, oracle):
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        evaluate(PerfectModel(scene), scene, n=1, oracle=oracle)
    with pytest.raises(ValueError, match="unknown factor"):
        evaluate(PerfectModel(scene), scene, n=50, do={"light": 0.3}, oracle=oracle)


@pytest.fixture(scope="module")
def results(scene, oracle):
    pytest.importorskip("scm.metrics", reason="graph metrics come from scm.metrics")
    return {name: evaluate(cls(scene), scene, n=200, seed=0, do=DO, oracle=oracle)
            for name, cls in (("perfect", PerfectModel), ("broken", BrokenModel))}


def test_perfect_model_scores_perfectly(results):
    s = results["perfect"].summary()
    assert s["shd"] == 0 and s["skeleton_f1"] == 1.0 and s["orientation_f1"] == 1.0
    assert s["mcc"] > 0.999
    assert (results["perfect"].alignment["r2"] > 0.999).all()
    assert s["int_error_descendants"] < 0.15
    assert s["cf_mse"] < 1e-4 and s["cf_ssim"] > 0.99
    assert max(s["cf_error_intervened"], s["cf_error_descendants"], s["cf_error_nondescendants"]) < 0.35


def test_broken_model_is_caught(results):
    s, p = results["broken"].summary(), results["perfect"].summary()
    assert s["shd"] == 2  # a->b reversed, c->a extra
    assert s["skeleton_precision"] == 0.5 and s["orientation_f1"] == 0.0
    assert s["mcc"] > 0.999  # its encoder is still right: only the causal part is broken
    # it leaves b at its mean 0.5; do(a=0.25 / 0.75) moves it to 0.35 / 0.65: 0.15 / std(b) 0.18 = 0.82
    assert s["int_error_descendants"] > 0.6
    assert s["cf_error_intervened"] > 0.7 and s["cf_error_intervened"] > 3 * p["cf_error_intervened"]
    assert s["cf_mse"] > 10 * max(p["cf_mse"], 1e-6)


def test_shd_measured_leaves_out_the_pairs_of_unmeasured_concepts():
    pytest.importorskip("scm.metrics", reason="graph metrics come from scm.metrics")
    true = nx.DiGraph([("x", "scale"), ("scale", "orientation"), ("shape", "orientation")])
    est = nx.DiGraph([("scale", "x")])  # x -> scale reversed; shape and orientation unmeasured, so edgeless
    est.add_nodes_from(["shape", "orientation"])
    names = ["shape", "x", "scale", "orientation"]
    table = dict(zip(*graph_table(true, est, names, unmeasured=["shape", "orientation"]).to_dict("list").values()))
    assert table["shd"] == 3 and table["shd_measured"] == 1  # the reversal is the one wrong claim
    table = dict(zip(*graph_table(true, est, names).to_dict("list").values()))
    assert table["shd_measured"] == table["shd"] == 3
    est.graph["notes"] = ModelNotes(method="pairs", unmeasured=["shape"],  # as fit records them
                                    read_through={"orientation": {"through": ["scale"]}},
                                    left_out={"shape": "reads poorly", "orientation": "read through scale"})
    table = dict(zip(*graph_table(true, est, names).to_dict("list").values()))
    assert table["shd"] == 3 and table["shd_measured"] == 1


def test_report_folder_links_every_figure(scene, oracle, tmp_path):
    pytest.importorskip("scm.metrics", reason="graph metrics come from scm.metrics")
    result = evaluate(BrokenModel(scene), scene, n=40, do=DO, oracle=oracle, report_dir=tmp_path / "report")
    assert isinstance(result, EvaluationResult)
    text = (tmp_path / "report" / "report.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 1 + 2 + 1  # graph, one grid per intervened factor, traversals
    assert all((tmp_path / "report" / link).is_file() for link in links)
    assert "| shd |" in text and "cf_error_intervened" in text
