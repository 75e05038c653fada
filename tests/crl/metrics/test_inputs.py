"""Bad input raises ValueError naming the argument and the problem, before any fitting."""
import numpy as np
import pytest

import crl.metrics as metrics

PURE = {
    "mig": metrics.mig,
    "dci": metrics.dci,
    "sap": metrics.sap,
    "modularity_explicitness": metrics.modularity_explicitness,
    "mcc": metrics.mcc,
    "r2_probe": metrics.r2_probe,
}
rng = np.random.default_rng(0)
Z = rng.normal(size=(30, 3))
Y = rng.integers(0, 3, size=(30, 2)).astype(float)


def with_nan(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a[4, 1] = np.nan
    return a


CASES = {
    "row counts differ": (Z[:29], Y, r"latents has 29 rows but factors has 30"),
    "NaN in latents": (with_nan(Z), Y, r"latents contains NaN"),
    "NaN in factors": (Z, with_nan(Y), r"factors contains NaN"),
    "single sample": (Z[:1], Y[:1], r"at least 2 rows"),
    "constant factor": (Z, np.column_stack([Y[:, 0], np.ones(30)]), r"factors column\(s\) \[1\] take a single value"),
    "1-D latents": (Z[:, 0], Y, r"latents must be a 2-D table.*\(30,\)"),
    "3-D factors": (Z, Y[:, :, None], r"factors must be a 2-D table"),
    "text latents": (np.array([["a"] * 3] * 30), Y, r"latents must be numeric"),
}


@pytest.mark.parametrize("metric", PURE)
@pytest.mark.parametrize("case", CASES)
def test_bad_tables_raise_value_error_naming_the_argument(metric: str, case: str) -> None:
    latents, factors, message = CASES[case]
    with pytest.raises(ValueError, match=message):
        PURE[metric](latents, factors)


@pytest.mark.parametrize("metric", ["mig", "sap"])
def test_gap_metrics_need_two_latents(metric: str) -> None:
    with pytest.raises(ValueError, match="latents needs at least 2 columns"):
        PURE[metric](Z[:, :1], Y)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5])
def test_train_fraction_outside_zero_one_is_rejected(fraction: float) -> None:
    with pytest.raises(ValueError, match="train_fraction must lie strictly between 0 and 1"):
        metrics.dci(Z, Y, train_fraction=fraction)


def test_unknown_options_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"method must be one of \('pearson', 'spearman'\); got 'kendall'"):
        metrics.mcc(Z, Y, method="kendall")
    with pytest.raises(ValueError, match=r"probe must be one of"):
        metrics.r2_probe(Z, Y, probe="forest")
    with pytest.raises(ValueError, match="num_bins must be an integer >= 2"):
        metrics.mig(Z, Y, num_bins=1)


@pytest.mark.parametrize("metric", ["mig", "dci", "sap", "modularity_explicitness"])
def test_continuous_factors_must_be_binned_before_label_metrics(metric: str) -> None:
    continuous = rng.uniform(size=(30, 2))
    with pytest.raises(ValueError, match="factors column 0 has 30 distinct values in 30 rows.*histogram_discretize"):
        PURE[metric](Z, continuous)
    assert np.isfinite(metrics.mig(Z, metrics.histogram_discretize(continuous, 5)))
