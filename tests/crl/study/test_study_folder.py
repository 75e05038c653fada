"""A study's folder and the command line, without Ray: foreign folders and dead addresses are refused before any
training, the results table round-trips, status reads it, plan counts and times."""
import json
import socket

import numpy as np
import pandas as pd
import pytest

from crl.cli import main
from crl.study import load_config
from crl.study.results import check_folder, finished_ids, read_results, upsert, write_results, write_study
from crl.study.runner import check_address, run
from crl.study.status import status

TINY = {
    "name": "tiny",
    "data": [{"scene": "pendulum", "resolution": 16}],
    "models": [{"objective": "beta-vae", "grid": {"beta": [1.0, 4.0]}}],
    "training": {"steps": 20, "n_images": 100, "latent_dim": 4, "batch_size": 16},
    "scores": {"fast": True},
}


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_folder_of_another_study_or_of_other_files_is_refused(tmp_path):
    config = load_config(TINY)
    assert check_folder(tmp_path / "new", config) is False
    write_study(tmp_path / "mine", config, 2)
    assert check_folder(tmp_path / "mine", config) is True
    other = load_config({**TINY, "name": "other", "seeds": [3]})
    with pytest.raises(ValueError, match="holds the results of another study \\('tiny'"):
        run(other, tmp_path / "mine")
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("a user's file")
    with pytest.raises(ValueError, match="has files but no study.json"):
        run(TINY, tmp_path / "theirs")
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["study.json"]  # nothing trained or written


def test_an_address_that_does_not_answer_is_refused_before_any_training(tmp_path, capsys):
    address = f"127.0.0.1:{closed_port()}"
    with pytest.raises(ValueError, match="no Ray cluster answers at 127.0.0.1"):
        check_address(address, timeout=1.0)
    with pytest.raises(ValueError, match="expected HOST:PORT"):
        check_address("not an address")
    config = tmp_path / "tiny.json.yaml"
    config.write_text(json.dumps(TINY))  # JSON is YAML
    assert main(["study", "run", str(config), "--out", str(tmp_path / "out"), "--address", address]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no Ray cluster answers" in err[0]
    assert not (tmp_path / "out").exists()


def test_rows_are_replaced_per_trial_and_mixed_columns_survive_parquet(tmp_path):
    write_study(tmp_path, load_config(TINY), 3)
    table = read_results(tmp_path)
    rows = [{"trial_id": "a", "status": "failed", "error": "ValueError: x", "attempts": 2, "hp.pair_k": 1},
            {"trial_id": "b", "status": "ok", "error": "", "wall_time": 3.0, "attempts": 1, "hp.pair_k": "random",
             "metrics.mig": 0.25},
            {"trial_id": "a", "status": "ok", "error": "", "wall_time": 5.0, "attempts": 1, "hp.pair_k": 1,
             "metrics.mig": 0.5}]
    for row in rows:
        table = upsert(table, row)
        write_results(tmp_path, table)
    back = read_results(tmp_path)
    assert list(back["trial_id"]) == ["b", "a"] and list(back["hp.pair_k"]) == ["random", "1"]
    assert np.allclose(back["metrics.mig"], [0.25, 0.5]) and finished_ids(tmp_path) == {"a", "b"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind
    state = status(tmp_path)
    assert (state.planned, state.ok, state.failed, state.remaining, state.wall_time) == (3, 2, 0, 1, 8.0)
    assert "3 trials: 2 ok, 0 failed, 1 not run yet" in state.summary()


def test_status_lists_failed_trials_with_their_error(tmp_path, capsys):
    write_study(tmp_path, load_config(TINY), 2)
    write_results(tmp_path, pd.DataFrame([{"trial_id": "x", "status": "failed", "error": "TrainingDiverged: loss nan",
                                           "attempts": 2, "wall_time": float("nan")}]))
    assert main(["study", "status", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 failed" in out and "failed x after 2 attempt(s): TrainingDiverged: loss nan" in out
    assert main(["study", "status", str(tmp_path / "nothing")]) == 2


def test_plan_prints_the_trial_count_and_an_estimate(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(json.dumps(TINY))
    assert main(["study", "plan", str(config), "--num-cpus", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 trials (beta-vae 2; 1 data x 1 seeds)") and "with 2 trial(s) at once" in out
