"""Interventional mean errors: pinned on constructed draws, ~0 for the true mechanisms, large when do() is ignored."""
import pandas as pd
import pytest
from conftest import BrokenModel, PerfectModel

from crl.evaluation.factors import factor_scales
from crl.evaluation.interventional import interventional_error, interventional_table


def test_table_reports_mean_differences_by_relation(scene):
    model = pd.DataFrame({"a": [0.5, 0.5], "b": [0.6, 0.8], "c": [0.1, 0.3]})
    truth = pd.DataFrame({"a": [0.5, 0.5], "b": [0.5, 0.5], "c": [0.2, 0.2]})
    defs = {f.name: f for f in scene.factors}
    table = interventional_table([({"a": 0.5}, model, truth)], scene.graph, defs, {"a": 1.0, "b": 0.5, "c": 0.25})
    rows = table.set_index("variable")
    assert rows.loc["b", "relation"] == "descendant" and rows.loc["c", "relation"] == "non-descendant"
    assert rows.loc["b", "abs_error"] == pytest.approx(0.2) and rows.loc["b", "abs_error_norm"] == pytest.approx(0.4)
    assert rows.loc["c", "abs_error"] == pytest.approx(0.0) and "a" not in rows.index


@pytest.mark.parametrize("model_class, small", [(PerfectModel, True), (BrokenModel, False)])
def test_descendant_error_separates_true_and_ignored_interventions(scene, model_class, small):
    defs = {f.name: f for f in scene.factors}
    scales = factor_scales(scene.sample(2000, seed=9).factors, defs)
    do = [{"a": 0.1}, {"a": 0.9}]
    table = interventional_error(model_class(scene), scene, do, defs, scales, n=1000, seeds=[1, 2])
    descendant = table[table["relation"] == "descendant"]  # b under do(a): mean 0.26 and 0.74 in the scene
    assert descendant["scene_mean"].to_numpy() == pytest.approx([0.26, 0.74], abs=0.01)
    if small:
        assert (descendant["abs_error"] < 4 * descendant["se"]).all()
    else:  # the broken model leaves b at its observational mean 0.5
        assert (descendant["abs_error"] > 0.2).all() and (descendant["abs_error_norm"] > 1.0).all()
