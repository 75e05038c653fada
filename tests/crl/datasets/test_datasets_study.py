"""A one-model study on a file in each format: the study's trial (open the data set by name and path, train, save,
score) runs on dSprites, Shapes3D and MPI3D files as on a scene, and a folder data set runs through Ray itself.

The grid formats' files here are on reduced grids, which the loaders accept only while the test's patched tables are
in force: in this process, not in Ray's workers, so their trials run in-process (`run_trial`, what each Ray worker
calls). A folder declares its own grid, so its study runs on Ray end to end."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from crl.study import load_config, run, trials
from crl.study.trial import run_trial

pytestmark = pytest.mark.slow
TRAINING = {"steps": 20, "n_images": 120, "n_pairs": 120, "n_labels": 0, "latent_dim": 4, "batch_size": 16}
SCORES = {"fast": True, "families": ["metrics", "unsupervised"]}


def one_model(name: str, path, kind: str = "beta-vae") -> dict:
    return {"name": f"one-{name}", "data": [{"dataset": name, "path": str(path), "resolution": 16}],
            "models": [{"objective": kind}], "training": TRAINING, "scores": SCORES}


@pytest.mark.parametrize("kind, name", [("dsprites", "dsprites"), ("shapes3d", "shapes3d"), ("mpi3d", "mpi3d_toy")])
def test_a_one_model_study_trial_runs_on_each_grid_format(files, tmp_path, one_thread, kind, name):
    path, _ = files[kind](side=16)
    config = load_config(one_model(name, path))
    (trial,) = trials(config)
    result = run_trial(trial, tmp_path / "study", config.scores)
    scores = result["scores"]
    assert result["steps"] == 20 and (tmp_path / "study" / "models" / trial.id).is_dir()
    assert 0 <= scores["metrics.mcc"] <= 1 and np.isfinite(scores["unsupervised.gaussian_total_correlation"])


def test_a_one_model_study_runs_on_a_folder_through_ray(tmp_path, one_thread):
    from PIL import Image

    ray = pytest.importorskip("ray")
    folder, rows = tmp_path / "images", []
    folder.mkdir()
    for i, (shape, x) in enumerate((s, x) for s in ("wide", "narrow") for x in range(8)):  # a full 2 x 8 grid
        image = np.zeros((16, 16, 3), np.uint8)
        image[4:12, x:x + (8 if shape == "wide" else 4)] = 255
        Image.fromarray(image).save(folder / f"{i}.png")
        rows.append(f"{i}.png,{shape},{x}")
    (folder / "factors.csv").write_text("file,shape,x\n" + "\n".join(rows) + "\n")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        table = run(one_model("folder", folder), tmp_path / "study", progress=False)
    finally:
        if started:
            ray.shutdown()
    assert len(table) == 1 and table["status"].tolist() == ["ok"]
    assert 0 <= table["metrics.mcc"].iloc[0] <= 1
