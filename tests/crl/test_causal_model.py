"""CausalModel on a small trained model: queries, calibration, persistence and bad input.

The model is deliberately tiny (16x16 pendulum, a few hundred steps), so these tests check
the mechanics the queries promise; the quality figures live in benchmarks/causal_model.py.
"""
import copy
import json
from dataclasses import replace

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch

import crl
from crl.labels import split_labels
from crl.notes import ModelNotes, model_notes_of
from crl.pipeline import measure_concepts
from crl.scene_data import fit_on_scene, scene_training_data


@pytest.fixture(scope="module")
def scene():
    return crl.scenes.load("pendulum", resolution=16)


@pytest.fixture(scope="module")
def fitted(scene):
    torch.set_num_threads(1)
    data = scene_training_data(scene, n_images=800, n_pairs=800, n_labels=100, seed=0)
    model = crl.CausalModel(latent_dim=6, steps=300, lr=1e-3, mechanisms="linear", bootstrap=4, progress=False)
    return fit_on_scene(model, data), data


@pytest.mark.slow
def test_concepts_are_named_by_labels_and_calibrated(fitted, scene):
    model, data = fitted
    assert model.concept_names == scene.factor_names
    table = model.encode(data.sample.images)
    assert list(table.columns) == scene.factor_names + ["z4", "z5"]
    # calibration puts concepts in label units: the labelled rows are fitted by least squares
    rows = data.labels.index
    for name in ["pendulum", "light"]:
        residual = table.loc[rows, name] - data.labels[name]
        assert abs(residual.mean()) < 0.05 * data.labels[name].std()
        assert np.corrcoef(table[name], data.sample.factors[name])[0, 1] > 0.8


def test_graph_has_confidence_and_stability(fitted):
    model, _ = fitted
    assert set(model.graph.nodes) == set(model.concept_names)
    for _, _, attributes in model.graph.edges(data=True):
        assert 0.0 <= attributes["confidence"] <= 1.0
        assert 0.0 <= attributes["bootstrap_frequency"] <= 1.0
    assert nx.is_directed_acyclic_graph(model.dag_)
    # every concept measured on the fifth of the labelled rows the encoder never saw
    notes = model_notes_of(model.graph)
    assert set(notes.concept_fit) == set(model.concept_names) and not notes.unmeasured
    assert min(notes.concept_fit.values()) > 0.9


def test_counterfactual_sets_the_concept_and_keeps_non_descendants(fitted):
    model, data = fitted
    images = data.sample.images[:16]
    before = model.encode(images)
    target = "light"
    result = model.counterfactual(images, {target: 100.0})
    assert result.images.shape == images.shape and result.images.dtype == np.uint8
    assert np.allclose(result.latents[target], 100.0)
    keep = [c for c in before.columns if c != target and c not in nx.descendants(model.dag_, target)]
    pd.testing.assert_frame_equal(result.latents[keep], before[keep])
    # the counterfactual image, read back by the encoder, moved towards the asked value
    read_back = model.encode(result.images)[target]
    assert np.mean(np.abs(read_back - 100.0)) < np.mean(np.abs(before[target] - 100.0))


def test_counterfactual_keeps_each_images_residual(fitted, scene):
    model, _ = fitted
    sample = scene.sample(64, seed=11)
    nothing = model.counterfactual(sample.images, {"light": crl.Shift(0.0)}).images
    assert np.abs(nothing.astype(int) - sample.images).max() <= 2  # nothing asked: the images, not their decodings
    do = {"light": 100.0}
    truth = scene.counterfactual(sample, do).images.astype(float)
    kept, plain = model.counterfactual(sample.images, do), model.counterfactual(sample.images, do, keep_residual=False)
    pd.testing.assert_frame_equal(kept.latents, plain.latents)
    # against the scene's true counterfactual images, the residual's detail brings the pixels closer
    assert np.mean((kept.images - truth) ** 2) < 0.9 * np.mean((plain.images - truth) ** 2)


def test_queries_say_which_rows_leave_the_data(fitted):
    model, data = fitted
    images = data.sample.images[:32]
    child = next(name for name in model.dag_ if model.dag_.in_degree(name) and name in model.concept_names)
    table = model.encode(images)
    on_curve = table[child] - model.scm_.noise(table[model.concept_names])[child]  # what its parents predict
    assert model.counterfactual(images, {child: on_curve.to_numpy()}).in_support.all()
    residuals = model.scm_.mechanisms_[child].residuals_
    beyond = on_curve.to_numpy() + np.quantile(residuals, 0.99) + 0.5 * residuals.std()
    with pytest.warns(crl.OutsideDataWarning, match=rf"32 of 32 rows set \['{child}'\] beyond the data"):
        assert not model.counterfactual(images, {child: beyond}).in_support.any()
    with pytest.warns(crl.OutsideDataWarning, match="of 500 rows"):  # its own noise: inside but for the tails
        drawn = model.intervene({child: crl.Shift(0.0)}, 500, seed=0).in_support
    assert 0.9 < drawn.mean() < 1.0
    assert model.sample(4, seed=0).in_support is None


