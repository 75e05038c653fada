"""The study report: its numbers on tables made by hand, and every figure written as a PNG the markdown links."""
import itertools

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from crl.cli import main
from crl.study import load_config
from crl.study.analysis import rank_correlation, regularisation_column, selection_table, variance_shares
from crl.study.results import write_results, write_study


def balanced_table() -> pd.DataFrame:
    """Two objectives x beta in {1, 4} x seeds {0, 1}: score = objective effect (+-3) + beta effect (+-2) + seed (+-1)."""
    rows = []
    for objective, beta, seed in itertools.product(["beta-vae", "beta-tcvae"], [1.0, 4.0], [0, 1]):
        score = (3 if objective == "beta-vae" else -3) + (2 if beta == 4.0 else -2) + (1 if seed else -1)
        rows.append({"trial_id": f"{objective}-{beta}-{seed}", "data": "pendulum", "objective": objective, "seed": seed,
                     "hp.beta": beta, "status": "ok", "error": "", "wall_time": 1.0, "attempts": 1,
                     "metrics.mig": score, "metrics.mcc": score / 10 + 0.05 * seed, "selection.neg_elbo": -score,
                     "selection.pair_loss": 10.0 * seed - score, "selection.validation_mcc": score + (5 if seed else 0),
                     "unsupervised.gaussian_total_correlation": 1.0 - score / 10, "generalization.random:r2": score / 7,
                     "fairness.mean_fairness:mean_pred:mean_sens": 0.1 * seed})
    return pd.DataFrame(rows)


def test_variance_shares_are_the_nested_sums_of_squares():
    shares = variance_shares(balanced_table(), "metrics.mig")
    # balanced and orthogonal: each source's share is its squared effect over the sum of squared effects
    assert shares == pytest.approx({"data": 0.0, "objective": 9 / 14, "hyperparameters": 4 / 14, "seed": 1 / 14})
    constant = balanced_table().assign(**{"metrics.mig": 1.0})
    assert all(np.isnan(v) for v in variance_shares(constant, "metrics.mig").values())


def test_selection_picks_by_each_rule_and_compares_with_the_best():
    table = balanced_table()
    picked = selection_table(table, ["selection.neg_elbo", "selection.pair_loss", "selection.validation_mcc"],
                             ["metrics.mig"]).set_index("rule")
    # neg_elbo = -score is minimised: it picks the best model; pair_loss (10 x seed - score) is minimised: the best
    # seed-0 model, one seed effect (2) below the best; validation_mcc (score + 5 x seed): the best model again
    assert picked.loc["selection.neg_elbo", "selected"] == 6 and picked.loc["selection.neg_elbo", "regret"] == 0
    assert picked.loc["selection.pair_loss", "selected"] == 4 and picked.loc["selection.pair_loss", "regret"] == 2
    assert picked.loc["selection.validation_mcc", "selected"] == 6
    assert (picked["best"] == 6).all() and (picked["median"] == 0).all()


def test_rank_correlation_and_the_regularisation_column():
    table = balanced_table()
    rho = rank_correlation(table, ["metrics.mig", "selection.neg_elbo"])
    assert rho.loc["metrics.mig", "selection.neg_elbo"] == pytest.approx(-1.0)
    assert regularisation_column(table, "beta-vae") == "hp.beta"
    assert regularisation_column(table.assign(**{"hp.beta": 1.0}), "beta-vae") is None


def test_report_writes_every_figure_and_links_it(tmp_path, capsys):
    config = load_config({"name": "made-by-hand", "data": [{"scene": "pendulum", "resolution": 16}],
                          "models": [{"objective": "beta-vae"}]})
    failed = {"trial_id": "bad", "data": "pendulum", "objective": "beta-vae", "seed": 9, "status": "failed",
              "error": "TrainingDiverged: loss nan", "attempts": 2}
    write_study(tmp_path, config, 9)
    write_results(tmp_path, pd.concat([balanced_table(), pd.DataFrame([failed])], ignore_index=True))
    assert main(["study", "report", str(tmp_path)]) == 0
    report = (tmp_path / "report" / "report.md").read_text()
    figures = ["rank_correlation.png", "violins.png", "regularisation.png", "variance.png", "selection.png",
               "downstream.png"]
    for name in figures:
        assert f"]({name})" in report
        image = mpimg.imread(tmp_path / "report" / name)
        assert image.shape[0] > 100 and image.shape[1] > 100 and image[..., :3].std() > 0.05  # drawn, not blank
    assert "9 trials: 8 ok, 1 failed" in report and "TrainingDiverged: loss nan" in report
    assert "| unsupervised.gaussian_total_correlation | 0.000 |" in report  # a label-free rule: lower TC, the best model
    assert "| metrics.mig | 0.00 | 0.64 | 0.29 | 0.07 |" in report  # the variance shares printed under their figure


def test_a_report_before_two_trials_finish_says_so(tmp_path):
    write_study(tmp_path, load_config({"name": "early", "data": [{"scene": "pendulum"}],
                                       "models": [{"objective": "beta-vae"}]}), 4)
    assert main(["study", "report", str(tmp_path)]) == 0
    assert "need at least 2 finished trials; this study has 0" in (tmp_path / "report" / "report.md").read_text()
