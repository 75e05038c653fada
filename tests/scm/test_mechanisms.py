"""Each mechanism alone: fitted parameters against known truths, exact abduction, selection."""
import numpy as np
import pytest
import torch

from scm.mechanisms import CategoricalMechanism, EmpiricalRoot, GaussianRoot, LinearMechanism, MLPMechanism, select_mechanism

torch.set_num_threads(1)


def test_linear_recovers_coefficients_and_noise_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 2))
    y = 0.5 + X @ np.array([2.0, -1.0]) + rng.normal(0, 0.3, size=4000)
    m = LinearMechanism().fit(X, y, rng)
    np.testing.assert_allclose(m.coef_, [2.0, -1.0], atol=0.02)
    assert m.intercept_ == pytest.approx(0.5, abs=0.02)
    assert m.std_ == pytest.approx(0.3, abs=0.01)
    # abduction then evaluation reproduces the data exactly
    np.testing.assert_allclose(m.evaluate(X, m.abduct(X, y, rng)), y, atol=1e-12)


def test_empirical_noise_is_resampled_residuals_and_gaussian_noise_has_fitted_scale():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 1))
    y = X[:, 0] + rng.exponential(1.0, size=3000)  # skewed noise
    empirical = LinearMechanism(noise="empirical").fit(X, y, rng)
    draws = empirical.sample_noise(500, rng)
    assert np.isin(draws, empirical.residuals_).all()
    gaussian = LinearMechanism(noise="gaussian").fit(X, y, rng).sample_noise(20000, rng)
    assert np.std(gaussian) == pytest.approx(1.0, abs=0.03)  # exponential(1) has std 1
    assert abs(np.mean(gaussian ** 3)) < 0.2  # symmetric, unlike the residuals (skewness 2)


def test_roots_empirical_resamples_values_gaussian_matches_moments():
    rng = np.random.default_rng(2)
    y = rng.uniform(3, 5, size=1000)
    none = np.empty((1000, 0))
    empirical = EmpiricalRoot().fit(none, y, rng)
    samples = empirical.evaluate(np.empty((200, 0)), empirical.sample_noise(200, rng))
    assert np.isclose(samples[:, None], y[None, :]).any(axis=1).all()
    gaussian = GaussianRoot().fit(none, y, rng)
    draws = gaussian.evaluate(np.empty((20000, 0)), gaussian.sample_noise(20000, rng))
    assert draws.mean() == pytest.approx(4.0, abs=0.02)
    assert draws.std() == pytest.approx(2 / np.sqrt(12), abs=0.02)
    with pytest.raises(ValueError, match="no parents"):
        EmpiricalRoot().fit(np.ones((3, 1)), np.arange(3.0), rng)


def test_categorical_probabilities_and_consistent_abduction():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5000, 1))
    logits = np.column_stack([np.zeros(5000), 2.0 * x[:, 0], -2.0 * x[:, 0]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (p.cumsum(axis=1) < rng.uniform(size=(5000, 1))).sum(axis=1)
    m = CategoricalMechanism(C=100.0).fit(x, y, rng)
    grid = np.array([[-1.0], [0.0], [1.0]])
    truth = np.exp(np.column_stack([np.zeros(3), 2 * grid[:, 0], -2 * grid[:, 0]]))
    np.testing.assert_allclose(m.probabilities(grid), truth / truth.sum(axis=1, keepdims=True), atol=0.05)
    u = m.abduct(x, y, rng)
    assert ((u >= 0) & (u <= 1)).all()
    np.testing.assert_array_equal(m.evaluate(x, u), y)  # the abducted noise reproduces every class


def test_mlp_fits_nonlinear_function_and_warns_when_cut_short():
    rng = np.random.default_rng(4)
    x = rng.uniform(-2, 2, size=(1000, 1))
    y = np.sin(2 * x[:, 0]) + 0.1 * rng.normal(size=1000)
    m = MLPMechanism(device="cpu").fit(x, y, rng)
    grid = np.linspace(-1.8, 1.8, 50)[:, None]
    assert np.max(np.abs(m.predict(grid) - np.sin(2 * grid[:, 0]))) < 0.15
    assert m.std_ == pytest.approx(0.1, abs=0.02)
    with pytest.warns(RuntimeWarning, match="'y'.*max_epochs"):
        MLPMechanism(max_epochs=2, device="cpu", name="y").fit(x, y, rng)
    with pytest.raises(ValueError, match="val_fraction"):
        MLPMechanism(val_fraction=1.5)


def test_selection_prefers_linear_for_linear_data_and_mlp_for_nonlinear():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(800, 1))
    linear, scores = select_mechanism(x, 3 * x[:, 0] + rng.normal(size=800), rng, device="cpu")
    assert isinstance(linear, LinearMechanism)
    assert scores["mlp"] > 0.95 * scores["linear"]
    curved, scores = select_mechanism(x, x[:, 0] ** 2 + 0.2 * rng.normal(size=800), rng, device="cpu")
    assert isinstance(curved, MLPMechanism)
    assert scores["mlp"] < 0.2 * scores["linear"]
