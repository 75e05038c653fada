"""What every fuzz test shares: drawn values of any type, and the rule each fuzzed call is held to."""
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

# The errors crl raises on purpose at its boundaries (NotFittedError and ModelFileError are subclasses).
NAMED_ERRORS = (ValueError, TypeError, KeyError)

# do() values of any type: numbers (huge, non-finite), text, None, containers, arrays of any length.
any_value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.booleans(), st.none(),
    st.text(max_size=5), st.lists(st.floats(-2, 2), max_size=3),
    st.integers(0, 4).map(lambda n: np.linspace(0, 1, n)), st.just(float("nan")), st.just(1e308),
)


def event(text: str) -> None:
    """Count an outcome in hypothesis' statistics (``--hypothesis-show-statistics``); nothing outside @given."""
    if currently_in_test_context():
        hypothesis_event(text)


def result_or_named_error(call: Callable[[], Any], *names: str) -> Any:
    """`call()`'s result, or None when it raised one of `NAMED_ERRORS` whose message names one of `names`
    (the argument at fault, as a whole word); any other exception, or an unnamed one, fails the test."""
    try:
        result = call()
    except NAMED_ERRORS as error:
        message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
        event(f"{type(error).__name__}: {message[:60]}")
        assert any(re.search(rf"(?<!\w){re.escape(str(name))}(?!\w)", message) for name in names), \
            f"{type(error).__name__} does not name any of {names}: {message!r}"
        return None
    event("result")
    return result


def finite(frame: Any) -> bool:
    """Whether every number of an array or DataFrame is finite."""
    return bool(np.isfinite(np.asarray(frame, dtype=float)).all())


def finite_do(do: Any, bound: float = math.inf) -> bool:
    """Whether `do` is a non-empty dict whose values are Shifts or numbers below `bound` in size (finite when
    `bound` is inf): a result of such a query must be finite, and with a small bound there must be one."""
    from scm.interventions import Shift

    return isinstance(do, dict) and bool(do) and all(
        isinstance(v, Shift) or (isinstance(v, float | int) and abs(float(v)) < bound) for v in do.values())
