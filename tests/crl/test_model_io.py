"""A saved CausalModel is JSON and safetensors tied by a manifest: no pickle, no torch archive; swapped, truncated
or code-carrying files are refused by name and run nothing; saving never destroys a user's file."""
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import crl
from crl.exceptions import ModelFileError
from crl.model_io import FORMAT
from crl.scene_data import fit_on_scene, scene_training_data
from encoders.manifest import seal

FILES = ["encoder/config.json", "encoder/history.json", "encoder/manifest.json", "encoder/weights.safetensors",
         "manifest.json", "model.json", "nuisance.safetensors", "scm.json", "scm.safetensors"]


@pytest.fixture(scope="module")
def models():
    torch.set_num_threads(1)
    scene = crl.scenes.load("pendulum", resolution=16)
    fitted = []
    for seed in (0, 1):
        data = scene_training_data(scene, n_images=200, n_pairs=200, n_labels=60, seed=seed)
        model = crl.CausalModel(latent_dim=6, steps=20, lr=1e-3, mechanisms="linear", bootstrap=0, decoder_steps=0,
                                seed=seed, device="cpu", progress=False)
        with pytest.warns(UserWarning):  # a model this small reads some concepts poorly, and says so
            fitted.append(fit_on_scene(model, data))
    return fitted


@pytest.fixture
def saved(models, tmp_path):
    models[0].save(tmp_path / "model")
    return tmp_path / "model"


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _reseal(folder, changes):
    """Rewrite files of a saved model under a manifest that agrees with them (a consistent but bad folder)."""
    files = {name: (folder / name).read_bytes() for name in _files(folder) if name != "manifest.json"}
    files.update(changes)
    for name, data in seal(files, FORMAT).items():
        (folder / name).write_bytes(data)


def _same_answers(a, b):
    return np.array_equal(a.intervene({"light": 90.0}, 6, seed=1).images, b.intervene({"light": 90.0}, 6, seed=1).images)


def test_folder_holds_no_pickle_and_no_torch_archive(models, saved):
    assert _files(saved) == FILES
    assert not any((saved / name).read_bytes().startswith((b"\x80", b"PK")) for name in FILES)  # pickle, torch zip
    manifest = json.loads((saved / "manifest.json").read_text())
    assert (manifest["format"], manifest["schema"]) == ("crl.CausalModel", 1) and sorted(manifest["files"]) == [
        name for name in FILES if name != "manifest.json"]
    assert manifest["files"]["nuisance.safetensors"]["tensors"]["nuisance"] == {"dtype": "F32", "shape": [200, 2]}
    assert _same_answers(crl.CausalModel.load(saved, device="cpu"), models[0])


@pytest.mark.parametrize("name", ["nuisance.safetensors", "model.json", "scm.safetensors", "encoder/weights.safetensors"])
def test_a_file_copied_in_from_another_model_is_refused_by_name(models, saved, tmp_path, name):
    models[1].save(tmp_path / "other")
    shutil.copy(tmp_path / "other" / name, saved / name)
    with pytest.raises(ModelFileError, match=f"{name} does not match manifest.json"):
        crl.CausalModel.load(saved)


@pytest.mark.parametrize("name", [name for name in FILES if name != "encoder/history.json"])
def test_a_truncated_file_gives_one_named_error_with_a_remedy(saved, name):
    data = (saved / name).read_bytes()
    (saved / name).write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError, match=name.replace(".", r"\.")) as caught:
        crl.CausalModel.load(saved)
    assert "save the model again" in str(caught.value)


def test_a_damaged_training_history_only_warns(models, saved):
    (saved / "encoder" / "history.json").write_bytes(b"\xff[")
    with pytest.warns(UserWarning, match="history.json does not match manifest.json"):
        loaded = crl.CausalModel.load(saved, device="cpu")
    assert loaded.encoder_.history == [] and _same_answers(loaded, models[0])


def test_fields_and_shapes_are_checked_against_the_config(saved):
    meta = json.loads((saved / "model.json").read_text())
    state = json.loads((saved / "scm.json").read_text())
    nuisance = crl.model_io.tensor_bytes({"nuisance": np.zeros((200, 3), np.float32)})
    wrong_kind = json.loads(json.dumps(state))
    wrong_kind["mechanisms"][0]["settings"]["std"] = "wide"
    cases = [({"nuisance.safetensors": nuisance}, r"nuisance\.safetensors: tensor 'nuisance' must have shape \(N, 2\)"),
             ({"model.json": json.dumps({**meta, "params": {**meta["params"], "stepz": 1}}).encode()},
              r"model\.json: field 'params' names argument\(s\) \['stepz'\]"),
             ({"model.json": json.dumps({**meta, "concepts": []}).encode()}, r"model\.json: field 'concepts'"),
             ({"scm.json": json.dumps({**state, "schema": 9}).encode()}, r"scm\.json: state field schema"),
             ({"scm.json": json.dumps(wrong_kind).encode()}, r"scm\.json: state field mechanisms\[0\]\.settings\.std"),
             ({"scm.safetensors": crl.model_io.tensor_bytes({"x": np.zeros(2)})}, r"scm\.safetensors: arrays field")]
    for changes, message in cases:
        backup = {name: (saved / name).read_bytes() for name in FILES}
        _reseal(saved, changes)
        with pytest.raises(ModelFileError, match=message):
            crl.CausalModel.load(saved)
        for name, data in backup.items():
            (saved / name).write_bytes(data)


