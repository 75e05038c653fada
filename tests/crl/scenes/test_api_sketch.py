"""The scene lines of the API sketch in ARCHITECTURE.md run as written, with `do=` in scenes."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import crl


def test_the_sketch_scene_lines_run_as_written():
    n = 100  # scene.labels(d, n=100) labels 100 rows of d
    scene = crl.scenes.load("pendulum", resolution=64)
    assert isinstance(scene.graph, nx.DiGraph)
    names = [factor.name for factor in scene.factors]
    assert set(scene.graph.nodes) == set(names)
    assert {factor.kind for factor in scene.factors} <= {"continuous", "categorical"}
    d = scene.sample(n, seed=0)
    assert d.images.dtype == np.uint8 and d.images.shape == (n, 64, 64, 3)
    assert list(d.factors.columns) == names and list(d.noise.columns) == names
    np.testing.assert_array_equal(scene.render(d.factors), d.images)

    light = 90.0  # degrees: the sketch's 0.3 lies outside the pendulum's light range, and is refused below
    done = scene.intervene(do={"light": light}, n=n, seed=1)
    assert (done.factors["light"] == light).all() and len(done) == n
    cf = scene.counterfactual(d, do={"light": light})
    assert (cf.factors["light"] == light).all()
    np.testing.assert_array_equal(cf.factors["pendulum"], d.factors["pendulum"])  # a non-descendant keeps its value

    p = scene.sample_pairs(n, k=1, seed=0)
    assert p.x1.shape == p.x2.shape == (n, 64, 64, 3)
    assert isinstance(p.factors1, pd.DataFrame) and isinstance(p.factors2, pd.DataFrame)
    assert (p.changed.sum(axis=1) == 1).all()

    labels = scene.labels(d, n=100, mode="exact")
    assert list(labels.columns) == names and len(labels) == 100
    pd.testing.assert_frame_equal(labels, d.factors.loc[labels.index])


def test_a_value_outside_the_factor_range_is_refused_naming_do():
    scene = crl.scenes.load("pendulum", resolution=64)
    with pytest.raises(ValueError, match=r"do\['light'\]: value 0.3 is outside its range \[54.0, 132.3\]"):
        scene.intervene(do={"light": 0.3}, n=10, seed=1)
