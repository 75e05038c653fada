"""`crl scene` writes the pictures and tables it promises and fails cleanly on bad input."""
import matplotlib.pyplot as plt
import pandas as pd

from crl.cli import main


def test_render_writes_grid_and_factors(tmp_path):
    assert main(["scene", "render", "pendulum", "--n", "6", "--out", str(tmp_path), "--resolution", "32"]) == 0
    grid = plt.imread(tmp_path / "grid.png")
    assert grid.shape[:2] == (2 * 34 + 2, 3 * 34 + 2)  # 3 columns x 2 rows of 32 px, 2 px gaps
    factors = pd.read_csv(tmp_path / "factors.csv", index_col="row")
    assert len(factors) == 6 and "shadow_length" in factors


def test_counterfactual_and_intervene(tmp_path):
    assert main(["scene", "counterfactual", "pendulum", "--do", "light=60", "--n", "4", "--out", str(tmp_path / "cf")]) == 0
    table = pd.read_csv(tmp_path / "cf" / "factors.csv")
    assert (table.loc[table.world == "counterfactual", "light"] == 60).all()
    grid = plt.imread(tmp_path / "cf" / "grid.png")
    assert grid.shape[:2] == (2 * 66 + 2, 4 * 66 + 2)
    assert main(["scene", "intervene", "sprites", "--do", "shape=heart", "--n", "4", "--out", str(tmp_path / "do")]) == 0
    assert (pd.read_csv(tmp_path / "do" / "factors.csv")["shape"] == 2).all()


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["scene", "render", "nonexistent", "--out", str(tmp_path)]) == 2
    assert "unknown scene 'nonexistent'" in capsys.readouterr().err
    assert main(["scene", "intervene", "pendulum", "--do", "light=500", "--out", str(tmp_path)]) == 2
    assert "outside its range" in capsys.readouterr().err
    assert main(["scene", "intervene", "pendulum", "--do", "light", "--out", str(tmp_path)]) == 2
    assert not (tmp_path / "grid.png").exists()
