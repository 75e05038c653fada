"""The `crl` command line: every subcommand end to end on tiny sizes, and one-line errors."""
import numpy as np
import pytest

import crl
from crl.cli import main
from crl.notes import model_notes_of

TINY = ["--scene", "pendulum", "--resolution", "16", "--n-images", "300", "--n-pairs", "300", "--n-labels", "60",
        "--steps", "40", "--latent-dim", "6", "--mechanisms", "linear"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CRL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "model"
    assert main(["train", *TINY, "--out", str(folder)]) == 0
    return folder


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and crl.__version__ in capsys.readouterr().out
    for command in ["demo", "train", "discover", "query", "evaluate", "scene"]:
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0


@pytest.mark.slow
def test_train_saves_a_loadable_model(trained, capsys):
    model = crl.CausalModel.load(trained, device="cpu")
    assert model.concept_names == ["pendulum", "light", "shadow_length", "shadow_position"]
    assert set(model_notes_of(model.graph).concept_fit) == set(model.concept_names)  # 12 of the 60 labels held out
    assert main(["discover", "--model", str(trained)]) == 0
    assert "digraph" in capsys.readouterr().out


def test_train_passes_the_label_holdout_on():
    from crl.cli import build_parser
    from crl.cli.train import build_model

    args = build_parser().parse_args(["train", *TINY, "--n-images", "60", "--n-pairs", "60", "--label-holdout", "0",
                                      "--out", "unused"])
    assert build_model(args)[2].label_holdout == 0.0


def test_query_intervene_and_counterfactual_round_trip_pngs(trained, tmp_path, capsys):
    assert main(["query", str(trained), "--do", "light=100", "--n", "3", "--out", str(tmp_path / "int")]) == 0
    pngs = sorted((tmp_path / "int").glob("intervened_*.png"))
    assert len(pngs) == 3 and (tmp_path / "int" / "latents.csv").is_file()
    assert main(["query", str(trained), "--do", "light=shift:5", "--images", *map(str, pngs[:2]),
                 "--out", str(tmp_path / "cf")]) == 0
    assert len(list((tmp_path / "cf").glob("counterfactual_*.png"))) == 2
    # samples under do() that keep the nuisance latents of the given files, one sample each
    assert main(["query", str(trained), "--do", "light=100", "--nuisance-from", *map(str, pngs[:2]),
                 "--out", str(tmp_path / "held")]) == 0
    assert len(list((tmp_path / "held").glob("intervened_*.png"))) == 2


def test_discover_csv(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    z = rng.normal(size=2000)
    y = x + z + 0.5 * rng.normal(size=2000)
    (tmp_path / "t.csv").write_text("x,y,z\n" + "\n".join(f"{a},{b},{c}" for a, b, c in zip(x, y, z)))
    assert main(["discover", "--csv", str(tmp_path / "t.csv"), "--method", "pc", "--out", str(tmp_path / "g.dot")]) == 0
    dot = (tmp_path / "g.dot").read_text()
    assert '"x" -> "y"' in dot and '"z" -> "y"' in dot  # the collider is oriented


@pytest.mark.slow
def test_evaluate_writes_a_report(trained, tmp_path, capsys):
    assert main(["evaluate", str(trained), "--scene", "pendulum", "--n", "40", "--oracle-steps", "30",
                 "--out", str(tmp_path / "report")]) == 0
    assert "shd:" in capsys.readouterr().out
    assert (tmp_path / "report" / "report.md").is_file()


@pytest.mark.slow
def test_demo_quick_writes_the_report(tmp_path, capsys):
    assert main(["demo", "--quick", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "SHD" in out and "report:" in out and "of the images inside the data" in out
    report = (tmp_path / "demo" / "report.md").read_text()
    assert "counterfactual" in report.lower()
    assert all((tmp_path / "demo" / link).is_file() for link in _png_links(report))


def _png_links(markdown: str) -> list[str]:
    return [part.split(")")[0] for part in markdown.split("](")[1:] if part.split(")")[0].endswith(".png")]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["query", "/nonexistent/model", "--do", "light=1", "--out", "x"], "not a saved CausalModel"),
        (["query", "{model}", "--do", "light", "--out", "x"], "NAME=VALUE"),
        (["query", "{model}", "--do", "colour=1", "--out", "{tmp}/q"], "unknown concepts"),
        (["query", "{model}", "--do", "light=left", "--out", "{tmp}/q"], "do['light'] must be a number in label units"),
        (["query", "{model}", "--do", "light=shift:left", "--out", "{tmp}/q"], "shift 'left' is not a number"),
        (["query", "{model}", "--do", "light=1", "--images", "a.png", "--nuisance-from", "b.png"],
         "--nuisance-from is for interventional queries"),
        (["evaluate", "{model}", "--scene", "flow", "--out", "{tmp}/e"], "no concept named"),
        (["train", "--scene", "nowhere", "--out", "{tmp}/m"], "unknown scene"),
        (["demo", "--quick", "--config", "{tmp}/missing.toml"], "no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, trained, tmp_path, capsys):
    argv = [a.format(model=trained, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_query_rejects_images_of_another_size(trained, tmp_path, capsys):
    import matplotlib.pyplot as plt

    plt.imsave(tmp_path / "big.png", np.zeros((32, 32, 3), np.uint8))
    assert main(["query", str(trained), "--do", "light=100", "--images", str(tmp_path / "big.png"),
                 "--out", str(tmp_path / "q")]) == 2
    assert "shape (N, 16, 16, 3)" in capsys.readouterr().err


def test_config_file_fills_flags(trained, tmp_path, capsys):
    (tmp_path / "query.toml").write_text('do = ["light=100"]\nn = 2\n')
    assert main(["query", str(trained), "--config", str(tmp_path / "query.toml"), "--out", str(tmp_path / "q")]) == 0
    assert len(list((tmp_path / "q").glob("intervened_*.png"))) == 2
    (tmp_path / "bad.toml").write_text('stepz = 3\n')
    assert main(["demo", "--config", str(tmp_path / "bad.toml")]) == 2
    assert "unknown key 'stepz'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["query", "{model}", "--do", "light=1", "--device", "tpu", "--out", "{tmp}/q"], "device='tpu' is not a torch device"),
        (["evaluate", "{model}", "--scene", "pendulum", "--device", "tpu", "--out", "{tmp}/e"], "device='tpu'"),
        (["train", "--resolution", "16", "--n-images", "8", "--n-pairs", "8", "--n-labels", "4", "--steps", "1",
          "--device", "tpu", "--out", "{tmp}/m"], "device='tpu'"),
        (["query", "{tmp}/cut", "--do", "light=1", "--out", "{tmp}/q"], "weights.safetensors does not match manifest.json"),
        (["evaluate", "{tmp}/cut", "--scene", "pendulum", "--out", "{tmp}/e"], "weights.safetensors"),
        (["query", "{model}", "--do", "light=1", "--images", "{tmp}/notes.png", "--out", "{tmp}/q"],
         "notes.png' is not a readable PNG image"),
    ],
)
def test_bad_device_damaged_model_and_non_image_exit_2_with_one_line(argv, message, trained, tmp_path, capsys):
    import shutil

    shutil.copytree(trained, tmp_path / "cut")
    weights = tmp_path / "cut" / "encoder" / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])  # truncated
    (tmp_path / "notes.png").write_text("not an image")
    argv = [a.format(model=trained, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
