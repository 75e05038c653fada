"""Object scenes: masks and tables agree with the pixels, the SCM holds, and the oracle reads objects back."""
from __future__ import annotations

import numpy as np
import pytest

import crl
from crl.scenes.objects import ObjectSample, ObjectScene, read_objects
from crl.scenes.objects.render import visible_pixels


@pytest.fixture(scope="module", params=["multi_sprites", "tetrominoes"])
def scene_and_sample(request: pytest.FixtureRequest) -> tuple[ObjectScene, ObjectSample]:
    scene = crl.scenes.load(request.param, resolution=64, causal=True)
    assert isinstance(scene, ObjectScene)
    return scene, scene.sample(300, seed=0)


def test_sample_tables_and_masks_agree(scene_and_sample: tuple[ObjectScene, ObjectSample]) -> None:
    scene, d = scene_and_sample
    assert d.images.shape == (300, 64, 64, 3) and d.images.dtype == np.uint8
    assert d.masks.shape == (300, 64, 64) and d.masks.dtype.kind == "i"
    counts = d.factors["count"].to_numpy()
    assert counts.min() == 2 and counts.max() == 6 and len(d.objects) == counts.sum()
    assert (d.masks.max(axis=(1, 2)) <= counts).all()
    pixels = visible_pixels(d.masks, 6)[d.objects["image"], d.objects["object"] - 1]
    assert np.array_equal(d.objects["pixels"].to_numpy(), pixels)
    assert d.objects["visibility"].between(0, 1).all() and (d.objects["visibility"] == 1).mean() > 0.3
    background = d.images[d.masks == 0].max(axis=1)  # black, but for anti-aliased edges covered less than half
    assert (background == 0).mean() > 0.95
    again = scene.sample(300, seed=0)
    assert np.array_equal(again.images, d.images) and again.objects.equals(d.objects)


def test_scm_relations_hold(scene_and_sample: tuple[ObjectScene, ObjectSample]) -> None:
    scene, d = scene_and_sample
    light = d.factors["light"].to_numpy()[d.objects["image"]]
    assert np.allclose(d.objects["shade"], np.clip(0.75 + 0.3 * (light - d.objects["x"]), 0.5, 1.0))
    pooled = scene.pooled(d)
    assert list(pooled.columns) == list(scene.graph.nodes) and len(pooled) == len(d.objects) - len(d)
    assert np.corrcoef(pooled["prev_x"], pooled["x"])[0, 1] < -0.9
    assert np.corrcoef(pooled["prev_hue"], pooled["hue"])[0, 1] < -0.9
    assert set(scene.graph.edges) == {("light", "shade"), ("x", "shade"), ("size", "y"), ("prev_x", "x"),
                                      ("prev_hue", "hue")}
    plain = crl.scenes.load(scene.name, resolution=32)
    assert set(plain.graph.edges) == {("light", "shade"), ("x", "shade")}


def test_render_of_the_object_table_gives_the_images(scene_and_sample: tuple[ObjectScene, ObjectSample]) -> None:
    scene, d = scene_and_sample
    assert np.array_equal(scene.render(d.objects, n=len(d)), d.images)


def test_oracle_reads_unoccluded_objects_back(scene_and_sample: tuple[ObjectScene, ObjectSample]) -> None:
    scene, d = scene_and_sample
    read = read_objects(d.images, d.masks).merge(d.objects, on=["image", "object"], suffixes=("_read", ""))
    assert len(read) == (d.objects["pixels"] > 0).sum()
    assert np.array_equal(read["pixels_read"], read["pixels"])
    whole = read[read["visibility"] == 1]
    assert np.abs(whole["x_read"] - whole["x"]).max() < 1.5 / 64  # centroid of the covered pixels
    assert np.abs(whole["y_read"] - whole["y"]).max() < 1.5 / 64
    brightest = whole[["r", "g", "b"]].max(axis=1)
    assert np.corrcoef(brightest, whole["shade"])[0, 1] > 0.9


def test_options_and_bad_input_are_checked() -> None:
    scene = crl.scenes.load("tetrominoes", resolution=32, min_objects=3, max_objects=3)
    assert (scene.sample(20, seed=1).factors["count"] == 3).all()
    with pytest.raises(ValueError, match="min_objects"):
        crl.scenes.load("multi_sprites", min_objects=5, max_objects=2)
    with pytest.raises(ValueError, match="resolution"):
        crl.scenes.load("multi_sprites", resolution=40)
    with pytest.raises(ValueError, match="unknown option"):
        crl.scenes.load("multi_sprites", colour=True)
    with pytest.raises(NotImplementedError, match="sample_pairs"):
        scene.sample_pairs(10)
    d = scene.sample(4, seed=0)
    with pytest.raises(ValueError, match="masks must be integer"):
        read_objects(d.images, d.masks[:, :16])
    with pytest.raises(ValueError, match="masks"):
        scene.counterfactual(ObjectSample(d.images, d.factors, d.noise, d.masks[:, 1:], d.objects), do={"light": 0.5})
    labels = scene.labels(d, n=2)
    assert list(labels.columns) == ["light"] and len(labels) == 2


def test_discovery_on_the_pooled_table_recovers_the_graph_up_to_equivalence() -> None:
    import scm

    scene = crl.scenes.load("multi_sprites", resolution=16, causal=True)
    found = scm.discover(scene.pooled(scene.sample(1500, seed=0)), method="ges")
    assert {frozenset(e) for e in found.edges} == {frozenset(e) for e in scene.graph.edges}  # the skeleton
    assert found.has_edge("light", "shade") and not found.has_edge("shade", "light")  # the v-structure at shade
    assert found.has_edge("x", "shade") and not found.has_edge("shade", "x")
