"""ObjectModel: slot matching, discovery over pooled object tables, queries on a barely trained model, bad input."""
from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import crl
import encoders
from crl.exceptions import NotFittedError
from crl.objects import ObjectModel, match_slots
from crl.objects.scoring import set_ap
from crl.residual import keep_residual


def test_matching_recovers_a_known_permutation() -> None:
    rng = np.random.default_rng(0)
    masks = np.zeros((3, 12, 12), np.int64)
    masks[:, 1:4, 1:4], masks[:, 6:9, 2:5], masks[:, 3:7, 8:11] = 1, 2, 3
    permutations = [rng.permutation(5)[:4] for _ in range(3)]  # slot of the background, then of objects 1..3
    segmentation = np.stack([perm[m] for perm, m in zip(permutations, masks)])
    found = match_slots(segmentation, masks, num_slots=5)
    expected = pd.DataFrame([(i, k, int(perm[k])) for i, perm in enumerate(permutations) for k in (1, 2, 3)],
                            columns=["image", "object", "slot"])
    pd.testing.assert_frame_equal(found[["image", "object", "slot"]], expected)
    assert np.allclose(found["iou"], 1.0)


def test_matching_is_hungarian_and_ignores_background() -> None:
    masks = np.zeros((1, 4, 10), np.int64)
    masks[0, :, 0:4], masks[0, :, 4:6] = 1, 2
    segmentation = np.zeros((1, 4, 10), np.int64)
    segmentation[0, :, 3:10] = 1  # slot 1 holds 1/4 of object 1, all of object 2 and the background
    # greedy (object 1 first) would give object 1 slot 0 (IoU 3/4) and leave object 2 with slot 1; so does Hungarian,
    # and object 2's IoU is 2/3 on the foreground (1 column of object 1 beside its 2), 2/7 with the background
    found = match_slots(segmentation, masks, num_slots=2)
    assert found[["object", "slot"]].values.tolist() == [[1, 0], [2, 1]]
    assert found["iou"].tolist() == pytest.approx([3 / 4, 2 / 3])
    assert match_slots(segmentation, masks, 2, foreground=False)["iou"].tolist() == pytest.approx([3 / 4, 2 / 7])


def test_discovery_on_true_pooled_tables_recovers_the_object_graph() -> None:
    scene = crl.scenes.load("multi_sprites", resolution=32, causal=True)
    sample = scene.sample(1500, seed=1)
    table = sample.objects.merge(sample.factors[["light"]], left_on="image", right_index=True)
    model = ObjectModel(discovery="pc")  # shape, integer codes, is discrete
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # size - y is left undirected by PC: one relation, no v-structure
        model.fit_graph(table[["light", *scene.attribute_names]])
    truth = nx.DiGraph(scene.graph.subgraph(["light", *scene.attribute_names]))
    skeleton = {frozenset(edge) for edge in model.graph_.edges}
    assert {frozenset(edge) for edge in truth.edges} <= skeleton and len(skeleton) <= len(truth.edges) + 1
    # the collider light -> shade <- x is oriented; the SCM reproduces shade's mechanism 0.75 + 0.3 (light - x)
    assert model.dag_.has_edge("light", "shade") and model.dag_.has_edge("x", "shade")
    row = pd.DataFrame({"light": [0.5], **{a: [table[a].iloc[0]] for a in scene.attribute_names}})
    row["x"], row["shade"] = 0.5, 0.75
    moved = model.scm_.counterfactual(row, {"light": 0.8})
    assert moved["shade"].iloc[0] == pytest.approx(0.75 + 0.3 * 0.3, abs=0.02)
    # a graph of the user's own: mechanisms only, and do(light) leaves what light does not cause alone
    model.fit_graph(table[["light", *scene.attribute_names]], graph=truth)
    assert set(model.graph_.edges) == set(truth.edges)
    moved = model.scm_.counterfactual(row, {"light": 0.8})
    assert moved["shade"].iloc[0] == pytest.approx(0.84, abs=0.02) and moved["y"].iloc[0] == row["y"].iloc[0]


