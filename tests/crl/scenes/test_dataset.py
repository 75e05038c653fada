"""Samples and pairs survive a save/load round trip through one .npz file."""
import numpy as np
import pandas as pd
import pytest

import crl


def test_sample_round_trip(tmp_path):
    scene = crl.scenes.load("sprites", resolution=16)
    sample = scene.sample(20, seed=0)
    path = crl.scenes.save_dataset(sample, tmp_path / "data" / "sample.npz")
    loaded = crl.scenes.load_dataset(path)
    assert isinstance(loaded, crl.scenes.Sample)
    np.testing.assert_array_equal(loaded.images, sample.images)
    pd.testing.assert_frame_equal(loaded.factors, sample.factors)
    pd.testing.assert_frame_equal(loaded.noise, sample.noise)
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["sample.npz"]  # no temporary left behind
    # the loaded noise still answers counterfactuals
    cf = scene.counterfactual(loaded, {"shape": "heart"})
    np.testing.assert_array_equal(cf.factors["x"], sample.factors["x"])


def test_pairs_round_trip(tmp_path):
    pairs = crl.scenes.load("pendulum", resolution=16).sample_pairs(10, k="random", seed=0)
    loaded = crl.scenes.load_dataset(crl.scenes.save_dataset(pairs, tmp_path / "pairs.npz"))
    assert isinstance(loaded, crl.scenes.Pairs)
    np.testing.assert_array_equal(loaded.x2, pairs.x2)
    pd.testing.assert_frame_equal(loaded.factors2, pairs.factors2)
    pd.testing.assert_frame_equal(loaded.changed, pairs.changed)


def test_bad_paths(tmp_path):
    sample = crl.scenes.load("sprites", resolution=16).sample(2)
    with pytest.raises(ValueError, match=".npz"):
        crl.scenes.save_dataset(sample, tmp_path / "sample.pkl")
    with pytest.raises(ValueError, match="Sample or Pairs"):
        crl.scenes.save_dataset(sample.images, tmp_path / "x.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not a crl.scenes dataset"):
        crl.scenes.load_dataset(tmp_path / "other.npz")
