"""True counterfactuals of object scenes: edits replay the noise, recompute descendants and keep the rest."""
from __future__ import annotations

import numpy as np
import pytest

import crl
from crl.scenes.objects import ObjectScene, read_objects
from crl.scenes.objects.spec import POSITION

ATTRIBUTES = ["shape", "size", "orientation", "x", "y", "hue", "shade"]


def _scene(name: str = "multi_sprites", causal: bool = False) -> ObjectScene:
    scene = crl.scenes.load(name, resolution=64, causal=causal)
    assert isinstance(scene, ObjectScene)
    return scene


@pytest.mark.parametrize("name", ["multi_sprites", "tetrominoes"])
def test_removing_an_object_is_the_scene_drawn_without_it(name: str) -> None:
    scene = _scene(name)
    d = scene.sample(100, seed=2)
    edited = scene.edit(d, object=2, remove=True)
    assert not (edited.masks == 2).any() and (edited.factors["count"] == d.factors["count"] - 1).all()
    kept = d.objects[d.objects["object"] != 2].reset_index(drop=True)
    assert edited.objects[ATTRIBUTES].equals(kept[ATTRIBUTES])
    assert np.array_equal(edited.images, scene.render(kept, n=len(d)))
    hidden = ~np.isin(d.masks, [0, 2])  # pixels held by objects in front of or beside object 2 in both
    visible = (edited.masks == d.masks) & hidden & (edited.masks > 2)  # objects drawn after 2 are untouched by it
    whole = np.abs(edited.images.astype(int) - d.images)[visible].max(axis=1)
    assert (whole == 0).mean() > 0.99


def test_moving_an_object_recomputes_its_shade_and_is_read_back_there() -> None:
    scene = _scene()
    d = scene.sample(200, seed=3)
    edited = scene.edit(d, object=1, set={"x": 0.3, "y": 0.7})
    first = edited.objects[edited.objects["object"] == 1]
    assert np.allclose(first["x"], 0.3) and np.allclose(first["y"], 0.7)
    assert np.allclose(first["shade"], np.clip(0.75 + 0.3 * (edited.factors["light"] - 0.3), 0.5, 1.0))
    others = ["shape", "size", "orientation", "hue"]
    assert first[others].reset_index(drop=True).equals(d.objects[d.objects["object"] == 1][others].reset_index(drop=True))
    rest = d.objects["object"] > 1
    assert edited.objects[rest][ATTRIBUTES].equals(d.objects[rest][ATTRIBUTES])
    read = read_objects(edited.images, edited.masks).merge(edited.objects, on=["image", "object"], suffixes=("_read", ""))
    whole = read[(read["object"] == 1) & (read["visibility"] == 1)]
    assert len(whole) > 20 and np.abs(whole["x_read"] - 0.3).max() < 1.5 / 64


def test_edits_in_the_causal_scene_reach_the_next_objects() -> None:
    scene = _scene(causal=True)
    d = scene.sample(200, seed=4)
    edited = scene.edit(d, object=1, set={"x": POSITION[0] + 0.2})
    before = d.objects.set_index(["image", "object"])
    after = edited.objects.set_index(["image", "object"])
    moved = after.loc[(slice(None), 2), "x"] - before.loc[(slice(None), 2), "x"]
    shift = (POSITION[0] + 0.2) - before.loc[(slice(None), 1), "x"].to_numpy()
    inside = after.loc[(slice(None), 2), "x"].between(*POSITION, inclusive="neither").to_numpy()
    inside = inside & before.loc[(slice(None), 2), "x"].between(*POSITION, inclusive="neither").to_numpy()
    assert inside.sum() > 100 and np.allclose(moved.to_numpy()[inside], -shift[inside])  # prev_x -> x, same noise
    assert after["size"].equals(before["size"]) and after["hue"].equals(before["hue"])
    removed = scene.edit(d, object=1, remove=True, image=[0, 5])
    noise = d.noise.iloc[[0, 5]]
    second = removed.objects[removed.objects["object"] == 2]["x"].to_numpy()
    assert np.allclose(second, POSITION[0] + noise["x[2]"].to_numpy() * (POSITION[1] - POSITION[0]))  # a root now


def test_counterfactual_on_the_light_changes_colours_only() -> None:
    scene = _scene()
    d = scene.sample(100, seed=5)
    cf = scene.counterfactual(d, do={"light": 0.1})
    assert np.array_equal(cf.masks, d.masks) and (cf.factors["light"] == 0.1).all()
    assert np.allclose(cf.objects["shade"], np.clip(0.75 + 0.3 * (0.1 - d.objects["x"]), 0.5, 1.0))
    same = ["shape", "size", "orientation", "x", "y", "hue"]
    assert cf.objects[same].equals(d.objects[same])
    assert np.array_equal(cf.images, scene.intervene({"light": 0.1}, n=100, seed=5).images)  # same noise
    hue = scene.counterfactual(d, do={"hue": 0.4})
    assert np.allclose(hue.objects["hue"], 0.4) and hue.objects["x"].equals(d.objects["x"])
    twice = scene.edit(scene.edit(d, object=1, set={"x": 0.3}), object=2, remove=True)
    assert np.allclose(twice.objects[twice.objects["object"] == 1]["x"], 0.3)  # an edit of an edit keeps the first


def test_bad_edits_are_refused_before_work() -> None:
    scene = _scene()
    d = scene.sample(50, seed=6)
    lacking = int(np.flatnonzero(d.factors["count"] < 6)[0])
    with pytest.raises(ValueError, match=rf"image\(s\) \[{lacking}\] do not have object 6"):
        scene.edit(d, object=6, image=lacking, remove=True)
    with pytest.raises(ValueError, match="unknown attribute.*'colour'"):
        scene.edit(d, object=1, set={"colour": 0.2})
    with pytest.raises(ValueError, match="object must be an integer in 1..6"):
        scene.edit(d, object=0, remove=True)
    with pytest.raises(ValueError, match="exactly one of"):
        scene.edit(d, object=1, remove=True, set={"x": 0.3})
    with pytest.raises(ValueError, match="outside its range"):
        scene.edit(d, object=1, set={"x": 2.0})
    with pytest.raises(ValueError, match="image: \\[50\\] out of range"):
        scene.edit(d, object=1, image=50, remove=True)
    with pytest.raises(ValueError, match="unknown factor"):
        scene.counterfactual(d, do={"gravity": 1.0})
    with pytest.raises(ValueError, match="ObjectSample"):
        scene.counterfactual(crl.scenes.load("sprites", resolution=64).sample(3), do={"light": 0.5})
