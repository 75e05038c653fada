"""The CUDA paths: every objective trains on the GPU, checkpoints and models cross devices, the
SCM layer's torch code runs there, and a CausalModel fitted on the GPU answers like its CPU copy.

Skipped where no GPU is present (CI has none); `benchmarks/gpu.sh` runs them on a lent GPU.
"""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch

import crl
import encoders
import scm
from crl.scene_data import fit_on_scene, scene_training_data
from scm.discovery.dispatch import discover
from scm.metrics import shd

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _images(n: int, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """n 16x16 pendulum images and their factors."""
    sample = crl.scenes.load("pendulum", resolution=16).sample(n, seed=seed)
    return sample.images, sample.factors


def _weights(encoder) -> torch.Tensor:
    return torch.cat([p.detach().float().flatten().cpu() for p in encoder.modules.parameters()])


@pytest.mark.parametrize("objective", sorted(encoders.OBJECTIVES))
def test_every_objective_trains_on_cuda_in_bf16(objective):
    images, factors = _images(256)
    shifted = _images(256, seed=1)[0]
    options = {"pairs": (images, shifted)} if encoders.OBJECTIVES[objective].needs_pairs else {}
    if encoders.OBJECTIVES[objective].needs_labels:
        options["labels"] = factors.iloc[:64]
    encoder = encoders.train(objective, images, latent_dim=4, steps=30, batch_size=32, lr=1e-3, device="cuda",
                             bf16=True, progress=False, log_every=10, **options)
    assert encoder.device.type == "cuda"
    assert all(np.isfinite(entry["loss"]) for entry in encoder.history)
    means = encoder.encode(images[:50])
    assert means.shape == (50, 4) and np.isfinite(means).all()
    assert encoder.decode(means).shape == (50, 16, 16, 3)


def test_bf16_trains_as_well_as_float32():
    """bf16 autocast is an option on CUDA: where it is chosen it must not cost reconstruction quality."""
    images, _ = _images(512)
    losses = {}
    for bf16 in (False, True):
        encoder = encoders.train("beta-vae", images, latent_dim=4, steps=400, batch_size=64, lr=1e-3,
                                 device="cuda", bf16=bf16, progress=False, log_every=100)
        losses[bf16] = encoder.history[-1]["recon"]
    assert losses[True] < 1.1 * losses[False], losses


def test_cuda_checkpoint_resumes_to_the_uninterrupted_run(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    images, _ = _images(256)
    common = dict(latent_dim=4, batch_size=32, lr=1e-3, device="cuda", bf16=False, progress=False,
                  checkpoint_every=10, seed=2)
    whole = encoders.train("beta-tcvae", images, steps=30, checkpoint_dir=tmp_path / "a", **common)
    encoders.train("beta-tcvae", images, steps=20, checkpoint_dir=tmp_path / "b", **common)
    resumed = encoders.train("beta-tcvae", images, steps=30, checkpoint_dir=tmp_path / "b", **common)
    torch.testing.assert_close(_weights(resumed), _weights(whole), rtol=1e-4, atol=1e-5)


def test_cuda_trained_encoder_loads_on_cpu(tmp_path):
    images, _ = _images(128)
    encoder = encoders.train("beta-vae", images, latent_dim=4, steps=50, batch_size=32, device="cuda", progress=False)
    encoder.save(tmp_path / "enc")
    on_cpu = encoders.load(tmp_path / "enc", device="cpu")
    assert on_cpu.device.type == "cpu"
    # cuDNN may use TF32 for convolutions: agreement to about 1e-3 of the latent scale
    np.testing.assert_allclose(on_cpu.encode(images), encoder.encode(images), atol=5e-3)


def _chain(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    b = 1.5 * a + rng.standard_normal(n)
    c = -1.0 * b + rng.standard_normal(n)
    d = 0.8 * c + 0.7 * a + rng.standard_normal(n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})


@pytest.mark.parametrize("method", ["notears", "dagma"])
def test_continuous_discovery_on_cuda_matches_cpu(method):
    data = _chain(2000, seed=1)
    truth = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    on_gpu, on_cpu = discover(data, method, device="cuda"), discover(data, method, device="cpu")
    assert shd(truth, on_gpu) == 0
    assert set(on_gpu.edges) == set(on_cpu.edges)
    for u, v in truth.edges:
        assert on_gpu.edges[u, v]["weight"] == pytest.approx(on_cpu.edges[u, v]["weight"], abs=0.02)


def test_mlp_mechanisms_on_cuda_answer_counterfactuals():
    data = _chain(3000, seed=2)
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    model = scm.SCM(graph, "mlp", device="cuda", seed=0).fit(data)
    rows = data.iloc[:200]
    answer = model.counterfactual(rows, {"b": 2.0})
    # the true counterfactual: c keeps its noise, so c' = c + (-1.0) * (2 - b); d follows c
    c_true = rows["c"] - (2.0 - rows["b"])
    assert np.allclose(answer["b"], 2.0)
    assert np.mean(np.abs(answer["c"] - c_true)) < 0.25
    pd.testing.assert_series_equal(answer["a"], rows["a"])


def test_causal_model_fitted_on_cuda_answers_like_its_cpu_copy(tmp_path):
    scene = crl.scenes.load("pendulum", resolution=16)
    data = scene_training_data(scene, n_images=800, n_pairs=800, n_labels=100, seed=0)
    model = crl.CausalModel(latent_dim=6, steps=300, lr=1e-3, mechanisms="linear", bootstrap=4, progress=False,
                            device="cuda")
    fit_on_scene(model, data)
    images = data.sample.images[:32]
    result = model.counterfactual(images, {"light": 100.0})
    assert result.images.dtype == np.uint8 and result.images.shape == images.shape
    read_back = model.encode(result.images)["light"]
    before = model.encode(images)["light"]
    assert np.mean(np.abs(read_back - 100.0)) < np.mean(np.abs(before - 100.0))
    model.save(tmp_path / "model")
    on_cpu = crl.CausalModel.load(tmp_path / "model", device="cpu")
    assert set(on_cpu.graph.edges) == set(model.graph.edges)
    again = on_cpu.counterfactual(images, {"light": 100.0})
    np.testing.assert_allclose(again.latents.to_numpy(), result.latents.to_numpy(), atol=0.05 * before.std())
    # decoded on another device: pixel values agree to a level or two of 255
    assert np.mean(np.abs(again.images.astype(int) - result.images.astype(int))) < 2.0
    sampled = model.intervene({"pendulum": 10.0}, 16, seed=1)
    assert sampled.images.shape == (16, 16, 16, 3) and np.allclose(sampled.latents["pendulum"], 10.0)
