"""Scenes under drawn sizes, seeds and do() values: a sample in range, or a named error."""
import numpy as np
import pandas as pd
import pytest
from fuzzing import any_value, finite, result_or_named_error
from hypothesis import given
from hypothesis import strategies as st

import crl
from scm.interventions import Shift

SCENE = crl.scenes.load("pendulum", resolution=16)
NAMES = SCENE.factor_names
counts = st.one_of(st.integers(1, 6), st.integers(1, 6), st.integers(-3, 6), st.floats(allow_nan=True), st.text(max_size=2),
                   st.none(), st.just(True))
seeds = st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(-5, -1), st.none(), st.text(max_size=2))
names = st.one_of(st.sampled_from(NAMES), st.text(max_size=4), st.integers(0, 3))


def _shift(delta):
    """Shift(delta), or the named error its constructor raises (a test of its own)."""
    return result_or_named_error(lambda: Shift(delta), "Shift(delta)") or delta


do_values = st.one_of(any_value, any_value.map(_shift))
dos = st.one_of(st.dictionaries(names, do_values, max_size=2), st.none(), st.lists(names, max_size=2), st.text(max_size=3))


def _check_sample(sample, n):
    assert sample.images.dtype == np.uint8 and sample.images.shape == (n, 16, 16, 3)
    assert list(sample.factors.columns) == NAMES and len(sample.factors) == n and finite(sample.factors)


@given(n=counts, seed=seeds)
def test_sample(n, seed):
    sample = result_or_named_error(lambda: SCENE.sample(n, seed=seed), "n", "seed")
    if sample is not None:
        _check_sample(sample, len(sample.factors))
        assert len(sample.factors) == n


@given(do=dos, n=st.integers(-1, 5), seed=st.integers(0, 100))
def test_intervene(do, n, seed):
    sample = result_or_named_error(lambda: SCENE.intervene(do, n, seed=seed), "do", "n", *NAMES)
    if sample is not None:
        _check_sample(sample, n)


@given(do=dos, n=st.integers(1, 4))
def test_counterfactual(do, n):
    factual = SCENE.sample(n, seed=0)
    sample = result_or_named_error(lambda: SCENE.counterfactual(factual, do), "do", *NAMES)
    if sample is not None:
        _check_sample(sample, n)


@given(n=counts, k=st.one_of(st.integers(1, 3), st.integers(-1, 5), st.just("random"), st.text(max_size=3), st.floats()),
       mode=st.sampled_from(["noise", "intervention", "noise", "intervention", "other", ""]), seed=st.integers(0, 100))
def test_sample_pairs(n, k, mode, seed):
    pairs = result_or_named_error(lambda: SCENE.sample_pairs(n, k=k, seed=seed, mode=mode), "n", "k", "mode")
    if pairs is not None:
        assert pairs.x1.shape == pairs.x2.shape == (n, 16, 16, 3)
        assert finite(pairs.factors1) and finite(pairs.factors2)


@given(n_rows=st.integers(0, 6), n=st.one_of(st.integers(1, 4), st.integers(-2, 10), st.floats(allow_nan=True), st.none()),
       mode=st.sampled_from(["exact", "binned", "noisy", "partial", "fuzzy"]), seed=st.integers(0, 50))
def test_labels(n_rows, n, mode, seed):
    table = SCENE.sample(max(n_rows, 1), seed=1).factors.iloc[:n_rows]
    labels = result_or_named_error(lambda: SCENE.labels(table, n=n, mode=mode, seed=seed), "n", "mode", "sample")
    if labels is not None:
        assert isinstance(labels, pd.DataFrame) and len(labels) == n and list(labels.columns) == NAMES
        assert labels.index.isin(range(n_rows)).all()


@pytest.mark.parametrize("bad", [pd.DataFrame({"light": [0.5]}), pd.DataFrame(columns=NAMES)])
def test_labels_of_a_foreign_or_empty_table(bad):
    result_or_named_error(lambda: SCENE.labels(bad, n=1), "sample", "n")
