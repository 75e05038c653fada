"""`crl train` and `crl evaluate` (and `crl.evaluate`) run on a loaded data set as on a scene."""
from __future__ import annotations

import numpy as np
import pytest

import crl
import crl.datasets
from crl.cli import main

TRAIN = ["--resolution", "16", "--n-images", "300", "--n-pairs", "300", "--n-labels", "60", "--steps", "50",
         "--latent-dim", "8", "--mechanisms", "linear", "--device", "cpu"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CRL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:do\\(\\) sets")  # a 50-step model reads some factors poorly, as it should
@pytest.mark.parametrize("kind, name", [("mpi3d", "mpi3d_real"), ("dsprites", "dsprites")])
def test_train_and_evaluate_on_a_data_set_file(files, tmp_path, capsys, one_thread, kind, name):
    path, _ = files[kind](side=64)
    model_dir = tmp_path / "model"
    data = ["--dataset", name, "--data-path", str(path)]
    assert main(["train", *data, *TRAIN, "--out", str(model_dir)]) == 0
    model = crl.CausalModel.load(model_dir, device="cpu")
    ds = crl.datasets.load(name, path, resolution=model.resolution)
    assert model.concept_names == ds.factor_names
    do = ds.default_interventions()[::3]
    result = crl.evaluate(model, ds, n=40, do=do, oracle_options={"steps": 30, "n": 200, "n_holdout": 50,
                                                                   "device": "cpu", "progress": False})
    summary = result.summary()
    assert summary["shd"] == model.graph.subgraph(ds.factor_names).number_of_edges()  # the true graph has no edges
    assert len(result.counterfactual_images) == len(do) and np.isfinite(result.counterfactual_images["mse"]).all()
    capsys.readouterr()
    assert main(["evaluate", str(model_dir), *data, "--n", "40", "--oracle-steps", "30", "--device", "cpu",
                 "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "report.md").is_file() and "cf_mse" in capsys.readouterr().out
