"""Run each tutorial in quick mode and check the numbers its lesson is about."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "tutorials"


def _check_pendulum(ns: dict, out: Path) -> None:
    scene, model = ns["scene"], ns["model"]
    assert set(model.graph.nodes) == set(scene.factor_names)
    # the true counterfactual of do(pendulum) keeps the light (a non-descendant) exactly
    np.testing.assert_array_equal(ns["true_cf"].factors["light"], ns["test"].factors["light"])
    assert ns["model_cf"].images.shape == ns["test"].images.shape
    # the model's interventional samples obey do(pendulum=20)
    assert ns["comparison"].loc["pendulum", "model mean"] == pytest.approx(20.0, abs=1e-3)
    summary = ns["summary"]
    assert 0.0 <= summary["mcc"] <= 1.0 and np.isfinite(summary["cf_ssim"])
    assert (out / "01_pendulum" / "report" / "report.md").exists()


def _check_identifiability(ns: dict, out: Path) -> None:
    assert ns["rotation_mcc"].mean() < 0.7          # random rotations are far from the true axes
    assert ns["rotated_mcc"] < 0.7
    assert ns["pair_mcc"] > 0.98                      # pair differences recover them
    assert ns["ks"].pvalue > 0.001                    # while the latent distribution is unchanged
    assert ns["moved_coordinates"](ns["z"] - ns["z2"]) == pytest.approx(1.0)
    assert (out / "02_identifiability" / "mcc.png").exists()


def _check_labels(ns: dict, out: Path) -> None:
    labels, table, scores = ns["labels"], ns["concept_table"], ns["scores"]
    assert labels["binned"]["light"].nunique() <= 5
    assert labels["partial"].isna().to_numpy().mean() == pytest.approx(0.5, abs=0.02)
    assert list(table.index) == ns["MODES"]
    assert ((table.to_numpy() >= 0) & (table.to_numpy() <= 1)).all()
    assert table.loc["exact", "pendulum"] > 0.5      # a few exact labels name the pendulum latent
    assert ns["pick_validation"]["validation_mcc"] == scores["validation_mcc"].max()
    assert ns["pick_pairs"]["pair_loss"] == scores["pair_loss"].min()
    assert (out / "03_labels_and_selection" / "label_modes.png").exists()


def _check_own_scene(ns: dict, out: Path) -> None:
    pc, lingam = ns["pc"], ns["lingam"]
    assert set(pc.edges) == {("temperature", "ice_size"), ("ice_size", "temperature")}  # undirected
    assert set(lingam.edges) == {("temperature", "ice_size")}
    assert ns["model_mean"] == pytest.approx(ns["true_mean"], abs=0.02)
    # under the reversed graph, do(temperature) leaves the ice at its observational mean
    assert ns["answers"]["reversed graph"] == pytest.approx(ns["answers"]["observational mean"], abs=0.02)
    assert set(ns["model"].graph.nodes) == {"temperature", "ice_size", "colour"}
    assert (out / "04_your_own_scene" / "ice_graph.png").exists()


def _check_objects(ns: dict, out: Path) -> None:
    train, truth, scene = ns["train"], ns["true_removal"], ns["scene"]
    before = train.objects[train.objects["image"] < 8]
    assert len(truth.objects) == len(before) - 8 and 1 not in set(truth.objects["object"])  # exactly object 1 goes
    assert set(ns["model"].graph.nodes) == {"light", *scene.attribute_names}
    removal, slots = ns["model_removal"], ns["slots"]
    assert removal.images.shape == ns["truth"].images.shape
    assert not (removal.masks == (slots + 1)[:, None, None]).any()  # the dropped slot wins no pixel
    assert -1.0 <= ns["fg_ari"] <= 1.0 and np.isfinite(ns["summary"]["remove mse"])
    assert (out / "05_objects" / "removal.png").exists() and (out / "05_objects" / "report" / "report.md").exists()


CASES = {
    "01_pendulum_end_to_end.py": _check_pendulum,
    "02_identifiability.py": _check_identifiability,
    "03_labels_and_selection.py": _check_labels,
    "04_your_own_scene.py": _check_own_scene,
    "05_objects.py": _check_objects,
}


QUICK = {"02_identifiability.py"}  # numpy only, about 2 s; the others train models for 5-20 s


@pytest.mark.parametrize("name", [name if name in QUICK else pytest.param(name, marks=pytest.mark.slow)
                                  for name in sorted(CASES)])
def test_tutorial_runs_and_teaches(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRL_TUTORIAL_QUICK", "1")
    monkeypatch.setenv("CRL_TUTORIAL_OUT", str(tmp_path))
    monkeypatch.setenv("CRL_CACHE_DIR", str(tmp_path))
    namespace = runpy.run_path(str(TUTORIALS / name), run_name="__main__")
    CASES[name](namespace, tmp_path)
