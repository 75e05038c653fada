"""Packed studies: trials sharing data, objective and training settings train together (encoders.train_many) and
still fill one row each, with the same columns as the study run unpacked; a rerun trains nothing again."""

import pytest
import torch

import encoders
from crl.study import load_config, run, trials
from crl.study.results import MODELS
from crl.study.runner import _units, pack_size
from crl.study.trial import CHECKPOINTS, run_pack, run_trial

TINY = {
    "name": "pack-tiny",
    "data": [{"scene": "pendulum", "resolution": 16}],
    "models": [{"objective": "beta-vae", "grid": {"beta": [1.0, 4.0], "lr": [1e-3, 2e-3]}},
               {"objective": "ada-gvae", "grid": {"steps": [8, 12]}}],
    "seeds": [0, 1],
    "training": {"steps": 12, "n_images": 120, "n_pairs": 120, "latent_dim": 4, "batch_size": 16},
    "scores": {"fast": True, "families": ["unsupervised"]},
}


def test_pack_is_checked_and_leaves_the_hash_alone():
    assert load_config(TINY).pack == 1 and pack_size(load_config(TINY)) == 1
    packed = load_config({**TINY, "pack": 3})
    assert packed.pack == 3 and packed.hash == load_config(TINY).hash  # how a study runs, not what it computes
    auto = pack_size(load_config({**TINY, "pack": "auto"}))
    assert auto == 1 if not torch.cuda.is_available() else auto > 100  # 16 px models: hundreds fit half a GPU
    for bad in (0, -1, 2.5, "many"):
        with pytest.raises(ValueError, match="pack"):
            load_config({**TINY, "pack": bad})


def test_packs_hold_trials_that_can_train_together():
    planned = trials(load_config(TINY))
    units = _units(planned, 3)
    packed = [member for unit in units for member in unit["pack"]]
    assert sorted(t["id"] for t in packed) == sorted(t.id for t in planned)  # every trial once
    for unit in units:
        assert unit["id"] == unit["pack"][0]["id"] and 1 <= len(unit["pack"]) <= 3
        shared = [{k: v for k, v in t["training"].items() if k not in ("lr", "label_weight")} for t in unit["pack"]]
        assert all(s == shared[0] for s in shared) and len({t["objective"] for t in unit["pack"]}) == 1
    # beta-vae: 8 trials (lr may differ in a pack) -> 3 + 3 + 2; ada-gvae: steps 8 and 12 never share a pack -> 2 + 2
    assert sorted(len(unit["pack"]) for unit in units) == [2, 2, 2, 3, 3]
    assert _units(planned, 1) == [t.to_dict() for t in planned]


def test_a_pack_gives_each_trial_its_own_saved_model_and_scores(tmp_path, one_thread):
    config = load_config(TINY)
    pack = [t for t in trials(config) if t.objective == "beta-vae"][:2]
    results = list(run_pack(pack, tmp_path / "packed", config.scores))
    alone = run_trial(pack[1], tmp_path / "alone", config.scores)
    assert [r["trial"]["id"] for r in results] == [t.id for t in pack]
    assert set(results[1]["scores"]) == set(alone["scores"]) and results[1]["steps"] == alone["steps"] == 12
    # the same training, packed or alone: the same weights up to float rounding, so near-equal scores
    for column, value in alone["scores"].items():
        assert results[1]["scores"][column] == pytest.approx(value, rel=1e-3, abs=1e-4)
    for trial in pack:
        model = encoders.load(tmp_path / "packed" / MODELS / trial.id, device="cpu")
        assert model.config["seed"] == trial.seed and model.config["lr"] == trial.training["lr"]
    assert not any((tmp_path / "packed" / CHECKPOINTS).iterdir())  # the finished pack's checkpoint is gone
    again = list(run_pack(pack, tmp_path / "again", config.scores, frozenset({pack[0].id})))  # a retried pack
    assert [r["trial"]["id"] for r in again] == [pack[1].id] and again[0]["scores"] == results[1]["scores"]


@pytest.mark.slow
def test_a_packed_study_has_the_columns_of_an_unpacked_one_and_resumes(ray_session, tmp_path):
    small = {**TINY, "models": [{"objective": "beta-vae", "grid": {"beta": [1.0, 4.0]}}], "seeds": [0]}
    alone = run(small, tmp_path / "alone", progress=False)
    packed = run({**small, "pack": 2}, tmp_path / "packed", progress=False)
    assert list(packed.columns) == list(alone.columns)
    assert sorted(packed["trial_id"]) == sorted(alone["trial_id"]) and (packed["status"] == "ok").all()
    models = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "packed" / MODELS).iterdir()}
    again = run({**small, "pack": 2}, tmp_path / "packed", progress=False)  # everything finished: nothing trains
    assert again.equals(packed)
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "packed" / MODELS).iterdir()} == models
