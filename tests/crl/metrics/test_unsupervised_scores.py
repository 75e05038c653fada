"""disentanglement_lib's unsupervised scores against their definitions worked out by other routes."""
import numpy as np
import pytest

import crl
from crl.metrics import compute_unsupervised, unsupervised_scores


def with_covariance(cov: np.ndarray, n: int = 500, seed: int = 0) -> np.ndarray:
    """n rows whose unbiased sample covariance is exactly `cov`: whitened noise coloured by its Cholesky factor."""
    noise = np.random.default_rng(seed).normal(size=(n, len(cov)))
    white = (noise - noise.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(noise.T))).T
    return white @ np.linalg.cholesky(cov).T + 3.0  # an offset: the scores see the covariance only


def test_two_correlated_unit_latents_match_the_closed_forms() -> None:
    rho = 0.6
    scores = unsupervised_scores(with_covariance(np.array([[1.0, rho], [rho, 1.0]])))
    # KL(N(0, C) || N(0, I)) = -log(1 - rho^2) / 2; W2^2 = 2 tr C - 2 tr C^(1/2), eigenvalues 1 +- rho
    assert scores["gaussian_total_correlation"] == pytest.approx(-0.5 * np.log(1 - rho**2), rel=1e-9)
    wasserstein = 4.0 - 2.0 * (np.sqrt(1 + rho) + np.sqrt(1 - rho))
    assert scores["gaussian_wasserstein_correlation"] == pytest.approx(wasserstein, rel=1e-9)
    assert scores["gaussian_wasserstein_correlation_norm"] == pytest.approx(wasserstein / 2.0, rel=1e-9)


def test_a_general_covariance_matches_the_kl_and_the_symmetric_root() -> None:
    cov = np.array([[2.0, 0.8, -0.3], [0.8, 1.0, 0.2], [-0.3, 0.2, 0.5]])
    scores = unsupervised_scores(with_covariance(cov))
    diag = np.diag(np.diag(cov))
    # disentanglement_lib's own check: the KL written with determinants and an inverse
    kl = 0.5 * (np.trace(np.linalg.inv(diag) @ cov) - 3 + np.log(np.linalg.det(diag) / np.linalg.det(cov)))
    assert scores["gaussian_total_correlation"] == pytest.approx(kl, rel=1e-9)
    # tr sqrtm(C D) = sum of square roots of the eigenvalues of the symmetric D^(1/2) C D^(1/2)
    half = np.sqrt(diag)
    root_trace = np.sum(np.sqrt(np.linalg.eigvalsh(half @ cov @ half)))
    assert scores["gaussian_wasserstein_correlation"] == pytest.approx(2 * np.trace(cov) - 2 * root_trace, rel=1e-9)
    assert scores["gaussian_wasserstein_correlation_norm"] == pytest.approx(
        scores["gaussian_wasserstein_correlation"] / np.trace(cov), rel=1e-12)


def test_uncorrelated_latents_score_zero_whatever_their_scales() -> None:
    scores = unsupervised_scores(with_covariance(np.diag([4.0, 1.0, 0.01])))
    assert scores["gaussian_total_correlation"] == pytest.approx(0.0, abs=1e-9)
    assert scores["gaussian_wasserstein_correlation"] == pytest.approx(0.0, abs=1e-9)


def test_mutual_info_score_is_the_mean_over_ordered_pairs_of_distinct_latents() -> None:
    grid = np.arange(20.0)
    a, b = np.repeat(grid, 20), np.tile(grid, 20)  # independent, each uniform over 20 equal-width bins
    assert unsupervised_scores(np.column_stack([a, b]))["mutual_info_score"] == pytest.approx(0.0, abs=1e-12)
    # a copy shares all its entropy, log 20; with an independent third latent 2 of the 6 ordered pairs do
    assert unsupervised_scores(np.column_stack([a, a]))["mutual_info_score"] == pytest.approx(np.log(20))
    assert unsupervised_scores(np.column_stack([a, 2 * a, b]))["mutual_info_score"] == pytest.approx(np.log(20) / 3)


def test_mutual_info_uses_twenty_histogram_bins_unless_told() -> None:
    fine = np.repeat(np.arange(40.0), 5)  # 40 distinct values: 20 bins merge them in pairs
    pair = np.column_stack([fine, fine])
    assert unsupervised_scores(pair)["mutual_info_score"] == pytest.approx(np.log(20))
    assert unsupervised_scores(pair, num_bins=40)["mutual_info_score"] == pytest.approx(np.log(40))


def test_bad_latents_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="constant"):
        unsupervised_scores(np.column_stack([np.arange(10.0), np.ones(10)]))
    with pytest.raises(ValueError, match="2 columns"):
        unsupervised_scores(np.arange(10.0)[:, None])
    with pytest.raises(ValueError, match="num_bins"):
        unsupervised_scores(np.eye(3), num_bins=1)


def test_compute_unsupervised_scores_the_encoded_draw_of_a_scene_in_any_batch_size() -> None:
    scene = crl.scenes.load("sprites", resolution=16)
    weights = np.random.default_rng(1).normal(size=(16 * 16 * 3, 5))
    calls = []

    def represent(images):
        calls.append(len(images))
        return (images.reshape(len(images), -1) / 255.0) @ weights

    scores = compute_unsupervised(represent, scene, num_train=300, seed=2)
    assert max(calls) == 16  # disentanglement_lib's batch size
    expected = unsupervised_scores(represent(scene.sample(300, seed=2).images))
    assert scores == pytest.approx(expected, rel=1e-9)
    assert compute_unsupervised(represent, scene, num_train=300, seed=2, batch_size=100) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="num_train"):
        compute_unsupervised(represent, scene, num_train=1)