def test_intervene_and_sample_return_images_and_latents(fitted):
    model, data = fitted
    result = model.intervene({"pendulum": 10.0}, 12, seed=3)
    assert result.images.shape == (12, 16, 16, 3)
    assert np.allclose(result.latents["pendulum"], 10.0)
    again = model.intervene({"pendulum": 10.0}, 12, seed=3)
    np.testing.assert_array_equal(result.images, again.images)
    observed = model.sample(200, seed=0).latents
    assert observed["pendulum"].std() > 5.0  # the root varies when not intervened on
    shifted = model.intervene({"light": ("shift", 5.0)}, 200, seed=0).latents
    assert shifted["light"].mean() == pytest.approx(observed["light"].mean() + 5.0, abs=1e-6)


def test_typed_shift_and_soft_interventions(fitted):
    model, data = fitted
    observed = model.sample(200, seed=0).latents
    shifted = model.intervene({"light": crl.Shift(5.0)}, 200, seed=0).latents  # the same as ("shift", 5.0)
    assert shifted["light"].mean() == pytest.approx(observed["light"].mean() + 5.0, abs=1e-6)
    images = data.sample.images[:8]
    before = model.encode(images)
    moved = model.counterfactual(images, {"light": crl.Shift(5.0)}).latents  # light is a root: its own value + 5
    np.testing.assert_allclose(moved["light"], before["light"] + 5.0, atol=1e-4)
    drawn = model.intervene({"light": crl.Soft(lambda rng, n: rng.uniform(80.0, 81.0, n))}, 50, seed=0).latents
    assert drawn["light"].between(80.0, 81.0).all()
    with pytest.raises(ValueError, match=r"do\['light'\]: expected a value, scm.Shift"):
        model.intervene({"light": ("scale", 2.0)}, 4)


def test_queries_hold_nuisance_latents_from_given_images(fitted):
    model, data = fitted
    images = data.sample.images[:6]
    nuisance = model.concepts_.nuisance_names
    held = model.encode(images)[nuisance].to_numpy()
    for result in (model.intervene({"light": 90.0}, 6, seed=2, nuisance_from=images),
                   model.sample(6, seed=2, nuisance_from=images)):
        np.testing.assert_array_equal(result.latents[nuisance].to_numpy(), held)
    # the concepts come from the SCM as without nuisance_from; only the nuisance columns differ
    free = model.intervene({"light": 90.0}, 6, seed=2)
    pd.testing.assert_frame_equal(free.latents[model.concept_names],
                                  model.intervene({"light": 90.0}, 6, seed=2, nuisance_from=images).latents[model.concept_names])
    with pytest.raises(ValueError, match="one image per sample: n=4, got 6"):
        model.intervene({"light": 90.0}, 4, nuisance_from=images)


def test_readback_flags_a_concept_the_decoder_ignores(fitted):
    from crl.readback import concept_readback

    model, data = fitted
    assert set(model_notes_of(model.graph).readback) == set(model.concept_names)
    table = model.encode(data.sample.images[:300])
    intact = concept_readback(model.encode, model.decode, table, model.concepts_).set_index("concept")
    blind = copy.deepcopy(model)
    with torch.no_grad():  # the decoder no longer reads the light latent
        blind.encoder_.modules["vae"].decoder.dense[0].weight[:, blind.concepts_["light"].dim] = 0.0
    ignored = concept_readback(blind.encode, blind.decode, table, blind.concepts_).set_index("concept")
    assert intact.loc["light", "carried"] > 0.5 and intact.loc["light", "queryable"]
    assert abs(ignored.loc["light", "carried"]) < 0.1 and not ignored.loc["light", "queryable"]
    assert ignored.loc["pendulum", "carried"] == pytest.approx(intact.loc["pendulum", "carried"], abs=0.1)


