"""dSprites' factor grid, the causal sprites' DAG and mechanisms, and the water-flow scene."""
import networkx as nx
import numpy as np
import pytest

import crl
from crl.scenes.flow import jet_reach
from crl.scenes.mechanisms import standard_normal
from crl.scenes.sprites import DEFAULT_EDGES, GRIDS


def test_sprites_factors_lie_on_the_dsprites_grid():
    scene = crl.scenes.load("sprites", resolution=32)
    factors = scene.sample(500, seed=0).factors
    assert scene.graph.number_of_edges() == 0
    assert set(factors["shape"]) == {0, 1, 2}
    for name, grid in GRIDS.items():
        assert np.isin(factors[name], grid).all(), name
    assert len(GRIDS["scale"]) == 6 and len(GRIDS["orientation"]) == 40 and len(GRIDS["x"]) == len(GRIDS["y"]) == 32
    assert len(set(factors["x"])) == 32  # uniform over the grid: 500 draws hit all 32 positions


def test_sprites_color_option_adds_a_categorical_factor():
    scene = crl.scenes.load("sprites", resolution=32, color=True)
    assert scene.factor_names[-1] == "color"
    red = scene.intervene({"color": "red"}, 3, seed=0).images.astype(int).sum(axis=(1, 2))
    white = scene.intervene({"color": "white"}, 3, seed=0).images.astype(int).sum(axis=(1, 2))
    assert (red[:, 0] > 4 * red[:, 1]).all() and (red[:, 1] == red[:, 2]).all()  # red is (0.95, 0.2, 0.2)
    assert (np.abs(white[:, 0] - white[:, 1]) == 0).all()


def test_sprites_object_moves_with_x():
    scene = crl.scenes.load("sprites")
    # a sprite's centroid is its centre (squares and ellipses are point-symmetric; hearts are centred on it)
    left = scene.intervene({"x": 0.0, "shape": "square"}, 10, seed=0).images.sum(axis=-1)
    right = scene.intervene({"x": 1.0, "shape": "ellipse"}, 10, seed=0).images.sum(axis=-1)
    columns = np.arange(64) + 0.5  # pixel centres
    centre = lambda im: (im.sum(axis=1) * columns).sum(axis=1) / im.sum(axis=(1, 2))  # noqa: E731
    # centres map [0, 1] to pixels [0.2, 0.8] * 64 = [12.8, 51.2]
    np.testing.assert_allclose(centre(left), 12.8, atol=0.05)
    np.testing.assert_allclose(centre(right), 51.2, atol=0.05)


def test_sprites_size_and_place_read_scale_and_position_alone():
    # every shape covers the same area at a given scale, and the heart sits at its centre of area however
    # it turns, so a sprite's size in the picture says scale alone and its centre says x, y alone
    scene = crl.scenes.load("sprites")
    columns = np.arange(64) + 0.5
    areas = {}
    for shape in ("square", "ellipse", "heart"):
        images = scene.intervene({"shape": shape, "scale": 1.0, "x": 0.3, "y": 0.6}, 40, seed=0).images[..., 0] / 255.0
        areas[shape] = images.sum(axis=(1, 2))
        x = (images.sum(axis=1) * columns).sum(axis=1) / areas[shape]
        y = (images.sum(axis=2) * columns).sum(axis=1) / areas[shape]
        # centres map [0, 1] to pixels [0.2, 0.8] * 64: x 0.3 -> 24.32, y 0.6 -> 35.84
        np.testing.assert_allclose(x, 24.32, atol=0.1)
        np.testing.assert_allclose(y, 35.84, atol=0.1)
    # area of a scale-1 sprite: pi / 2 (0.18 * 64)^2 = 208.4 pixels, whatever the shape and its orientation
    np.testing.assert_allclose(np.concatenate(list(areas.values())), np.pi / 2 * (0.18 * 64) ** 2, rtol=0.02)