def test_edges_made_by_shared_reading_errors_are_refuted_by_the_labelled_objects() -> None:
    scene = crl.scenes.load("multi_sprites", resolution=32, causal=True)
    sample = scene.sample(1500, seed=2)
    columns = ["light", *scene.attribute_names]
    truth_table = sample.objects.merge(sample.factors[["light"]], left_on="image", right_index=True)[columns]
    # readings from one slot vector share its error: a common error term in every continuous attribute
    shared = np.random.default_rng(0).normal(size=(len(truth_table), 1))
    reads = truth_table.copy()
    continuous = ["size", "orientation", "x", "y", "hue", "shade"]
    reads[continuous] += 0.3 * shared * truth_table[continuous].std().to_numpy()
    truth = {frozenset(edge) for edge in scene.graph.subgraph(columns).edges}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unchecked = ObjectModel(discovery="pc").fit_graph(reads)
        checked = ObjectModel(discovery="pc").fit_graph(reads, labels=truth_table.iloc[:150])
    assert len({frozenset(edge) for edge in unchecked.graph_.edges} - truth) >= 3  # the shared error makes edges
    assert {frozenset(edge) for edge in checked.graph_.edges} == truth  # the true skeleton, and no more
    assert checked.graph_.graph["refuted"]
    # the collider light -> shade <- x, oriented on the labelled rows, whose exact values show its independences
    assert checked.graph_.has_edge("light", "shade") and checked.graph_.has_edge("x", "shade")
    assert not checked.graph_.has_edge("shade", "light") and not checked.graph_.has_edge("shade", "x")
    # too few labelled rows to test an edge or run PC, or a label that never varies: the readings' graph stands
    few = truth_table.iloc[:6].assign(size=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept = ObjectModel(discovery="pc").fit_graph(reads, labels=few)
    assert set(kept.graph_.edges) == set(unchecked.graph_.edges) and not kept.graph_.graph["refuted"]


@pytest.fixture(scope="module")
def barely_trained() -> tuple[ObjectModel, object, object]:
    """A slot model after 3 steps at 16 px, with probes fitted on any overlap (min_iou 0): mechanics, not quality."""
    scene = crl.scenes.load("multi_sprites", resolution=16, min_objects=2, max_objects=3)
    sample = scene.sample(60, seed=0)
    slots = encoders.train_slots("slot-attention", sample.images, num_slots=4, steps=3, batch_size=4, preset="cpu",
                                 width=8, slot_dim=16, seed=0, device="cpu", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ObjectModel(num_slots=4, labelled=30, min_iou=0.0, device="cpu", progress=False)
        model.fit(sample, encoder=slots)
    return model, scene, sample


def test_queries_decode_the_changed_slots(barely_trained: tuple) -> None:
    model, _, sample = barely_trained
    images = sample.images[:6]
    reading = model.read(images)
    # an image's slots do not depend on the other images of the call
    np.testing.assert_array_equal(model.read(images[2:4]).slots, reading.slots[2:4])
    first = reading.objects.groupby("image")["object"].min().to_numpy()
    removed = model.remove(images, first)
    kept = np.stack([np.delete(reading.slots[i], first[i] - 1, axis=0) for i in range(6)])
    np.testing.assert_array_equal(removed.images, model.encoder_.decode(kept).image)
    assert not np.isin(first[:, None, None], removed.masks).all(axis=(1, 2)).any()
    # asked for, each image's residual comes back where the picture stays, in the share the kept object slots drew
    whole = model.encoder_.decode(reading.slots)
    held = np.zeros((6, model.num_slots), dtype=bool)
    held[reading.objects["image"], reading.objects["slot"]] = True

    def share(kept: np.ndarray) -> np.ndarray:
        return (whole.masks * (held & kept)[:, :, None, None]).sum(axis=1).clip(0, 1)
    kept = np.ones_like(held)
    kept[np.arange(6), first - 1] = False
    np.testing.assert_array_equal(model.remove(images, first, keep_residual=True).images,
                                  keep_residual(images, whole.image, removed.images, weight=share(kept)))
    # an edit of a root attribute moves the slot by (value - reading) times its inverse-probe direction, nothing else
    hue = reading.objects.set_index(["image", "object"])["hue"]
    edited = model.edit(images, first, {"hue": 0.5}, keep_residual=False)
    column = model.probes_.columns.index("hue")
    moved = reading.slots.copy()
    for i in range(6):
        moved[i, first[i] - 1] += (0.5 - hue[(i, first[i])]) * model.probes_.inverse.coef[:, column]
    if not model.dag_.out_degree("hue"):
        np.testing.assert_allclose(model.encoder_.decode(moved).image, edited.images, atol=1)
    assert (edited.objects.set_index(["image", "object"]).loc[list(zip(range(6), first)), "hue"] == 0.5).all()
    np.testing.assert_array_equal(model.edit(images, first, {"hue": 0.5}).images,
                                  keep_residual(images, whole.image, edited.images, weight=share(np.ones_like(held))))


def test_evaluate_dispatches_to_object_scoring(barely_trained: tuple) -> None:
    model, scene, _ = barely_trained
    result = crl.evaluate(model, scene, n=8)
    summary = result.summary()
    assert set(result.images["query"]) == {"remove", "edit hue=0.1", "edit x=0.3", "do light=0.2"}
    assert 0 <= summary["remove mse"] < 1 and -1 <= summary["fg_ari"] <= 1
    aps = [summary[f"AP@{t}"] for t in ("inf", "1", "0.5", "0.25", "0.125")]  # tighter thresholds find fewer
    assert all(0 <= a <= 1 for a in aps) and aps == sorted(aps, reverse=True)
    truth = nx.DiGraph(scene.graph.subgraph(model.graph_.nodes))
    assert summary["shd"] >= abs(truth.number_of_edges() - model.graph_.number_of_edges()) / 2
    # the removed object is in neither reading (model and truth), while edited objects are scored as targets
    targets = result.objects[result.objects["target"]]
    assert "remove" not in set(targets["query"]) and len(result.removal) == (result.images["query"] == "remove").sum()


def test_bad_input_is_refused_before_work(barely_trained: tuple) -> None:
    model, scene, sample = barely_trained
    images = sample.images[:3]
    with pytest.raises(ValueError, match="object: image"):
        model.remove(images, 9)
    with pytest.raises(ValueError, match="unknown name.*colour"):
        model.edit(images, 1, {"colour": 0.3})
    with pytest.raises(ValueError, match="one of the codes"):
        model.edit(images, 1, {"shape": 7})
    with pytest.raises(ValueError, match="unknown name.*hue"):
        model.counterfactual(images, {"hue": 0.3})
    with pytest.raises(ValueError, match="masks must be integer"):
        ObjectModel().fit(sample.images, sample.objects[sample.objects["image"] < 5], sample.masks[:4])
    with pytest.raises(ValueError, match="attributes"):
        ObjectModel(attributes=["weight"]).fit(sample)
    with pytest.raises(ValueError, match="labelled"):
        ObjectModel(labelled=0).fit(sample)
    with pytest.raises(ValueError, match="categorical"):
        ObjectModel(attributes=["x", "y"], categorical=["shape"]).fit(sample)
    with pytest.raises(NotFittedError):
        ObjectModel().remove(images, 1)
    with pytest.raises(ValueError, match="do: .*'hue'"):
        crl.evaluate(model, scene, n=4, do=[{"hue": 0.2}])


def test_a_saved_model_loads_and_answers_the_same(barely_trained: tuple, tmp_path) -> None:
    model, _, sample = barely_trained
    images = sample.images[:5]
    model.save(tmp_path / "objects")
    loaded = ObjectModel.load(tmp_path / "objects", device="cpu")
    assert set(loaded.graph.edges) == set(model.graph.edges) and loaded.attributes_ == model.attributes_
    pd.testing.assert_frame_equal(loaded.objects_, model.objects_)
    pd.testing.assert_frame_equal(loaded.read(images).objects, model.read(images).objects)
    first = model.read(images).objects.groupby("image")["object"].min().to_numpy()
    np.testing.assert_array_equal(loaded.edit(images, first, {"hue": 0.4}).images,
                                  model.edit(images, first, {"hue": 0.4}).images)
    # saving replaces a saved ObjectModel, never a user's folder; a damaged file is refused by name
    model.save(tmp_path / "objects")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="notes.txt"):
        model.save(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"
    (tmp_path / "objects" / "probes.safetensors").write_bytes(b"broken")
    with pytest.raises(ValueError, match="probes.safetensors"):
        ObjectModel.load(tmp_path / "objects")


def test_linear_readers_predict_as_the_fitted_probes() -> None:
    from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from crl.objects.probes import LinearReader

    rng = np.random.default_rng(0)
    slots = rng.normal(size=(200, 6)) * rng.uniform(0.1, 5, size=6) + rng.normal(size=6)
    value = slots @ rng.normal(size=6) + rng.normal(size=200)
    for fitted, target in ((make_pipeline(StandardScaler(), RidgeCV()), value),
                           (make_pipeline(StandardScaler(), LogisticRegression()), value > 0),
                           (make_pipeline(StandardScaler(), LogisticRegression()), np.digitize(value, [-1, 1])),
                           (LinearRegression(), np.stack([value, -value], axis=1))):
        fitted.fit(slots, target)
        reader = LinearReader.of(fitted)
        expected = fitted.predict(slots)
        if reader.classes is None:
            np.testing.assert_allclose(reader.predict(slots), expected, rtol=1e-9, atol=1e-9)
        else:  # a class flips only where the score sits on the boundary to rounding
            assert np.mean(reader.predict(slots) == expected) == 1.0


def test_set_ap_is_one_for_the_true_objects_and_falls_with_distance() -> None:
    objects = crl.scenes.load("multi_sprites", resolution=16, min_objects=2, max_objects=4).sample(30, seed=0).objects
    visible = objects[objects["pixels"] > 0]
    exact = set_ap(visible.assign(confidence=1.0), visible, 30)
    assert list(exact) == ["AP@inf", "AP@1", "AP@0.5", "AP@0.25", "AP@0.125"] and all(v == 1.0 for v in exact.values())
    # one object an image, predicted 0.2 image widths off: found at the loose thresholds, at none of the tight ones
    first = visible.drop_duplicates("image")
    shifted = set_ap(first.assign(x=first["x"] + 0.2, confidence=1.0), first, 30)
    assert shifted["AP@0.25"] == 1.0 and shifted["AP@0.125"] == 0.0
    # a wrong shape is never a match; extra predictions below every true one's confidence do not lower AP
    assert set_ap(visible.assign(shape=visible["shape"] + 10, confidence=1.0), visible, 30)["AP@inf"] == 0.0
    extra = pd.concat([visible.assign(confidence=1.0), visible.assign(x=5.0, confidence=0.1)])
    assert set_ap(extra, visible, 30)["AP@inf"] == 1.0
