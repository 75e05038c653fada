"""Concept matching and calibration: latent units <-> label units."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from crl.concepts import Concept, ConceptMap, concept_fit, read_through
from crl.thresholds import MIN_READ_THROUGH, READ_THROUGH_ALPHA


@pytest.fixture
def latents_and_labels():
    rng = np.random.default_rng(0)
    truth = pd.DataFrame({"angle": rng.uniform(-30, 40, 500), "size": rng.uniform(1, 3, 500)})
    latents = rng.normal(size=(500, 4)) * 0.01
    latents[:, 2] = (truth["angle"] - 5) / 20  # angle lives on dim 2, in other units
    latents[:, 0] = -(truth["size"] - 2) * 3  # size on dim 0, reversed
    labels = truth.iloc[rng.choice(500, 100, replace=False)]
    return latents, labels, truth


def test_probe_matches_dims_and_calibrates_to_label_units(latents_and_labels):
    latents, labels, truth = latents_and_labels
    concepts = ConceptMap.fit(latents, labels)
    assert concepts["angle"].dim == 2 and concepts["size"].dim == 0
    assert concepts.nuisance_dims == [1, 3]
    table = concepts.to_table(latents)
    assert list(table.columns) == ["angle", "size", "z1", "z3"]
    np.testing.assert_allclose(table["angle"], truth["angle"], atol=1e-6)
    np.testing.assert_allclose(table["size"], truth["size"], atol=1e-6)
    # range covers every encoded image, not only the 100 labelled ones
    assert concepts["angle"].low == pytest.approx(truth["angle"].min(), abs=1e-6)


def test_round_trip_latents_table_latents(latents_and_labels):
    latents, labels, _ = latents_and_labels
    concepts = ConceptMap.fit(latents, labels)
    np.testing.assert_allclose(concepts.to_latents(concepts.to_table(latents)), latents, atol=1e-5)
    restored = ConceptMap.from_dict(concepts.to_dict())
    np.testing.assert_allclose(restored.to_table(latents), concepts.to_table(latents))


def test_supervised_dims_are_used_without_probe(latents_and_labels):
    latents, labels, _ = latents_and_labels
    concepts = ConceptMap.fit(latents[:, [2, 0, 1, 3]], labels, supervised=["angle", "size"])
    assert concepts["angle"].dim == 0 and concepts["size"].dim == 1


def test_categorical_concept_reads_nearest_class_latent():
    z = np.array([[-1.0], [-0.9], [0.0], [0.1], [1.0], [1.1]] * 2)
    labels = pd.DataFrame({"shape": [0, 0, 1, 1, 2, 2] * 2})
    concepts = ConceptMap.fit(z, labels, kinds={"shape": "categorical"})
    assert concepts.to_table(np.array([[-0.95], [0.5], [2.0]]))["shape"].tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(concepts.to_latents(pd.DataFrame({"shape": [2, 0]})).ravel(), [1.05, -0.95])
    with pytest.raises(ValueError, match="codes 0..2"):
        concepts.to_latents(pd.DataFrame({"shape": [3]}))


def test_bad_inputs_are_named(latents_and_labels):
    latents, labels, _ = latents_and_labels
    with pytest.raises(ValueError, match="only 1 latent"):
        ConceptMap.fit(latents[:, :1], labels)
    sparse = labels.copy()
    sparse.iloc[3:, 0] = np.nan
    with pytest.raises(ValueError, match="'angle' has 3 values"):
        ConceptMap.fit(latents, sparse)
    with pytest.raises(ValueError, match="lacks columns"):
        ConceptMap.fit(latents, labels).to_latents(pd.DataFrame({"angle": [0.0]}))


def test_concept_fit_is_held_out_r2_on_absolute_errors_and_kappa():
    from sklearn.metrics import cohen_kappa_score, mean_absolute_error, r2_score

    rng = np.random.default_rng(1)
    angle = rng.uniform(-30, 40, 400)
    kind = rng.integers(0, 3, 400)
    latents = np.column_stack([(angle - 5) / 20 + rng.normal(0, 0.5, 400),  # noisy: fit well below 1
                               kind + rng.normal(0, 0.4, 400)])  # classes overlap: some misread
    labels = pd.DataFrame({"angle": angle, "kind": kind.astype(float)})
    train, held = labels.iloc[:300], labels.iloc[300:].reset_index(drop=True)
    concepts = ConceptMap.fit(latents, train, kinds={"kind": "categorical"})
    fit = concept_fit(concepts, latents[300:], held)
    read = concepts.to_table(latents[300:])
    spread = mean_absolute_error(held["angle"], np.full(100, held["angle"].median()))
    assert fit["angle"] == pytest.approx(1 - (mean_absolute_error(held["angle"], read["angle"]) / spread) ** 2, abs=1e-12)
    assert fit["kind"] == pytest.approx(cohen_kappa_score(held["kind"], read["kind"]), abs=1e-12)
    assert 0.3 < fit["angle"] < 0.9 and 0.3 < fit["kind"] < 0.9
    assert fit["angle"] == pytest.approx(r2_score(held["angle"], read["angle"]), abs=0.1)  # close to R^2 on clean labels
    # a latent that carries nothing of its label reads at chance or worse; too few rows give NaN
    blind = concept_fit(concepts, rng.normal(size=(100, 2)), held)
    assert blind["angle"] < 0.05 and abs(blind["kind"]) < 0.15
    assert np.isnan(concept_fit(concepts, latents[300:305], held.iloc[:5], min_rows=10)["angle"])


def test_a_few_wrong_labels_do_not_hide_a_well_read_concept():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(2)
    size = rng.uniform(1, 3, 120)
    latents = np.column_stack([size + rng.normal(0, 0.02, 120)])
    labels = pd.DataFrame({"size": size})
    concepts = ConceptMap.fit(latents, labels.iloc[:100])
    held = labels.iloc[100:].reset_index(drop=True)
    held.loc[[3, 11], "size"] = [1.0, 3.0]  # two of twenty labels wrong, as scene.labels(mode="noisy") makes them
    read = concepts.to_table(latents[100:])["size"]
    assert concept_fit(concepts, latents[100:], held)["size"] > 0.8 > r2_score(held["size"], read)


def _sprite_like(n: int, seed: int):
    """x and a hidden angle o cause y; o is read 40% from itself and 60% from where y sits given x (its child's
    position), as an encoder reads a sprite's orientation that a symmetric shape hides; shape is read exactly."""
    rng = np.random.default_rng(seed)
    x, o, shape = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n), rng.integers(0, 3, n).astype(float)
    y = x + o + rng.normal(0, 0.5, n)
    labels = pd.DataFrame({"x": x, "o": o, "y": y, "shape": shape})
    readings = np.column_stack([x, 0.4 * o + 0.6 * (y - x), y, shape]) + rng.normal(0, 0.05, (n, 4)) * [1, 1, 1, 0]
    concepts = ConceptMap([Concept("x", 0, "continuous"), Concept("o", 1, "continuous"), Concept("y", 2, "continuous"),
                           Concept("shape", 3, "categorical", class_latents=(0.0, 1.0, 2.0))], latent_dim=4)
    return concepts, readings, labels


