"""The study's reasoning family and its report section: rho of accuracy against disentanglement, curves per objective."""
import matplotlib.image as mpimg
import pandas as pd
import pytest

from crl.cli import main
from crl.study import load_config
from crl.study.analysis import cross_correlation, step_curves
from crl.study.results import write_results, write_study


def reasoning_table() -> pd.DataFrame:
    """8 trials, 2 objectives: few-step accuracy rises with MIG, many-step accuracy falls with it."""
    rows = []
    for i in range(8):
        objective = "beta-vae" if i < 4 else "ada-gvae"
        rows.append({"trial_id": f"t{i}", "data": "pendulum", "objective": objective, "seed": i, "status": "ok",
                     "error": "", "wall_time": 1.0, "attempts": 1, "metrics.mig": i / 10, "metrics.mcc": (i % 3) / 3,
                     "reasoning.accuracy:few": 0.2 + i / 20, "reasoning.accuracy:many": 0.9 - i / 50,
                     "reasoning.accuracy@100": 0.2 + i / 20, "reasoning.accuracy@300": 0.5 + i / 40,
                     "reasoning.accuracy@200": 0.3 + i / 30})
    return pd.DataFrame(rows)


def test_cross_correlation_and_curves_on_a_table_made_by_hand():
    table = reasoning_table()
    rho = cross_correlation(table, ["reasoning.accuracy:few", "reasoning.accuracy:many"], ["metrics.mig"])
    assert rho.loc["reasoning.accuracy:few", "metrics.mig"] == pytest.approx(1.0)
    assert rho.loc["reasoning.accuracy:many", "metrics.mig"] == pytest.approx(-1.0)
    curves = step_curves(table, "reasoning.accuracy@")
    assert curves.index.tolist() == [100, 200, 300]  # numeric order, not the columns' order
    assert curves.loc[300, "beta-vae"] == pytest.approx(0.5 + 1.5 / 40)  # median of seeds 0..3
    assert curves.loc[100, "ada-gvae"] == pytest.approx(0.2 + 5.5 / 20)


def test_the_report_shows_reasoning_against_disentanglement(tmp_path):
    config = load_config({"name": "reasoning-by-hand", "data": [{"scene": "pendulum", "resolution": 16}],
                          "models": [{"objective": "beta-vae"}]})
    write_study(tmp_path, config, 8)
    write_results(tmp_path, reasoning_table())
    assert main(["study", "report", str(tmp_path)]) == 0
    report = (tmp_path / "report" / "report.md").read_text()
    for name in ("reasoning.png", "reasoning_curves.png"):
        assert f"]({name})" in report
        image = mpimg.imread(tmp_path / "report" / name)
        assert image.shape[0] > 100 and image[..., :3].std() > 0.05
    assert "| reasoning.accuracy:few | 1.00 |" in report and "| reasoning.accuracy:many | -1.00 |" in report

