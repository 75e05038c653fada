"""Figures are written as readable PNGs, atomically, and reject bad input."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from crl import plots
from crl.plots import edge_status


def _images(n=4, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _png(path):
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50
    assert image[..., :3].std() > 0.01  # something was drawn
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left behind
    return image


def test_counterfactual_grid_and_image_grid(tmp_path):
    x = _images()
    path = plots.counterfactual_grid(x, x, x, tmp_path / "cf" / "grid.png", titles=list("abcd"), title="do(a=1)")
    _png(path)
    wide = _png(plots.image_grid(_images(10), tmp_path / "grid" / "g.png", nrow=5))
    assert wide.shape[1] > wide.shape[0]  # 2 rows of 5
    with pytest.raises(ValueError, match="same shape"):
        plots.counterfactual_grid(x, x[:2], x, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="uint8"):
        plots.image_grid(x.astype(float), tmp_path / "bad.png")


def test_edge_classification_drives_the_highlighting():
    true = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    est = nx.DiGraph([("a", "b"), ("c", "b"), ("a", "d")])
    est.add_edge("d", "c", undirected=True)
    est.add_edge("c", "d", undirected=True)
    status, missing = edge_status(true, est)
    assert status == {("a", "b"): "correct", ("c", "b"): "reversed", ("a", "d"): "extra", ("c", "d"): "undirected"}
    assert missing == []
    assert edge_status(true, nx.DiGraph([("a", "b")]))[1] == [("b", "c"), ("c", "d")]


def test_graph_comparison_writes_a_png(tmp_path):
    est = nx.DiGraph([("b", "a", {"confidence": 0.8}), ("a", "c", {"confidence": 0.55})])
    _png(plots.graph_comparison(nx.DiGraph([("a", "b"), ("b", "c")]), est, tmp_path / "g" / "graph.png"))
    with pytest.raises(ValueError, match="g_est must be a networkx.DiGraph"):
        plots.graph_comparison(nx.DiGraph(), nx.Graph(), tmp_path / "bad.png")


def test_latent_traversals_sweep_each_column_over_its_range(tmp_path):
    latents = pd.DataFrame({"a": [0.0, 1.0, 0.5], "b": [2.0, 4.0, 3.0]})
    seen = []

    def decode(frame):
        seen.append(frame.copy())
        return np.repeat((frame["a"].to_numpy() * 255).astype(np.uint8)[:, None, None, None], 16 * 16 * 3).reshape(
            len(frame), 16, 16, 3)

    _png(plots.latent_traversals(decode, latents, ["a", "b"], tmp_path / "t" / "trav.png", steps=5, row=2))
    frame = seen[0]
    assert len(frame) == 10
    np.testing.assert_allclose(frame["a"][:5], np.linspace(0, 1, 5))  # a swept, b held at row 2
    np.testing.assert_allclose(frame["b"][:5], 3.0)
    np.testing.assert_allclose(frame["b"][5:], np.linspace(2, 4, 5))
    with pytest.raises(ValueError, match=r"unknown: \['q'\]"):
        plots.latent_traversals(decode, latents, ["q"], tmp_path / "bad.png")