@pytest.mark.parametrize("n", [20, 200])
def test_read_through_finds_a_concept_read_from_its_childs_position(n):
    concepts, readings, labels = _sprite_like(n, seed=n)
    names = ["x", "o", "y", "shape"]
    o_causes_y = nx.DiGraph([("x", "y"), ("o", "y")])
    found = read_through(concepts, readings, labels, o_causes_y, names)
    assert list(found) == ["o"] and "y" in found["o"]["through"]
    assert found["o"]["share"] >= MIN_READ_THROUGH and found["o"]["p_value"] < READ_THROUGH_ALPHA
    # had discovery made y (and so x) o's ancestors, reading o from them is what its edges say: nothing to flag
    assert read_through(concepts, readings, labels, nx.DiGraph([("x", "y"), ("y", "o")]), names) == {}


def test_read_through_leaves_concepts_read_from_their_own_label_alone():
    concepts, readings, labels = _sprite_like(200, seed=3)
    readings[:, 1] = labels["o"] ** 3 + np.random.default_rng(4).normal(0, 0.05, 200)  # curved, but its own label
    labels.loc[0, "y"] = np.nan  # rows missing a label are left out
    assert read_through(concepts, readings, labels, nx.DiGraph([("x", "y"), ("o", "y")]), ["x", "o", "y", "shape"]) == {}
    _, through_child, _ = _sprite_like(200, seed=3)
    assert list(read_through(concepts, through_child[:10], labels.iloc[:10], nx.DiGraph(), ["o"])) == []  # too few rows
    assert list(read_through(concepts, through_child[:30], labels.iloc[:30], nx.DiGraph(), ["o"])) == ["o"]
