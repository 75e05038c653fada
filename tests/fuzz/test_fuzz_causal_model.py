"""Queries of one tiny fitted CausalModel with drawn images (any dtype, layout, size) and do() values of any
type: finite latents and uint8 images of the model's size, or a named error."""
import numpy as np
import pandas as pd
import pytest
from fuzzing import any_value, finite, finite_do, result_or_named_error
from hypothesis import given
from hypothesis import strategies as st

import crl
from scm.interventions import Shift

# fits the model once (seconds to half a minute on 2 cores); do() values out of the training range are warned about
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]
SIZE = 16


@pytest.fixture(scope="module")
def model():
    scene = crl.scenes.load("pendulum", resolution=SIZE)
    data, pairs = scene.sample(200, seed=0), scene.sample_pairs(200, seed=1)
    fitted = crl.CausalModel(latent_dim=6, steps=20, bootstrap=0, mechanisms="linear", device="cpu", progress=False)
    with pytest.warns(UserWarning):  # a 20-step encoder reads its concepts back poorly, and says so
        return fitted.fit(data.images, pairs=(pairs.x1, pairs.x2), labels=scene.labels(data, n=60, seed=0))


@st.composite
def images(draw):
    """Image arrays of any dtype and layout: (N, H, W, C), channels first, one image, grey, wrong sizes."""
    n, side = draw(st.integers(0, 3)), draw(st.sampled_from([SIZE, SIZE, SIZE, 8, 32, 17]))
    shape = draw(st.sampled_from([(n, side, side, 3)] * 3 + [(n, 3, side, side), (side, side, 3), (n, side, side),
                                                             (n, side, side, 1), (n, side, side, 4)]))
    dtype = draw(st.sampled_from([np.uint8, np.uint8, np.float32, np.float64, np.int64, bool]))
    values = np.random.default_rng(draw(st.integers(0, 100))).integers(0, 256, size=shape)
    return draw(st.sampled_from([values.astype(dtype)] * 4 + [values.astype(dtype).tolist(), None]))


CONCEPTS = ["pendulum", "light", "shadow_length", "shadow_position"]
valid_images = st.builds(lambda n, seed: np.random.default_rng(seed).integers(0, 256, (n, SIZE, SIZE, 3), np.uint8),
                         st.integers(1, 3), st.integers(0, 100))
any_images = st.one_of(valid_images, images())
names = st.one_of(st.sampled_from(CONCEPTS), st.sampled_from(["z4", "colour", 0]))
values = st.one_of(st.floats(-200, 200), any_value, st.floats(-1e3, 1e3).map(Shift))
dos = st.one_of(st.dictionaries(st.sampled_from(CONCEPTS), values, min_size=1, max_size=2),
                st.dictionaries(names, values, max_size=2), st.none(), st.text(max_size=3), st.lists(names, max_size=2))
ARGUMENTS = ("images", "do", "n", "latents", "nuisance_from", "pendulum", "light", "shadow_length", "shadow_position",
             "z4", "colour", "0")


def _check(result, n=None):
    if result is not None:
        assert result.images.dtype == np.uint8 and result.images.shape[1:] == (SIZE, SIZE, 3)
        assert len(result.latents) == len(result.images) and (n is None or len(result.images) == n)
        assert finite(result.latents), "NaN or inf in the latents of a query"


@given(drawn=any_images)
def test_encode(model, drawn):
    table = result_or_named_error(lambda: model.encode(drawn), *ARGUMENTS)
    if table is not None:
        assert isinstance(table, pd.DataFrame) and finite(table)
        back = model.decode(table)
        assert back.dtype == np.uint8 and back.shape == (len(table), SIZE, SIZE, 3)


@given(do=dos, n=st.one_of(st.integers(1, 3), st.integers(-2, 3), st.floats(allow_nan=True), st.none()),
       seed=st.integers(0, 9), nuisance_from=st.one_of(st.none(), st.none(), any_images))
def test_intervene(model, do, n, seed, nuisance_from):
    result = result_or_named_error(lambda: model.intervene(do, n, seed=seed, nuisance_from=nuisance_from), *ARGUMENTS)
    if result is not None:
        _check(result, n)
    elif finite_do(do, bound=1e6) and set(do) <= set(model.concept_names) and isinstance(n, int) and n > 0 \
            and nuisance_from is None:
        raise AssertionError(f"intervene({do}, {n}) refused a valid query")


@given(do=dos, drawn=any_images)
def test_counterfactual(model, do, drawn):
    result = result_or_named_error(lambda: model.counterfactual(drawn, do), *ARGUMENTS)
    _check(result, None)
    if result is not None:
        assert len(result.images) == len(drawn)


@given(table=st.data())
def test_decode_of_drawn_tables(model, table):
    names = [*model.concept_names, *model.concepts_.nuisance_names]
    columns = table.draw(st.lists(st.sampled_from([*names, "extra"]), unique=True, max_size=len(names) + 1))
    values = table.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=len(columns),
                                 max_size=len(columns)))
    frame = pd.DataFrame([values], columns=columns) if columns else pd.DataFrame()
    out = result_or_named_error(lambda: model.decode(frame), "latents", *names)
    if out is not None:
        assert out.dtype == np.uint8 and out.shape == (1, SIZE, SIZE, 3)
        assert finite(frame[names]), f"decode gave images from non-finite latents {values}"


@given(n=st.one_of(st.integers(1, 3), st.integers(-2, 3), st.floats(allow_nan=True), st.none(), st.text(max_size=2)),
       seed=st.one_of(st.integers(0, 9), st.none()), nuisance_from=st.one_of(st.none(), any_images))
def test_sample(model, n, seed, nuisance_from):
    result = result_or_named_error(lambda: model.sample(n, seed=seed, nuisance_from=nuisance_from), *ARGUMENTS)
    _check(result, n)