@pytest.mark.slow
def test_a_concept_the_pairs_never_vary_gets_its_edges_from_observations(scene):
    torch.set_num_threads(1)
    data = scene_training_data(scene, n_images=800, n_pairs=1200, n_labels=100, seed=0)
    pairs = data.pairs.subset(~data.pairs.changed["light"].to_numpy())  # none resamples the light
    assert len(pairs) < len(data.pairs) and not pairs.changed["light"].any()
    model = crl.CausalModel(latent_dim=6, steps=300, lr=1e-3, mechanisms="linear", bootstrap=4, progress=False)
    model.fit(data.sample.images, pairs=(pairs.x1, pairs.x2), labels=data.labels)
    assert model_notes_of(model.graph).unseen == ["light"]
    touching = [(u, v) for u, v in model.graph.edges if "light" in (u, v)]
    assert ("light", "shadow_position") in touching  # a true edge the pairs alone could not show
    assert all(u == "light" and model.graph.edges[u, v]["source"] == "observational" for u, v in touching)


@pytest.mark.slow
def test_a_concept_the_encoder_cannot_read_gets_no_edges(scene):
    # a label column of pure noise: the encoder can memorise it on the rows it trains on, but not read it
    # from images whose labels it never saw, so it is unmeasured and discovery claims nothing about it
    torch.set_num_threads(1)
    data = scene_training_data(scene, n_images=800, n_pairs=800, n_labels=100, seed=0)
    labels = data.labels.assign(noise=np.random.default_rng(0).normal(size=len(data.labels)))
    model = crl.CausalModel(latent_dim=6, steps=300, lr=1e-3, mechanisms="linear", bootstrap=4, progress=False,
                            knowledge={"required": [("pendulum", "noise")]})
    with pytest.warns(UserWarning, match=r"concepts \['noise'\] read held-out labelled images poorly"):
        model.fit(data.sample.images, pairs=(data.pairs.x1, data.pairs.x2), labels=labels)
    fit = model_notes_of(model.graph).concept_fit
    assert model_notes_of(model.graph).unmeasured == ["noise"] and fit["noise"] < 0.2
    assert min(fit[name] for name in scene.factor_names) > 0.9
    # the only edge at the noise concept is the one the user required
    assert [(u, v) for u, v in model.graph.edges if "noise" in (u, v)] == [("pendulum", "noise")]
    assert {("light", "shadow_position"), ("pendulum", "shadow_length")} <= set(model.graph.edges)
    with pytest.warns(UserWarning, match=r"do\(\) sets \['noise'\], which the encoder reads poorly"):
        model.intervene({"noise": 0.0}, 2)


def test_the_fit_warning_tells_memorised_labels_from_an_unseen_concept():
    # "memo" reads its 80 training rows exactly but held-out rows at random (memorised labels); "blind"
    # reads no row; "fine" reads every row. Only the first two are unmeasured, each with its own advice.
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(100, 3))
    latents = truth.copy()
    latents[80:, 0] = rng.normal(size=20)
    latents[:, 1] = rng.normal(size=100)
    labels = pd.DataFrame(truth, columns=["memo", "blind", "fine"])
    concepts = crl.concepts.ConceptMap([crl.concepts.Concept(n, k, "continuous") for k, n in enumerate(labels)], 3)
    with pytest.warns(UserWarning) as caught:
        checks = measure_concepts(concepts, latents, labels.iloc[:80], labels.iloc[80:])
    fit, trained, unmeasured = checks.fit, checks.fit_trained, checks.unmeasured
    assert unmeasured == ["memo", "blind"] and fit["fine"] == 1.0 and trained["memo"] == 1.0 and trained["blind"] < 0.5
    message = str(caught[0].message)
    assert "memo: it fits the labelled images the encoder trained on (1.00) but not others, so the encoder memorised" in message
    assert "blind: it fits even the labelled images the encoder trained on poorly" in message


@pytest.mark.slow
def test_a_single_measured_concept_gets_a_graph_without_edges(scene):
    # one label the encoder reads and one it cannot: nothing is left to relate, so discovery is skipped
    # rather than handed a one-column table (the pair route refuses one), and the queries still work
    torch.set_num_threads(1)
    data = scene_training_data(scene, n_images=800, n_pairs=800, n_labels=100, seed=0)
    labels = data.labels[["light"]].assign(noise=np.random.default_rng(0).normal(size=len(data.labels)))
    model = crl.CausalModel(latent_dim=4, steps=300, lr=1e-3, mechanisms="linear", progress=False)
    with pytest.warns(UserWarning, match=r"concepts \['noise'\] read held-out labelled images poorly"):
        model.fit(data.sample.images, pairs=(data.pairs.x1, data.pairs.x2), labels=labels)
    notes = model_notes_of(model.graph)
    assert notes.unmeasured == ["noise"] and notes.concept_fit["light"] > 0.9
    assert set(model.graph.nodes) == {"light", "noise"} and not model.graph.edges
    assert notes.route == "none"
    result = model.counterfactual(data.sample.images[:4], {"light": 90.0})
    assert result.images.shape == (4, 16, 16, 3) and np.allclose(result.latents["light"], 90.0)


