"""disentanglement_lib's downstream task: per-factor classifier accuracy by training size, and its ratio."""
import numpy as np
import pytest

from crl.downstream import factor_accuracy, sample_efficiency, sample_efficiency_scores
from crl.downstream.classes import factor_classes

LEVELS = (3, 4, 5)


def classes(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.integers(0, m, n) for m in LEVELS])


def one_hot(y: np.ndarray) -> np.ndarray:
    """Each factor's class as its own block of indicators: every factor linearly separable, one latent block each."""
    return np.column_stack([np.eye(m)[y[:, j]] for j, m in enumerate(LEVELS)])


@pytest.mark.parametrize("predictor", ["logistic_regression", "gbt"])
def test_a_representation_that_holds_the_factors_is_classified_perfectly(predictor) -> None:
    y, y_test = classes(200, 0), classes(100, 1)
    scores = sample_efficiency_scores(one_hot(y), y, one_hot(y_test), y_test, sizes=(50, 200), predictor=predictor)
    for size in (50, 200):
        assert scores[f"{size}:mean_train_accuracy"] == scores[f"{size}:mean_test_accuracy"] == 1.0
        assert [scores[f"{size}:test_accuracy_factor_{i}"] for i in range(3)] == [1.0, 1.0, 1.0]
    assert scores["sample_efficiency"] == 1.0


def test_keys_min_mean_and_ratio_follow_disentanglement_lib() -> None:
    y, y_test = classes(400, 2), classes(300, 3)
    noise = np.random.default_rng(4)
    # factor 0 held exactly, the others not at all: its accuracy is 1, theirs near chance
    z = np.column_stack([np.eye(3)[y[:, 0]], noise.normal(size=(400, 2))])
    z_test = np.column_stack([np.eye(3)[y_test[:, 0]], noise.normal(size=(300, 2))])
    scores = sample_efficiency_scores(z, y, z_test, y_test, sizes=(10, 100, 400))
    per_size = [f"{s}:{k}" for s in (10, 100, 400) for k in ("mean_train_accuracy", "mean_test_accuracy",
                                                             "min_train_accuracy", "min_test_accuracy")]
    per_factor = [f"{s}:{part}_accuracy_factor_{i}" for s in (10, 100, 400) for i in range(3) for part in ("train", "test")]
    assert set(scores) == {*per_size, *per_factor, "sample_efficiency"}
    test = np.array([scores[f"400:test_accuracy_factor_{i}"] for i in range(3)])
    assert test[0] == 1.0 and np.all(test[1:] < 0.45)
    assert scores["400:min_test_accuracy"] == test.min() and scores["400:mean_test_accuracy"] == pytest.approx(test.mean())
    # the ratio: second-smallest size over the largest (100 over 10,000 for the default sizes)
    assert scores["sample_efficiency"] == scores["100:mean_test_accuracy"] / scores["400:mean_test_accuracy"]


def test_a_training_set_of_one_class_predicts_that_class() -> None:
    y = np.zeros((10, 1), dtype=np.int64)
    y_test = np.array([[0]] * 7 + [[1]] * 3)
    train, test = factor_accuracy(np.arange(10.0)[:, None], y, np.arange(10.0)[:, None], y_test, "gbt")
    assert train.tolist() == [1.0] and test.tolist() == [0.7]


def test_bad_sizes_and_predictors_are_refused() -> None:
    y = classes(20, 0)
    with pytest.raises(ValueError, match="predictor"):
        sample_efficiency_scores(one_hot(y), y, one_hot(y), y, sizes=(10, 20), predictor="svm")
    with pytest.raises(ValueError, match="at least two"):
        sample_efficiency_scores(one_hot(y), y, one_hot(y), y, sizes=(10,))
    with pytest.raises(ValueError, match=">= 5"):
        sample_efficiency_scores(one_hot(y), y, one_hot(y), y, sizes=(3, 10))
    with pytest.raises(ValueError, match="largest training size"):
        sample_efficiency_scores(one_hot(y), y, one_hot(y), y, sizes=(10, 50))


def test_sample_efficiency_on_a_grid_scores_its_seeded_draw_by_grid_class(grid, disentangled) -> None:
    scores = sample_efficiency(disentangled, grid, sizes=(10, 100), num_test=100, seed=5)
    draw = grid.sample(100 + 100, seed=5)
    y = factor_classes(grid, draw.factors)  # grid classes: 3 shapes, 6 scales, 8 positions
    assert [len(np.unique(y[:, j])) for j in range(3)] == [3, 6, 8]
    z = disentangled(draw.images)
    assert scores == sample_efficiency_scores(z[:100], y[:100], z[100:], y[100:], sizes=(10, 100), seed=5)
    assert scores["100:mean_test_accuracy"] > 0.9


def test_sample_efficiency_on_a_scene_reads_more_from_pixels_than_from_nothing(sprites, pixels) -> None:
    scores = sample_efficiency(pixels, sprites, sizes=(10, 40), num_test=60, seed=5)
    y = factor_classes(sprites, sprites.sample(100, seed=5).factors)  # shape's 3 codes, 20 bins of each continuous range
    assert y[:, 0].max() <= 2 and y[:, 1:].max() <= 19 and len(np.unique(y[:, 3])) > 10
    blind = sample_efficiency(lambda images: np.zeros((len(images), 2)), sprites, sizes=(10, 40), num_test=60, seed=5)
    assert scores["40:mean_test_accuracy"] > blind["40:mean_test_accuracy"] + 0.03
