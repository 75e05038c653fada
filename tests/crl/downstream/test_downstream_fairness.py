"""disentanglement_lib's unfairness score: total variation of predictions across a sensitive factor's classes."""
import numpy as np
import pytest

from crl.downstream import inter_group_fairness, unfairness, unfairness_from_counts
from crl.downstream.fairness import aggregate


def test_identical_prediction_distributions_are_fair() -> None:
    counts = np.array([[10, 5, 20], [30, 15, 60]])  # every sensitive class predicts 1 in 4 as class 0
    assert inter_group_fairness(counts) == (0.0, 0.0)


def test_total_variation_against_the_pooled_distribution_worked_by_hand() -> None:
    # pooled (3, 3)/6; class 0 predicts (3, 1)/4: TV 1/4; class 1 predicts (0, 2)/2: TV 1/2
    mean, worst = inter_group_fairness(np.array([[3, 0], [1, 2]]))
    assert mean == pytest.approx((0.25 * 4 + 0.5 * 2) / 6)  # weighted by each class's count
    assert worst == pytest.approx(0.5)


def test_aggregation_over_targets_and_sensitive_factors() -> None:
    m = np.array([[0.0, 0.1, 0.2], [0.3, 0.0, 0.5], [0.4, 0.6, 0.0]])  # rows: target, columns: sensitive
    scores = aggregate(m, "mean_fairness")
    assert len(scores) == 6 + 3 * 2 + 3 * 2 + 8
    assert scores["mean_fairness:pred1:sens2"] == 0.5
    assert scores["mean_fairness:pred0:mean_sens"] == pytest.approx(0.15)
    assert scores["mean_fairness:sens0:max_pred"] == 0.4
    rows, columns = [0.15, 0.4, 0.5], [0.35, 0.35, 0.35]
    assert scores["mean_fairness:mean_pred:mean_sens"] == pytest.approx(np.mean(rows))  # the paper's score
    assert scores["mean_fairness:max_pred:mean_sens"] == pytest.approx(max(rows))
    assert scores["mean_fairness:mean_sens:mean_pred"] == pytest.approx(np.mean(columns))
    assert scores["mean_fairness:max_sens:max_pred"] == pytest.approx(0.6)
    assert scores["mean_fairness:mean_pred:max_sens"] == pytest.approx(np.mean([0.2, 0.5, 0.6]))


def test_unfairness_from_counts_fills_both_variants_and_needs_every_pair() -> None:
    fair, skewed = np.array([[5, 5], [5, 5]]), np.array([[3, 0], [1, 2]])
    scores = unfairness_from_counts({(0, 1): skewed, (1, 0): fair}, 2)
    assert scores["mean_fairness:pred0:sens1"] == pytest.approx(1 / 3) and scores["max_fairness:pred0:sens1"] == 0.5
    assert scores["mean_fairness:mean_pred:mean_sens"] == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match=r"\(1, 0\)"):
        unfairness_from_counts({(0, 1): skewed}, 2)


def test_a_disentangled_representation_is_fair_and_an_entangled_one_is_not(grid, disentangled) -> None:
    # each latent holds one factor: a sensitive factor's class never moves another factor's prediction
    scores = unfairness(disentangled, grid, num_train=300, num_test_points_per_class=20)
    assert scores["mean_fairness:mean_pred:mean_sens"] == 0.0 and scores["max_fairness:max_pred:max_sens"] == 0.0

    def entangled(images):
        z = disentangled(images)
        return np.column_stack([z[:, 0] + z[:, 1], z[:, 1] + z[:, 2], z[:, 2] + z[:, 0]])

    scores = unfairness(entangled, grid, num_train=300, num_test_points_per_class=20)
    assert scores["mean_fairness:mean_pred:mean_sens"] > 0.05


@pytest.mark.slow
def test_unfairness_sets_each_sensitive_factor_to_each_class_on_a_scene(sprites, pixels, recorder) -> None:
    data = recorder(sprites)
    scores = unfairness(pixels, data, num_train=100, num_test_points_per_class=10, seed=3, predictor="logistic_regression")
    assert len(data.rendered) == 5  # one batch per sensitive factor
    shape_batch, x_batch = data.rendered[0], data.rendered[3]
    assert shape_batch["shape"].tolist() == [0] * 10 + [1] * 10 + [2] * 10  # the three codes, 10 rows each
    centres = (np.arange(20) + 0.5) / 20  # x's range [0, 1] cut into 20 bins
    assert np.allclose(x_batch["x"].to_numpy(), np.repeat(centres, 10))
    # the other factors are the same 10 rows under every class
    assert (x_batch["scale"].to_numpy().reshape(20, 10) == x_batch["scale"].to_numpy()[:10]).all()
    assert 0.0 < scores["mean_fairness:mean_pred:mean_sens"] < 1.0
    blind = unfairness(lambda images: np.zeros((len(images), 2)), sprites, num_train=100, num_test_points_per_class=10,
                       predictor="logistic_regression")
    assert blind["mean_fairness:mean_pred:mean_sens"] == 0.0  # constant predictions cannot depend on anything


def test_unfairness_refuses_data_that_cannot_render(pixels, sprites) -> None:
    class NoRender:
        factors = sprites.factors

        def sample(self, n, seed=0):
            return sprites.sample(n, seed=seed)

    with pytest.raises(ValueError, match="render"):
        unfairness(pixels, NoRender())
