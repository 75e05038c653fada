"""The reasoning pipeline end to end on a tiny scene: an encoder's means and samples, pixels, the study's score
family, the picture and `crl reason`."""
from __future__ import annotations

import dataclasses

import matplotlib.image as mpimg
import pytest

import encoders
from crl.cli import main
from crl.downstream.reasoning import draw_puzzles, generate, reasoning, train_reasoner
from crl.downstream.reasoning.task import ReasoningConfig
from crl.study.scores import FAMILIES, ScoreContext

SHORT = ReasoningConfig(steps=20, few=10, eval_every=10, n_train=200, n_test=60, edge_mlp=(16,), graph_mlp=(16,))


@pytest.fixture(scope="module")
def encoder(sprites):
    images = sprites.sample(256, seed=0).images
    return encoders.train("beta-vae", images, latent_dim=4, steps=10, batch_size=32, device="cpu", progress=False)


def test_an_encoder_pixels_and_the_ground_truth_all_run_and_are_seeded(sprites, encoder):
    scores = reasoning(encoder, sprites, SHORT, seed=1, device="cpu")
    assert set(scores) == {"accuracy:few", "accuracy:many", "accuracy@10", "accuracy@20"}
    assert scores["accuracy:few"] == scores["accuracy@10"] and all(0 <= v <= 1 for v in scores.values())
    assert scores == reasoning(encoder, sprites, SHORT, seed=1, device="cpu")  # same seed, same numbers
    sampled = reasoning(encoder, sprites, SHORT, seed=1, device="cpu", sampled=True)
    assert set(sampled) == set(scores)
    for represent in ("pixels", "factors"):
        result = train_reasoner(represent, sprites, SHORT, steps=10, few=10, seed=0, device="cpu", progress=False)
        assert len(result.chosen) == 60 and result.chosen.max() < 6


def test_bad_representations_are_refused(sprites):
    with pytest.raises(ValueError, match="represent must be"):
        reasoning("latents", sprites, SHORT)
    with pytest.raises(ValueError, match="sampled=True"):
        reasoning("factors", sprites, SHORT, sampled=True)
    with pytest.raises(ValueError, match="few must be at most steps"):
        reasoning("factors", sprites, SHORT, few=50)
    with pytest.raises(ValueError, match="graph_mlp must be"):
        reasoning("factors", sprites, SHORT, graph_mlp=(0,))
    with pytest.raises(ValueError, match="unknown option"):
        reasoning("factors", sprites, SHORT, stepz=5)


def test_the_study_family_scores_an_encoder(sprites, encoder):
    context = ScoreContext(fast=True, seed=0, renders=True, pair_k=1)
    scores = FAMILIES["reasoning"].compute(encoder, sprites, context)
    assert {"accuracy:few", "accuracy:many", "accuracy@300"} <= set(scores)
    assert FAMILIES["reasoning"].compute(encoder, sprites, dataclasses.replace(context, renders=False)) == {}


def test_the_picture_frames_solved_and_failed_puzzles(sprites, tmp_path):
    puzzles = generate(sprites, 6, seed=0)
    chosen = puzzles.answer.copy()
    chosen[:3] = (chosen[:3] + 1) % 6
    path = draw_puzzles(puzzles, chosen, tmp_path / "p.png", count=2)
    image = mpimg.imread(path)
    assert image.shape[0] > 300 and image[..., :3].std() > 0.05
    with pytest.raises(ValueError, match="one candidate per puzzle"):
        draw_puzzles(puzzles, chosen[:2], tmp_path / "q.png")


def test_crl_reason_writes_its_report(encoder, tmp_path, capsys):
    encoder.save(tmp_path / "enc")
    out = tmp_path / "report"
    code = main(["reason", "--model", str(tmp_path / "enc"), "--scene", "sprites", "--steps", "20", "--few", "10",
                 "--eval-every", "10", "--n-train", "200", "--n-test", "60", "--device", "cpu", "--size", "small",
                 "--out", str(out)])
    assert code == 0
    report = (out / "report.md").read_text()
    assert "accuracy after 20 steps" in report and "![puzzles](puzzles.png)" in report
    assert (out / "puzzles.png").stat().st_size > 1000
    assert main(["reason", "--model", str(tmp_path / "nothing"), "--scene", "sprites", "--out", str(out)]) == 2
    assert "no such folder" in capsys.readouterr().err
