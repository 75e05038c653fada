"""Metrics on degenerate arrays (constant columns, one row, NaN, mismatched rows): a finite score in its
range, or a named error."""
import numpy as np
from fuzzing import result_or_named_error
from hypothesis import given
from hypothesis import strategies as st

from crl import metrics


@st.composite
def arrays(draw, rows: int | None = None) -> np.ndarray:
    """A (rows, 1-5) array whose columns are random, constant, discrete, tied to another, or hold a NaN/inf."""
    n = draw(st.one_of(st.integers(1, 3), st.integers(6, 40))) if rows is None else rows
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    columns = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["normal", "discrete"] * 3 + ["constant", "tied", "nan", "inf"]))
        values = {"normal": rng.normal(size=n), "discrete": rng.integers(0, 3, n).astype(float),
                  "constant": np.zeros(n), "tied": columns[0] if columns else np.ones(n),
                  "nan": np.where(np.arange(n) == 0, np.nan, 1.0), "inf": np.full(n, np.inf)}[kind]
        columns.append(values)
    return np.column_stack(columns)


SCORES = {
    "mcc": lambda z, y: metrics.mcc(z, y),
    "mig": lambda z, y: metrics.mig(z, np.rint(y)),
    "sap": lambda z, y: metrics.sap(z, np.rint(y)),
    "dci": lambda z, y: metrics.dci(z, np.rint(y)),
    "modularity": lambda z, y: metrics.modularity_explicitness(z, np.rint(y)),
    "r2_probe": lambda z, y: metrics.r2_probe(z, y),
}


def _numbers(score) -> list[float]:
    """The figures of a score: a float, or the float fields of a score record."""
    if isinstance(score, float | int | np.floating):
        return [float(score)]
    return [float(v) for v in vars(score).values() if isinstance(v, float | int | np.floating)]


@given(data=st.data(), name=st.sampled_from(sorted(SCORES)), same_rows=st.sampled_from([True, True, True, False]))
def test_scores_on_degenerate_arrays(data, name, same_rows):
    latents = data.draw(arrays())
    factors = data.draw(arrays(len(latents) if same_rows else None))
    score = result_or_named_error(lambda: SCORES[name](latents, factors), "latents", "factors", "train_fraction")
    if score is not None:
        assert np.isfinite(np.asarray(latents)).all() and np.isfinite(np.asarray(factors)).all()
        assert all(np.isfinite(_numbers(score))), f"{name} gave {score} from finite input"


@given(values=arrays(), num_bins=st.one_of(st.integers(-2, 40), st.floats(), st.booleans(), st.text(max_size=2)))
def test_histogram_discretize(values, num_bins):
    codes = result_or_named_error(lambda: metrics.histogram_discretize(values, num_bins), "num_bins", "values")
    if codes is not None:
        assert codes.shape == values.shape and codes.min() >= 1 and codes.max() <= num_bins
