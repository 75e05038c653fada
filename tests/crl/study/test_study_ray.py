"""crl.study on Ray Tune: a tiny study end to end (every score filled; a diverging trial recorded with its error after
its retry, then retried by a rerun that leaves the finished trials alone), and a study killed midway and resumed
with no trial lost or repeated. One Ray session serves the file (Ray takes seconds to start)."""
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from crl.study import FAMILIES, load_config, run, trials
from crl.study.results import read_results
from crl.study.scores import DEFAULT_FAMILIES

pytestmark = pytest.mark.slow

TRAINING = {"steps": 30, "n_images": 200, "n_pairs": 200, "latent_dim": 4, "batch_size": 32}
TINY = {
    "name": "ray-tiny",
    "data": [{"scene": "pendulum", "resolution": 16}],
    # lr 1e6 drives the loss to NaN: a trial that fails for a reason no config check can foresee
    "models": [{"objective": "beta-vae", "grid": {"lr": [1e-3, 1e6]}}, {"objective": "ada-gvae"}],
    "training": TRAINING,
    "scores": {"fast": True},
    "max_failures": 1,
}
KILLED = {
    "name": "ray-killed",
    "data": [{"scene": "pendulum", "resolution": 16}],
    "models": [{"objective": "beta-vae", "grid": {"beta": [1.0, 2.0, 4.0]}}],
    "training": TRAINING,
    "scores": {"fast": True, "families": ["selection"]},
}


def model_inodes(folder):
    return {path.name: path.stat().st_ino for path in (folder / "models").iterdir()}


def leftovers(folder):
    """Temporary files of interrupted atomic writes (they start with '.')."""
    return [p for p in [*folder.iterdir(), *(folder / "models").iterdir()] if p.name.startswith(".")]


def test_a_tiny_study_fills_one_row_per_trial_and_records_a_failure(ray_session, tmp_path):
    table = run(TINY, tmp_path, progress=False).set_index("trial_id")
    planned = [t.id for t in trials(load_config(TINY))]
    assert sorted(table.index) == sorted(planned)
    diverging = "pendulum-beta-vae-lr=1e_06-s0"
    assert table.loc[diverging, "status"] == "failed" and table.loc[diverging, "attempts"] == 2  # 1 retry
    assert "TrainingDiverged" in table.loc[diverging, "error"] and "diverged" in table.loc[diverging, "error"]
    ok = table[table["status"] == "ok"]
    scores = [c for c in table.columns if c.split(".")[0] in FAMILIES]
    assert {c.split(".")[0] for c in scores} == set(DEFAULT_FAMILIES)  # every family but the opt-in ones, by default
    assert len(ok) == 2 and len(scores) >= 40 and not ok[scores].isna().any().any()
    assert (ok["selection.pair_loss"] > 0).all() and ok["metrics.mcc"].between(0, 1).all()
    assert list(ok["hp.lr"].dropna()) == [1e-3] and (ok["wall_time"] > 0).all()
    assert sorted(model_inodes(tmp_path)) == sorted(ok.index)

    before = model_inodes(tmp_path)
    again = run(TINY, tmp_path, progress=False).set_index("trial_id")  # retries the failed trial only
    assert model_inodes(tmp_path) == before
    pd.testing.assert_frame_equal(again.loc[ok.index, scores], ok[scores])
    assert again.loc[diverging, "status"] == "failed" and not leftovers(tmp_path)


def test_a_study_killed_midway_resumes_without_losing_or_repeating_a_trial(ray_session, tmp_path):
    script = ("import json, sys; from crl.study import run; "
              "run(json.loads(sys.argv[1]), sys.argv[2], num_cpus=1, progress=False)")
    child = subprocess.Popen([sys.executable, "-c", script, json.dumps(KILLED), str(tmp_path)], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while child.poll() is None and time.monotonic() < deadline and not len(read_results(tmp_path)):
        time.sleep(0.2)
    os.killpg(child.pid, signal.SIGKILL)  # the study and the Ray it started, at once
    child.wait()
    before = read_results(tmp_path).set_index("trial_id")
    inodes = model_inodes(tmp_path)
    assert 1 <= len(before) < 3, "the kill should land after the first trial and before the last"

    after = run(KILLED, tmp_path, progress=False).set_index("trial_id")
    assert sorted(after.index) == sorted(t.id for t in trials(load_config(KILLED)))
    assert (after["status"] == "ok").all() and not after["selection.neg_elbo"].isna().any()
    pd.testing.assert_frame_equal(after.loc[before.index], before, check_like=True)  # finished rows kept as they were
    assert {name: model_inodes(tmp_path)[name] for name in before.index} == {name: inodes[name] for name in before.index}
    assert len(model_inodes(tmp_path)) == 3 and not leftovers(tmp_path)
