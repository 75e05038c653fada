"""scm.bootstrap: strong edges appear in every resample."""
import numpy as np
import pandas as pd
import pytest

from scm.discovery.bootstrap import bootstrap


def _data(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rng.standard_normal(n)
    z = 2.0 * x + 2.0 * y + rng.standard_normal(n)
    return pd.DataFrame({"x": x, "y": y, "z": z})


def test_strong_collider_edges_have_frequency_one():
    result = bootstrap(_data(), "ges", n=8, seed=1)
    freq = result.frequencies.set_index(["u", "v"])
    assert freq.loc[("x", "z"), "directed"] == 1.0
    assert freq.loc[("y", "z"), "directed"] == 1.0
    assert freq.loc[("z", "x"), "adjacency"] == 1.0
    assert result.graph.edges["x", "z"]["confidence"] == 1.0
    assert not result.graph.has_edge("x", "y")


def test_bootstrap_is_reproducible_and_validates():
    a = bootstrap(_data(), "sortnregress", n=4, seed=3).frequencies
    b = bootstrap(_data(), "sortnregress", n=4, seed=3).frequencies
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="threshold"):
        bootstrap(_data(), "ges", threshold=0.0)
    with pytest.raises(ValueError, match="unknown method"):
        bootstrap(_data(), "nope")
