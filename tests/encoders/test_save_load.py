"""A saved encoder is JSON and safetensors tied by a manifest: loading runs no code, refuses foreign or damaged
files by name, and saving never destroys a user's file."""
import json
import os
import pickle
import shutil

import numpy as np
import pytest
from conftest import squares

import encoders
from encoders.manifest import seal
from encoders.model import FORMAT
from encoders.model_files import ModelFileError

FAST = dict(latent_dim=4, batch_size=16, lr=1e-3, progress=False)


@pytest.fixture(scope="module")
def trained():
    images, _ = squares(64)
    return images, [encoders.train("beta-vae", images, steps=2, seed=seed, **FAST) for seed in (0, 1)]


@pytest.fixture
def saved(trained, tmp_path):
    _, (encoder, _) = trained
    encoder.save(tmp_path / "enc")
    return tmp_path / "enc"


def _reseal(folder, **changed):
    """Rewrite files of a saved encoder and a manifest that agrees with them (a consistent but bad folder)."""
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"}
    files.update({name.replace("_", "."): data for name, data in changed.items()})
    for name, data in seal(files, FORMAT).items():
        (folder / name).write_bytes(data)


def test_folder_holds_safetensors_json_and_a_manifest(trained, saved):
    images, (encoder, _) = trained
    assert sorted(p.name for p in saved.iterdir()) == ["config.json", "history.json", "manifest.json",
                                                       "weights.safetensors"]
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["format"] == "crl-encoder" and manifest["schema"] == 1 and manifest["crl_version"]
    shapes = manifest["files"]["weights.safetensors"]["tensors"]
    assert shapes and all(entry["shape"] == list(encoder.modules.state_dict()[key].shape) for key, entry in shapes.items())
    back = encoders.load(saved, device="cpu")
    assert np.array_equal(back.encode(images), encoder.encode(images)) and back.history == encoder.history


def test_a_file_copied_in_from_another_encoder_is_refused_by_name(trained, saved, tmp_path):
    _, (_, other) = trained
    other.save(tmp_path / "other")
    shutil.copy(tmp_path / "other" / "weights.safetensors", saved / "weights.safetensors")
    with pytest.raises(ModelFileError, match=r"weights\.safetensors does not match manifest\.json"):
        encoders.load(saved)


@pytest.mark.parametrize("name", ["weights.safetensors", "config.json", "manifest.json"])
def test_a_truncated_file_gives_one_named_error(saved, name):
    data = (saved / name).read_bytes()
    (saved / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=name.replace(".", r"\.")) as caught:
        encoders.load(saved)
    assert "copy the model folder again" in str(caught.value) or "save the model again" in str(caught.value)


def test_damaged_contents_under_a_matching_manifest_are_still_named(saved):
    weights = (saved / "weights.safetensors").read_bytes()
    _reseal(saved, weights_safetensors=weights[:100])
    with pytest.raises(ModelFileError, match=r"weights\.safetensors is not a valid safetensors file"):
        encoders.load(saved)
    _reseal(saved, weights_safetensors=weights, config_json=b"\xff\xfe not text")
    with pytest.raises(ModelFileError, match=r"config\.json is not valid JSON"):
        encoders.load(saved)


def test_shapes_are_checked_against_the_config(saved):
    config = json.loads((saved / "config.json").read_text())
    _reseal(saved, config_json=json.dumps({**config, "latent_dim": 7}).encode())
    with pytest.raises(ModelFileError, match=r"weights\.safetensors: tensor '.*' has shape .* config\.json .*latent_dim=7"):
        encoders.load(saved)
    _reseal(saved, config_json=json.dumps({**config, "resolution": "big"}).encode())
    with pytest.raises(ModelFileError, match=r"config\.json: field 'resolution' must be a positive integer"):
        encoders.load(saved)


def test_a_damaged_history_only_warns(trained, saved):
    images, (encoder, _) = trained
    (saved / "history.json").write_text("[{\"step\": 1, ")
    with pytest.warns(UserWarning, match="history.json does not match manifest.json"):
        back = encoders.load(saved, device="cpu")
    assert back.history == [] and np.array_equal(back.encode(images), encoder.encode(images))


def test_files_that_try_to_run_code_are_refused_and_run_nothing(saved, tmp_path, pickle_payload):
    marker = tmp_path / "ran"
    payload = pickle_payload(marker)
    pickle.loads(pickle_payload(tmp_path / "live"))
    assert (tmp_path / "live").exists()  # the payload is live: unpickling it runs code
    (saved / "weights.pt").write_bytes(payload)  # beside a good model: not part of it
    with pytest.raises(ModelFileError, match=r"\['weights\.pt'\] that are not part of the saved encoder"):
        encoders.load(saved)
    (saved / "weights.pt").unlink()
    _reseal(saved, weights_safetensors=payload)  # in place of the weights, under a matching manifest
    with pytest.raises(ModelFileError, match="not a valid safetensors file"):
        encoders.load(saved)
    config = {"__class__": "builtins.open", "args": [str(marker), "w"]}
    _reseal(saved, config_json=json.dumps(config).encode())
    with pytest.raises(ModelFileError, match=r"config\.json: field"):
        encoders.load(saved)
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "weights.pt").write_bytes(payload)
    (legacy / "config.json").write_text(json.dumps({"format": "crl-encoder"}))
    with pytest.raises(ModelFileError, match="older crl with pickle.*no trust_pickle option"):
        encoders.load(legacy)
    assert not marker.exists()


def test_saving_replaces_only_a_saved_encoder(trained, saved, tmp_path):
    images, (encoder, other) = trained
    other.save(saved)  # an encoder saved there before is replaced
    assert np.array_equal(encoders.load(saved, device="cpu").encode(images), other.encode(images))
    thesis = tmp_path / "work"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match=r"thesis\.tex.*never deletes them"):
            encoder.save(thesis, overwrite=overwrite)
    (saved / "notes.txt").write_text("mine")  # a user's file inside a model folder is kept too
    with pytest.raises(ValueError, match=r"notes\.txt"):
        encoder.save(saved, overwrite=True)
    file = tmp_path / "file.txt"
    file.write_text("keep")
    with pytest.raises(ValueError, match="is a file"):
        encoder.save(file, overwrite=True)
    assert (thesis / "thesis.tex").read_text() == "years of work" and file.read_text() == "keep"
    assert (saved / "notes.txt").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == [
        "enc", "file.txt", "work"]


def test_overwrite_replaces_another_kind_of_model_or_an_older_one(trained, tmp_path):
    _, (encoder, _) = trained
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "weights.pt").write_bytes(b"old")
    (legacy / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="saved by an older crl.*overwrite=True"):
        encoder.save(legacy)
    encoder.save(legacy, overwrite=True)
    assert (legacy / "weights.safetensors").is_file() and not (legacy / "weights.pt").exists()
    (tmp_path / "empty").mkdir()
    encoder.save(tmp_path / "empty")  # an empty folder holds nothing to lose
    assert encoders.load(tmp_path / "empty").latent_dim == 4


def test_a_failed_final_rename_leaves_the_old_model_at_its_path(trained, saved, monkeypatch):
    images, (encoder, other) = trained
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # moving the old model aside succeeded; putting the new one in place fails
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        other.save(saved)
    monkeypatch.undo()
    assert len(calls) == 3  # the old model was moved back
    assert np.array_equal(encoders.load(saved, device="cpu").encode(images), encoder.encode(images))
    assert sorted(p.name for p in saved.parent.iterdir()) == ["enc"]  # no hidden leftovers
