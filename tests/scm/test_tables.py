"""scm.tables: one definition of a discrete column, shared by the SCM and the pair route."""
import numpy as np
import pandas as pd
import pytest

from scm.tables import is_discrete


@pytest.mark.parametrize("values, expected", [
    (np.arange(20), True),  # whole numbers, at most MAX_LEVELS (20) levels
    (np.arange(21), False),
    (np.arange(6, dtype=float) % 3, True),  # class codes stored as floats
    (np.array([0.5, 1.0, 1.5]), False),
    (np.array(["lo", "hi", "lo"]), True),
    (np.array([True, False]), True),
    (pd.Series([1.0, np.nan, 2.0]), False),
])
def test_is_discrete(values, expected):
    assert is_discrete(values) is expected


def test_max_levels_overrides_the_cutoff():
    assert is_discrete(np.arange(15)) and not is_discrete(np.arange(15), max_levels=10)
