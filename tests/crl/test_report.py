"""report.md holds the summary and tables and links every figure inside the folder."""
import re

import numpy as np
import pandas as pd
import pytest

from crl.evaluation import EvaluationResult
from crl.evaluation.report import markdown_table, write_report
from crl.notes import ModelNotes
from scm.notes import PairEvidence


def _result():
    graph = pd.DataFrame({"metric": ["shd", "precision", "recall", "f1"], "value": [1.0, 0.5, 1.0, 2 / 3]})
    alignment = pd.DataFrame({"factor": ["a"], "kind": ["continuous"], "pearson_r": [0.9], "r2": [0.8],
                              "accuracy": [np.nan]})
    inter = pd.DataFrame({"intervention": ["do(a=0.5)"], "variable": ["b"], "relation": ["descendant"],
                          "model_mean": [1.0], "scene_mean": [1.2], "abs_error": [0.2], "abs_error_norm": [0.4],
                          "se": [0.05]})
    cf = pd.DataFrame({"intervention": ["do(a=0.5)"] * 2, "variable": ["a", "b"],
                       "relation": ["intervened", "descendant"], "error": [0.1, 0.3], "error_norm": [0.2, 0.6],
                       "oracle_floor_norm": [0.05, 0.05], "share_in_support": [0.5, 0.5],
                       "error_norm_in_support": [0.1, 0.4]})
    images = pd.DataFrame({"intervention": ["do(a=0.5)"], "mse": [0.01], "ssim": [0.9], "mse_unchanged": [0.02],
                           "ssim_unchanged": [0.8]})
    return EvaluationResult(alignment, graph, inter, cf, images, mcc=0.9)


def test_summary_has_the_headline_numbers():
    s = _result().summary()
    assert s["shd"] == 1 and s["f1"] == pytest.approx(2 / 3) and s["mcc"] == 0.9  # every graph metric
    assert s["cf_error_intervened"] == 0.2 and s["cf_error_descendants"] == 0.6
    assert np.isnan(s["cf_error_nondescendants"]) and s["int_error_descendants"] == 0.4
    assert s["cf_share_in_support"] == 0.5 and s["cf_error_intervened_in_support"] == 0.1
    assert s["cf_error_descendants_in_support"] == 0.4 and np.isnan(s["cf_error_nondescendants_in_support"])


def test_markdown_table_formats_numbers_and_blanks_nan():
    text = markdown_table(pd.DataFrame({"name": ["x|y"], "v": [1 / 3], "w": [np.nan]}))
    assert text.splitlines() == ["| name | v | w |", "|---|---:|---:|", "| x\\|y | 0.3333 |  |"]


def test_report_copies_outside_figures_and_links_them(tmp_path):
    outside = tmp_path / "elsewhere" / "graph.png"
    outside.parent.mkdir()
    outside.write_bytes(b"\x89PNG fake")
    inside = tmp_path / "rep" / "figures" / "cf.png"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"\x89PNG fake")
    path = write_report(_result(), tmp_path / "rep", {"graph": outside, "counterfactual": inside}, {"seed": 3})
    text = path.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["figures/graph.png", "figures/cf.png"]
    assert all((tmp_path / "rep" / link).is_file() for link in links)
    assert "- **seed**: 3" in text and "| cf_error_descendants | 0.6 |" in text
    with pytest.raises(ValueError, match="missing"):
        write_report(_result(), tmp_path / "rep2", {"graph": tmp_path / "nope.png"})


def _learned_graph():
    import networkx as nx

    g = nx.DiGraph()
    g.add_edge("a", "b", confidence=0.9, bootstrap_frequency=1.0)
    g.add_edge("c", "b", confidence=0.6)  # reversed against the truth, no bootstrap run for it
    g.add_edge("a", "d", confidence=0.4, bootstrap_frequency=0.5)
    g.add_edge("d", "a", confidence=0.4, bootstrap_frequency=0.5)  # undirected a -- d
    pairs = PairEvidence(pd.DataFrame(), {}, {},
                         conflicts=[{"dropped": ("d", "c"), "miss": 0.2, "changes": (90, 40), "cycle": ["c", "d"]}],
                         refuted=[{"pair": ("a", "c"), "miss": 0.5, "path": ["a", "b", "c"]}])
    g.graph["notes"] = ModelNotes(method="pairs", unseen=["e"], unseen_method="pc", unstable=[("e", "a")],
                                  undecided=[("c", "d")], pairs=pairs, concept_fit={"a": 0.97, "f": 0.12},
                                  concept_fit_trained={"a": 0.99, "f": 0.93}, unmeasured=["f"],
                                  read_through={"h": {"share": 0.29, "p_value": 1e-9, "through": ["b", "c"]}})
    g.add_nodes_from(["f", "h"])
    truth = nx.DiGraph([("a", "b"), ("b", "c"), ("d", "a"), ("c", "e")])
    return g, truth


def test_learned_edges_are_scored_against_the_truth():
    from crl.evaluation.report import learned_edges_table

    g, truth = _learned_graph()
    table = learned_edges_table(g, truth)
    assert table["edge"].tolist() == ["a -> b", "a -- d", "c -> b", "c -> e"]
    assert table["in_true_graph"].tolist() == ["true", "adjacent", "reversed", "missed"]
    assert table.loc[0, "confidence"] == 0.9 and np.isnan(table.loc[2, "bootstrap_frequency"])
    assert list(learned_edges_table(g).columns) == ["edge", "confidence", "bootstrap_frequency"]


def test_report_lists_what_discovery_could_not_settle(tmp_path):
    g, truth = _learned_graph()
    text = write_report(_result(), tmp_path / "rep", learned_graph=g, true_graph=truth).read_text()
    assert "| c -> b | 0.6 |  | reversed |" in text
    assert "- f: read poorly from images whose labels the encoder never saw (fit 0.12; 1 exact, 0 chance); no edges" in text
    assert "it fits the labelled images the encoder trained on (0.93) but not others, so the encoder memorised" in text
    assert ("- h: its reading follows b, c, which are not its causes (29% of its variance beyond its own label), so "
            "the encoder infers it from them rather than seeing it; no edges are claimed for it") in text
    assert "- e: the pairs do not show its own variation; its edges come from pc" in text
    assert "- e -> a: found by pc for an unseen column, but in under half of the bootstrap resamples" in text
    assert "- c -> d: a possible direct parent the pairs could not settle (left out of the graph)" in text
    assert "- d is an ancestor of c: claimed by the pairs but dropped to break the cycle c -> d" in text
    assert "- a is an ancestor of c by the path a -> b -> c, yet a's own changes left c still in 50% of pairs" in text