def test_causal_sprites_default_graph_and_dependence():
    scene = crl.scenes.load("causal_sprites", resolution=16)
    assert set(scene.graph.edges) == set(DEFAULT_EDGES)
    factors = scene.sample(2000, seed=0).factors
    # every edge is a visible dependence; a non-adjacent independent pair is not
    for parent, child in [("x", "y"), ("x", "orientation")]:
        assert abs(np.corrcoef(factors[parent], factors[child])[0, 1]) > 0.3
    assert abs(np.corrcoef(factors["x"], factors["shape"])[0, 1]) < 0.08


def test_causal_sprites_user_graph_and_nonlinear_mechanism():
    graph = nx.DiGraph([("x", "scale")])
    scene = crl.scenes.load("causal_sprites", resolution=16, graph=graph, mechanism="nonlinear", noise_scale=0.0)
    assert set(scene.graph.edges) == {("x", "scale")} and set(scene.factor_names) == {"shape", "scale", "orientation", "x", "y"}
    factors = scene.sample(300, seed=0).factors
    # noise-free sin mechanism: scale = 0.5 + 0.5 * (0.5 + 0.35 sin(+-pi z)), z = 2x - 1
    z = 2 * factors["x"] - 1
    candidates = [0.5 + 0.5 * (0.5 + 0.35 * np.sin(np.pi * sign * z)) for sign in (1, -1)]
    assert min(np.abs(factors["scale"] - c).max() for c in candidates) < 1e-9
    done = scene.intervene({"x": 0.9}, 200, seed=1).factors
    assert done["scale"].nunique() == 1 and done["y"].nunique() > 100


def test_causal_sprites_bad_options():
    with pytest.raises(ValueError, match="unknown factor"):
        crl.scenes.load("causal_sprites", graph=nx.DiGraph([("x", "size")]))
    with pytest.raises(ValueError, match="mechanism must be one of"):
        crl.scenes.load("causal_sprites", mechanism="cubic")
    with pytest.raises(ValueError, match="cycle"):
        crl.scenes.load("causal_sprites", graph=nx.DiGraph([("x", "y"), ("y", "x")]))


def test_flow_follows_the_reference_formulas():
    # reach at y = 0.5: sqrt(2 * 0.98 * h * (hole - 0.5)); h = 2, hole = 3 -> sqrt(9.8) = 3.1305
    assert jet_reach(np.array(2.0), np.array(3.0)) == pytest.approx(3.1305, abs=1e-4)
    scene = crl.scenes.load("flow", resolution=32)
    assert set(scene.graph.edges) == {("ball_size", "water_height"), ("water_height", "flow"), ("hole", "flow")}
    factors = scene.sample(500, seed=0).factors
    base = factors["water_height"] - factors["ball_size"] ** 3  # the ball-free level h0 ~ U(1, 3.9)
    assert base.min() >= 1.0 and base.max() <= 3.9 and base.max() - base.min() > 2.5
    # gravity implied by each flow is 0.98 + 0.02 * N(0, 1), the N(0, 1) being the flow's own noise
    gravity = factors["flow"] ** 2 / (2 * factors["water_height"] * (factors["hole"] - 0.5))
    np.testing.assert_allclose(gravity, 0.98 + 0.02 * standard_normal(scene.sample(500, seed=0).noise["flow"]), rtol=1e-9)


def test_flow_counterfactual_bigger_ball_raises_water_and_flow():
    scene = crl.scenes.load("flow", resolution=32)
    factual = scene.intervene({"ball_size": 0.3}, 50, seed=2)
    cf = scene.counterfactual(factual, {"ball_size": 1.1})
    np.testing.assert_allclose(cf.factors["water_height"] - factual.factors["water_height"], 1.1**3 - 0.3**3)
    assert (cf.factors["flow"] > factual.factors["flow"]).all()
    np.testing.assert_array_equal(cf.factors["hole"], factual.factors["hole"])