def test_files_that_try_to_run_code_are_refused_and_run_nothing(models, saved, tmp_path, pickle_payload):
    marker = tmp_path / "ran"
    payload = pickle_payload(marker)
    (saved / "scm.pkl").write_bytes(payload)  # beside a good model: not part of it
    with pytest.raises(ModelFileError, match=r"\['scm\.pkl'\] that are not part of the saved CausalModel"):
        crl.CausalModel.load(saved)
    (saved / "scm.pkl").unlink()
    importer = {"__class__": "builtins.open", "args": [str(marker), "w"]}
    meta = json.loads((saved / "model.json").read_text())
    meta["graphs"]["graph"]["graph"]["notes"] = {"__record__": "builtins.open", "file": str(marker), "mode": "w"}
    state = json.loads((saved / "scm.json").read_text())
    state["mechanisms"][0]["kind"] = "builtins.open"
    for changes, file in [({"nuisance.safetensors": payload}, "nuisance.safetensors"),
                          ({"scm.safetensors": payload}, "scm.safetensors"),
                          ({"model.json": json.dumps(meta).encode()}, "model.json"),
                          ({"model.json": json.dumps(importer).encode()}, "model.json"),
                          ({"scm.json": json.dumps(state).encode()}, "scm.json")]:
        backup = {name: (saved / name).read_bytes() for name in FILES}
        _reseal(saved, changes)
        with pytest.raises(ModelFileError, match=file.replace(".", r"\.")):
            crl.CausalModel.load(saved)
        for name, data in backup.items():
            (saved / name).write_bytes(data)
    legacy = _legacy_folder(tmp_path / "legacy", payload)
    with pytest.raises(ModelFileError, match="older crl with pickle.*no trust_pickle option.*Fit the model again"):
        crl.CausalModel.load(legacy)
    assert not marker.exists()


def _legacy_folder(folder: Path, payload: bytes) -> Path:
    """A folder laid out as the previous format saved a CausalModel (scm.pkl, nuisance.npy, encoder/weights.pt)."""
    (folder / "encoder").mkdir(parents=True)
    (folder / "model.json").write_text(json.dumps({"format": "crl.CausalModel", "crl_version": "0.1.0"}))
    (folder / "scm.pkl").write_bytes(payload)
    np.save(folder / "nuisance.npy", np.zeros((2, 2)))
    (folder / "encoder" / "weights.pt").write_bytes(payload)
    (folder / "encoder" / "config.json").write_text("{}")
    return folder


def test_saving_replaces_only_a_saved_causal_model(models, saved, tmp_path):
    models[1].save(saved)  # a CausalModel saved there before is replaced
    assert _same_answers(crl.CausalModel.load(saved, device="cpu"), models[1])
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match=r"thesis\.tex.*never deletes them, even with overwrite=True"):
            models[0].save(thesis, overwrite=overwrite)
    file = tmp_path / "notes.txt"
    file.write_text("keep")
    with pytest.raises(ValueError, match="is a file, not a model folder"):
        models[0].save(file, overwrite=True)
    assert (thesis / "thesis.tex").read_text() == "years of work" and file.read_text() == "keep"
    assert _files(thesis) == ["thesis.tex"]
    models[0].encoder_.save(tmp_path / "encoder")
    legacy = _legacy_folder(tmp_path / "legacy", b"old")
    for other in (tmp_path / "encoder", legacy):
        with pytest.raises(ValueError, match="pass overwrite=True to replace it"):
            models[0].save(other)
        models[0].save(other, overwrite=True)
        assert _files(other) == FILES


def test_a_failed_final_rename_leaves_the_old_model_at_its_path(models, saved, monkeypatch):
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        models[1].save(saved)
    monkeypatch.undo()
    assert _files(saved) == FILES and _same_answers(crl.CausalModel.load(saved, device="cpu"), models[0])
    assert sorted(p.name for p in saved.parent.iterdir()) == ["model"]


def test_crl_train_refuses_a_users_folder_before_training(tmp_path, monkeypatch, capsys):
    from crl.cli import main

    def no_training(args):
        raise AssertionError("the output folder must be checked before training")

    monkeypatch.setattr("crl.cli.train.build_model", no_training)
    (tmp_path / "thesis.tex").write_text("years of work")
    assert main(["train", "--scene", "pendulum", "--resolution", "16", "--out", str(tmp_path), "--overwrite"]) == 2
    assert "thesis.tex" in capsys.readouterr().err and (tmp_path / "thesis.tex").read_text() == "years of work"
