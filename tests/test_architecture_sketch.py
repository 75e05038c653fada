"""The model, scm and encoders lines of the API sketch in ARCHITECTURE.md run as written (tiny sizes;
the scene lines have their own test in tests/crl/scenes/test_api_sketch.py)."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import crl
import encoders
import scm


@pytest.mark.slow
def test_the_sketch_model_lines_run_as_written(tmp_path):
    n = 200
    scene = crl.scenes.load("pendulum", resolution=64)
    d = scene.sample(n, seed=0)
    p = scene.sample_pairs(n, k=1, seed=0)
    labels = scene.labels(d, n=100, mode="exact")
    images = d.images

    model = crl.CausalModel(encoder="ada-gvae", latent_dim=6, discovery="auto", mechanisms="mlp")
    model.set_params(steps=20, bootstrap=0, progress=False)  # the sketch's settings, at a test's budget
    model.fit(images, pairs=(p.x1, p.x2), labels=labels)
    assert isinstance(model.graph, nx.DiGraph) and set(model.graph.nodes) == set(labels.columns)
    latents = model.encode(images)
    assert list(latents.columns[:4]) == list(labels.columns) and len(latents) == n
    assert model.decode(latents).shape == images.shape
    assert model.sample(5).images.shape == (5, 64, 64, 3)
    light = 90.0  # label units (degrees): the sketch's 0.3 lies outside the light's range
    assert np.allclose(model.intervene({"light": light}, 5).latents["light"], light)
    assert np.allclose(model.counterfactual(images[:5], {"light": light}).latents["light"], light)
    model.save(tmp_path / "model")
    loaded = crl.CausalModel.load(tmp_path / "model")
    np.testing.assert_allclose(loaded.encode(images[:5]).to_numpy(), model.encode(images[:5]).to_numpy(), atol=1e-6)
    quick_oracle = {"n": 200, "steps": 20, "n_holdout": 50}  # the scene oracle, at a test's budget
    assert set(crl.evaluate(model, scene, n=50, oracle_options=quick_oracle).summary()) >= {"shd", "mcc"}


def test_the_sketch_scm_and_encoders_lines_run_as_written(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=2000)})
    df["z"] = df["y"] - x + rng.normal(size=2000)
    g = scm.discover(df, method="pc")
    assert {frozenset(e) for e in g.edges} >= {frozenset(("x", "y"))}
    g_true = nx.DiGraph([("x", "y"), ("y", "z"), ("x", "z")])
    m = scm.SCM(g_true, mechanisms="linear").fit(df)
    assert len(m.sample(10)) == 10
    assert np.allclose(m.intervene({"x": 1.0}, 10)["x"], 1.0)
    assert np.allclose(m.counterfactual(df.iloc[:3], {"x": 1.0})["x"], 1.0)
    assert scm.shd(g_true, g_true) == 0

    images = crl.scenes.load("pendulum", resolution=16).sample(64, seed=0).images
    enc = encoders.train("beta-vae", images, latent_dim=10, steps=5, device="auto", progress=False)
    z = enc.encode(images)
    assert z.shape == (64, 10) and enc.decode(z).shape == images.shape
    enc.save(tmp_path / "enc")
    np.testing.assert_allclose(encoders.load(tmp_path / "enc").encode(images), z, atol=1e-6)
