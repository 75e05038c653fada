"""Alignment metrics pinned on constructed latents."""
import numpy as np
import pandas as pd
import pytest
from conftest import Factor

from crl.evaluation.alignment import alignment_table

DEFS = {n: Factor(n, "continuous", 0.0, 1.0) for n in "ab"}


def _factors(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n)})


def test_r2_reads_concepts_in_label_units():
    f = _factors()
    exact = alignment_table(f.copy(), f, DEFS).set_index("factor")
    assert exact["r2"].tolist() == pytest.approx([1.0, 1.0])
    doubled = alignment_table(2 * f, f, DEFS).set_index("factor")
    # Pearson r ignores scale; R^2 of 2x against x ~ U(0,1) is 1 - E[x^2]/Var[x] = 1 - (1/3)/(1/12) = -3.
    assert doubled["pearson_r"].tolist() == pytest.approx([1.0, 1.0])
    assert doubled.loc["a", "r2"] == pytest.approx(-3.0, abs=0.15)


def test_categorical_factors_get_accuracy():
    truth = pd.DataFrame({"shape": [0, 1, 0, 0]})
    concepts = pd.DataFrame({"shape": [0.2, 0.8, 0.7, -0.1]})  # rounded to codes 0, 1, 1, 0
    table = alignment_table(concepts, truth, {"shape": Factor("shape", "categorical", None, None, ["disc", "square"])})
    assert table.loc[0, "accuracy"] == pytest.approx(0.75)


def test_missing_concepts_are_named():
    f = _factors(10)
    with pytest.raises(ValueError, match=r"\['b'\]"):
        alignment_table(f[["a"]], f, DEFS)