@pytest.mark.slow
def test_a_concept_read_through_others_is_left_out_of_discovery(scene, monkeypatch):
    # read_through itself is tested on numbers in test_concepts; here: what fit does with its finding
    torch.set_num_threads(1)
    data = scene_training_data(scene, n_images=800, n_pairs=800, n_labels=100, seed=0)
    judged = []

    def light_read_through_shadow(concepts, latents, labels, graph, names):
        judged.append(sorted(names))
        return {"light": {"share": 0.3, "p_value": 1e-9, "through": ["shadow_length"]}}

    monkeypatch.setattr(crl.pipeline, "read_through", light_read_through_shadow)
    model = crl.CausalModel(latent_dim=6, steps=300, lr=1e-3, mechanisms="linear", bootstrap=0, progress=False)
    with pytest.warns(UserWarning, match=r"concepts \['light'\] are read partly through concepts that are not their "
                                         r"causes: light through \['shadow_length'\] \(30% of its variance\)"):
        fit_on_scene(model, data)
    assert judged == [sorted(scene.factor_names)]  # the measured concepts, once
    assert model_notes_of(model.graph).read_through["light"]["through"] == ["shadow_length"]
    assert "light" in model.graph.nodes and not any("light" in edge for edge in model.graph.edges)
    assert ("pendulum", "shadow_length") in model.graph.edges  # the rest is discovered without it
    with pytest.warns(UserWarning, match=r"do\(\) sets \['light'\], which the encoder infers from other concepts"):
        model.intervene({"light": 90.0}, 2)


def test_save_load_round_trip(fitted, tmp_path):
    model, data = fitted
    model.save(tmp_path / "model")
    loaded = crl.CausalModel.load(tmp_path / "model", device="cpu")
    images = data.sample.images[:8]
    pd.testing.assert_frame_equal(loaded.encode(images), model.encode(images))
    assert set(loaded.graph.edges) == set(model.graph.edges)
    a = model.counterfactual(images, {"light": 90.0})
    b = loaded.counterfactual(images, {"light": 90.0})
    np.testing.assert_array_equal(a.images, b.images)
    # the notes come back as the same typed record, field for field
    from crl.model_io import to_plain

    saved, back = model_notes_of(model.graph), model_notes_of(loaded.graph)
    assert isinstance(model.graph.graph["notes"], ModelNotes) and isinstance(loaded.graph.graph["notes"], ModelNotes)
    assert list(model.graph.graph) == list(loaded.graph.graph) == ["notes"]  # one record, no loose keys
    assert json.dumps(to_plain(back), sort_keys=True) == json.dumps(to_plain(saved), sort_keys=True)
    pd.testing.assert_frame_equal(back.pairs.ancestors, saved.pairs.ancestors)
    assert back.undecided == saved.undecided and all(isinstance(edge, tuple) for edge in back.undecided)
    assert loaded.get_params() == model.get_params() | {"device": "cpu"}


def test_bad_queries_and_folders(fitted, tmp_path):
    model, data = fitted
    with pytest.raises(ValueError, match="unknown concepts \\['colour'\\]"):
        model.intervene({"colour": 1.0}, 4)
    with pytest.raises(ValueError, match="shape \\(N, 16, 16, 3\\)"):
        model.counterfactual(np.zeros((2, 32, 32, 3), np.uint8), {"light": 90.0})
    with pytest.warns(UserWarning, match="outside the range"):
        model.intervene({"light": 500.0}, 2)
    with pytest.raises(ValueError, match="outside the range"):
        model.intervene({"light": 500.0}, 2, strict=True)
    (tmp_path / "junk").mkdir()
    with pytest.raises(ValueError, match="not a saved CausalModel"):
        crl.CausalModel.load(tmp_path / "junk")


