"""--dataset NAME --data-path PATH wherever the command line takes a scene; bad flags exit 2 with one line."""
from __future__ import annotations

import pandas as pd
import pytest

from crl.cli import main
from crl.datasets import mpi3d


def test_crl_scene_renders_a_data_set(files, tmp_path, capsys):
    path, _ = files["mpi3d"]()
    out = tmp_path / "render"
    assert main(["scene", "render", "--dataset", "mpi3d_real", "--data-path", str(path), "--n", "4",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out / "factors.csv", index_col="row")
    assert list(table.columns) == list(mpi3d.NAMES) and len(table) == 4 and (out / "grid.png").is_file()


def test_crl_scene_counterfactual_of_single_channel_dsprites(files, tmp_path):
    path, _ = files["dsprites"]()
    out = tmp_path / "cf"
    assert main(["scene", "counterfactual", "--dataset", "dsprites", "--data-path", str(path), "--do", "shape=heart",
                 "--n", "3", "--out", str(out)]) == 0
    table = pd.read_csv(out / "factors.csv")
    assert (table.loc[table["world"] == "counterfactual", "shape"] == 2).all() and (out / "grid.png").is_file()
    assert main(["scene", "list"]) == 0


@pytest.mark.parametrize("argv, message", [
    (["scene", "render", "pendulum", "--dataset", "dsprites", "--data-path", "{path}"],
     "give a scene NAME or --dataset, not both"),
    (["scene", "render", "--dataset", "dsprites"], "--dataset dsprites needs --data-path"),
    (["scene", "render", "--data-path", "{path}"], "--data-path goes with --dataset NAME"),
    (["scene", "render"], "give a scene NAME, or --dataset NAME --data-path PATH"),
    (["scene", "intervene", "--dataset", "dsprites", "--data-path", "{path}", "--do", "posX=0.3"],
     "posX=0.3 is not on the data set's grid; 'posX' takes the values [0, 1]"),
    (["scene", "render", "--dataset", "mpi3d", "--data-path", "{path}"], "unknown data set 'mpi3d'"),
    (["train", "--dataset", "dsprites", "--data-path", "{tmp}/missing.npz"], "no such file"),
    (["train", "--scene", "flow", "--dataset", "dsprites", "--data-path", "{path}"],
     "give --scene NAME or --dataset, not both"),
    (["evaluate", "{tmp}/no-model", "--dataset", "dsprites"], "--dataset dsprites needs --data-path"),
    (["evaluate", "{tmp}/no-model"], "give --scene NAME, or --dataset NAME --data-path PATH"),
])
def test_bad_data_flags_exit_2_with_one_line(files, tmp_path, capsys, argv, message):
    path, _ = files["dsprites"]()
    line = [a.format(path=path, tmp=tmp_path) for a in argv] + ["--out", str(tmp_path / "out")]
    assert main(line) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
