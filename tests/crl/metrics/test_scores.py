"""Each pure metric scores the factors themselves near its maximum and a rotation of them low."""
import numpy as np
import pandas as pd
import pytest

import crl.metrics as metrics


def discrete_factors(n: int = 400, levels: tuple[int, ...] = (5, 4, 6), seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.integers(0, m, n) for m in levels]).astype(float)


MIXING = {
    2: np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2.0),  # 45 degrees
    3: np.eye(3) - 2.0 / 3.0,  # Householder reflection: loadings 1/3, 2/3, 2/3 on every latent
}


def rotated(values: np.ndarray) -> np.ndarray:
    """Standardised columns mixed by an orthogonal matrix that spreads every factor over all latents."""
    return ((values - values.mean(0)) / values.std(0)) @ MIXING[values.shape[1]]


def test_mig_is_one_for_a_monotone_transform_of_the_factors_and_low_for_a_rotation() -> None:
    y = discrete_factors()
    assert metrics.mig(np.log1p(y), y) > 0.95
    assert metrics.mig(rotated(y), y) < 0.3


@pytest.mark.slow
def test_dci_identity_is_disentangled_complete_informative_and_rotation_is_not() -> None:
    y = discrete_factors(n=150, levels=(3, 2, 3))
    good = metrics.dci(np.log1p(y)[:, [2, 0, 1]], y)
    assert min(good.disentanglement, good.completeness, good.informativeness_test) > 0.95
    bad = metrics.dci(rotated(y), y)
    assert bad.disentanglement < 0.6 and bad.completeness < 0.6


def test_sap_gap_is_largest_for_the_factors_themselves() -> None:
    y = discrete_factors(levels=(2, 2, 2))
    # one 1-D linear classifier per (latent, factor): the matching latent is perfect, the others at chance
    assert metrics.sap(y, y) == pytest.approx(0.5, abs=0.1)
    assert metrics.sap(rotated(y), y) < 0.25
    assert metrics.sap(y, y, continuous_factors=True) > 0.95


def test_modularity_is_one_for_the_factors_and_lower_for_a_rotation() -> None:
    y = discrete_factors()
    good = metrics.modularity_explicitness(y, y)
    assert good.modularity > 0.99 and good.explicitness_test > 0.95
    assert metrics.modularity_explicitness(rotated(y), y).modularity < 0.8


def test_mcc_is_one_up_to_permutation_sign_and_monotone_map() -> None:
    y = np.random.default_rng(0).uniform(size=(300, 3))
    assert metrics.mcc(-y[:, [1, 2, 0]], y) == pytest.approx(1.0)
    assert metrics.mcc(np.exp(3 * y), y, method="spearman") == pytest.approx(1.0)
    assert metrics.mcc(rotated(y), y) < 0.8


def test_mcc_matches_extra_latents_to_the_right_factors() -> None:
    rng = np.random.default_rng(0)
    y = rng.uniform(size=(300, 2))
    z = np.column_stack([rng.normal(size=300), y[:, 1], rng.normal(size=300), y[:, 0]])
    assert metrics.mcc(z, y) == pytest.approx(1.0)
    assert metrics.mcc(y[:, :1], y) == pytest.approx(1.0)  # d < k: the mean over the one matched pair


def test_linear_probe_reads_a_linear_mix_and_mlp_beats_it_on_a_nonlinear_one() -> None:
    rng = np.random.default_rng(0)
    y = pd.DataFrame(rng.uniform(-1, 1, size=(400, 2)), columns=["light", "angle"])
    assert metrics.r2_probe(rotated(y.to_numpy()), y).r2 > 0.99
    squashed = np.column_stack([y["light"] + 2 * y["angle"] ** 2, y["angle"] ** 3])  # invertible, not linearly
    linear = metrics.r2_probe(squashed, y, probe="linear")
    mlp = metrics.r2_probe(squashed, y, probe="mlp", seed=0)
    assert set(mlp.per_factor) == {"light", "angle"}
    assert mlp.r2 > 0.9 and mlp.r2 > linear.r2 + 0.1


def test_categorical_factor_columns_are_read_as_labels() -> None:
    y = discrete_factors(levels=(3, 4))
    frame = pd.DataFrame({"shape": np.array(["disc", "square", "star"])[y[:, 0].astype(int)], "size": y[:, 1]})
    assert metrics.mig(y, frame) == pytest.approx(metrics.mig(y, y))


def test_histogram_discretize_uses_left_edges_like_numpy_histogram() -> None:
    values = np.array([[0.0], [0.49], [0.5], [1.0]])
    assert metrics.histogram_discretize(values, num_bins=2).ravel().tolist() == [1, 1, 2, 2]


def test_a_single_factor_gives_finite_scores_where_the_reference_divides_by_log_one() -> None:
    y = discrete_factors(n=90, levels=(2,))
    z = np.column_stack([y[:, 0] + 0.05 * np.random.default_rng(0).normal(size=90), np.random.default_rng(1).normal(size=90)])
    score = metrics.dci(z, y)
    assert score.disentanglement == pytest.approx(1.0) and score.completeness > 0.8
    assert metrics.modularity_explicitness(z, y).modularity == pytest.approx(1.0)


def test_explicitness_skips_a_class_missing_from_the_test_rows() -> None:
    y = discrete_factors(n=120, levels=(3, 3))
    y[-40:, 0] = np.where(y[-40:, 0] == 2, 1, y[-40:, 0])  # class 2 of factor 0 only in the train rows
    score = metrics.modularity_explicitness(y, y)
    assert score.explicitness_test > 0.95