def test_fit_rejects_bad_input_before_training(scene):
    images = scene.sample(20, seed=0).images
    with pytest.raises(ValueError, match="uint8"):
        crl.CausalModel().fit(images.astype(np.float32))
    with pytest.raises(ValueError, match="pairs\\[0\\] and pairs\\[1\\]"):
        crl.CausalModel().fit(images, pairs=(images, images[:10]))
    with pytest.raises(ValueError, match="indexed by image row"):
        crl.CausalModel().fit(images, labels=pd.DataFrame({"light": [1.0]}, index=[99]))
    with pytest.raises(ValueError, match="learns from pairs"):
        crl.CausalModel(encoder="ada-gvae").fit(images)
    with pytest.raises(ValueError, match="discovery must be one of"):
        crl.CausalModel(discovery="magic").fit(images)
    with pytest.raises(ValueError, match="latent_dim"):
        crl.CausalModel(latent_dim=1).fit(images, labels=pd.DataFrame({"a": [1.0] * 5, "b": [2.0] * 5}))
    with pytest.raises(ValueError, match="decoder_steps"):
        crl.CausalModel(decoder_steps=-5).fit(images)
    with pytest.raises(ValueError, match="label_holdout must be a share in \\[0, 1\\)"):
        crl.CausalModel(label_holdout=1.5).fit(images)


def test_label_holdout_keeps_a_fifth_of_the_rows_unless_a_sparse_column_needs_them():
    labels = pd.DataFrame({"light": np.arange(50.0)}, index=np.arange(100, 150))
    train, held_out = (split := split_labels(labels, seed=3)).train, split.held_out
    assert len(held_out) == 10 and len(train) == 40 and not set(train.index) & set(held_out.index)
    # a column with 5 labels keeps them all for its calibration: the check is skipped, with a warning
    sparse = labels.assign(light=np.r_[np.arange(5.0), [np.nan] * 45])
    with pytest.warns(UserWarning, match=r"label_holdout skipped: .* column\(s\) \['light'\] fewer than 5"):
        split = split_labels(sparse)
    train, held_out = split.train, split.held_out
    assert held_out is None and train is sparse
    split = split_labels(labels, holdout=0)
    assert (split.train, split.held_out) == (labels, None)


@pytest.mark.slow
def test_categorical_label_becomes_a_categorical_concept(tmp_path):
    torch.set_num_threads(1)
    scene = crl.scenes.load("causal_sprites", resolution=16)
    data = scene_training_data(scene, n_images=400, n_pairs=400, n_labels=120, seed=0)
    names = dict(enumerate(crl.scenes.sprites.SHAPES))  # labels that spell the shapes out, not their codes
    data = replace(data, labels=data.labels.assign(shape=data.labels["shape"].map(names)))
    model = crl.CausalModel(latent_dim=6, steps=30, lr=1e-3, mechanisms="linear", bootstrap=0, progress=False)
    fit_on_scene(model, data)
    shape = model.concepts_["shape"]
    assert shape.kind == "categorical" and len(shape.class_latents) == 3
    assert shape.categories == ("ellipse", "heart", "square")  # codes in the encoder's (sorted) order
    assert set(model.encode(data.sample.images)["shape"].unique()) <= {0.0, 1.0, 2.0}
    assert -1.0 <= model_notes_of(model.graph).concept_fit["shape"] <= 1.0  # Cohen's kappa on the 24 held-out rows
    # do() takes a category by name, one for all rows or one per row, and refuses names it never saw
    images = data.sample.images[:3]
    assert model.counterfactual(images, {"shape": "heart"}).latents["shape"].tolist() == [1.0] * 3
    per_row = model.counterfactual(images, {"shape": np.array(["square", "ellipse", "heart"])})
    assert per_row.latents["shape"].tolist() == [2.0, 0.0, 1.0]
    assert model.intervene({"shape": "square"}, 2).latents["shape"].tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match=r"do\['shape'\] must be one of its categories \['ellipse', 'heart', 'square'\]"):
        model.counterfactual(images, {"shape": "star"})
    model.save(tmp_path / "model")
    assert crl.CausalModel.load(tmp_path / "model", device="cpu").concepts_["shape"].categories == shape.categories


@pytest.mark.slow
def test_undecided_pair_edges_stay_out_unless_kept(fitted):
    # the pair route lists edges it could not settle; by default they stay out of graph and SCM
    model, data = fitted
    undecided = set(model_notes_of(model.graph).undecided)
    assert undecided and not undecided & set(model.graph.edges)
    keeping = crl.CausalModel(**{**model.get_params(), "keep_undecided": True})
    fit_on_scene(keeping, data)  # same seed and data: the same encoder, so the same pair evidence
    assert set(model_notes_of(keeping.graph).undecided) == undecided
    assert set(keeping.graph.edges) == set(model.graph.edges) | undecided
    assert all(keeping.graph.edges[e]["undecided"] for e in undecided)
