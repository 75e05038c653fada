"""The oracle reads the fake scene's factors back from its images, and is cached on disk."""
import numpy as np
import pytest

from crl.evaluation import oracle as oracle_module
from crl.evaluation.oracle import Oracle, load_or_train


def test_oracle_reads_factors_from_held_out_images(scene, oracle):
    held_out = scene.sample(300, seed=123)
    score = oracle.score(held_out)
    assert (score > 0.8).all(), score
    assert list(oracle.holdout_score) == ["a", "b", "c"] and min(oracle.holdout_score.values()) > 0.8
    read = oracle.read(held_out.images)
    assert np.abs(read["a"] - held_out.factors["a"]).mean() < 0.1  # label units (a in [0, 1])


def test_save_and_load_give_the_same_reading(scene, oracle, tmp_path):
    oracle.save(tmp_path / "o")
    images = scene.sample(20, seed=5).images
    np.testing.assert_allclose(Oracle.load(tmp_path / "o").read(images), oracle.read(images), rtol=1e-6)


def test_load_or_train_trains_once_then_loads_from_cache(scene, tmp_path, monkeypatch):
    monkeypatch.setenv("CRL_CACHE_DIR", str(tmp_path))
    first = load_or_train(scene, steps=3, n=64, n_holdout=16, device="cpu", progress=False)
    folders = list((tmp_path / "oracles").iterdir())
    assert len(folders) == 1 and (folders[0] / "weights.safetensors").is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("a cached oracle should have been loaded")

    monkeypatch.setattr(oracle_module.Oracle, "fit", refuse)
    again = load_or_train(scene, steps=3, n=64, n_holdout=16, device="cpu", progress=False)
    images = scene.sample(4, seed=1).images
    np.testing.assert_allclose(again.read(images), first.read(images), rtol=1e-6)
    assert oracle_module.cache_key(scene, steps=3, n=64, n_holdout=16) != oracle_module.cache_key(scene, steps=4)


def test_a_scene_that_draws_differently_gets_its_own_cached_oracle(scene):
    class Redrawn(type(scene)):
        render = staticmethod(lambda factors: 255 - type(scene).render(factors))

    assert oracle_module.cache_key(Redrawn(), steps=3) != oracle_module.cache_key(scene, steps=3)
    assert oracle_module.cache_key(type(scene)(), steps=3) == oracle_module.cache_key(scene, steps=3)


def test_bad_options_and_images_are_rejected(scene, oracle):
    with pytest.raises(ValueError, match="unknown oracle option"):
        load_or_train(scene, stepz=3)
    with pytest.raises(ValueError, match="steps must be an integer"):
        Oracle.fit(scene, steps=0)
    with pytest.raises(ValueError, match=r"uint8 of shape \(N >= 1, 16, 16, 3\)"):
        oracle.read(np.zeros((2, 8, 8, 3), np.uint8))


@pytest.mark.parametrize("folder", sorted(oracle_module.SHIPPED.iterdir()), ids=lambda p: p.name)
def test_each_shipped_oracle_matches_its_scene_as_drawn_today(folder):
    """A scene whose drawing changed gets a new cache key, and the shipped oracle would silently stop serving it."""
    import crl

    shipped = Oracle.load(folder)
    name = folder.name.rsplit("-", 1)[0]
    scene = crl.scenes.load(name, resolution=shipped.shape[0])
    assert f"{name}-{oracle_module.cache_key(scene)}" == folder.name
    assert min(shipped.score(scene.sample(200, seed=11)).values) > 0.9
