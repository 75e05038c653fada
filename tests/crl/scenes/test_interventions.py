"""Scenes take `do=` like every other query: hard values, scm.Shift and scm.Soft, or a clear refusal."""
import numpy as np
import pytest
from test_scene import chain_scene  # the a -> b -> c, d scene of test_scene.py

import crl
from scm import interventions


@pytest.fixture(scope="module")
def chain():
    return chain_scene()


def test_do_is_a_keyword_and_positional_use_keeps_working(chain):
    by_keyword = chain.intervene(do={"b": 0.5}, n=50, seed=1)
    by_position = chain.intervene({"b": 0.5}, 50, seed=1)
    np.testing.assert_array_equal(by_keyword.images, by_position.images)
    factual = chain.sample(20, seed=2)
    np.testing.assert_array_equal(chain.counterfactual(factual, do={"b": -0.5}).factors,
                                  chain.counterfactual(factual, {"b": -0.5}).factors)


def test_typed_shift_gives_the_counterfactual_of_the_old_tuple(chain):
    factual = chain.sample(100, seed=2)
    typed = chain.counterfactual(factual, do={"a": interventions.Shift(0.5)})
    old = chain.counterfactual(factual, do={"a": ("shift", 0.5)})
    np.testing.assert_array_equal(typed.factors.to_numpy(), old.factors.to_numpy())
    np.testing.assert_array_equal(typed.images, old.images)
    np.testing.assert_allclose(typed.factors["a"], factual.factors["a"] + 0.5)


def test_shift_takes_one_delta_per_row(chain):
    factual = chain.sample(4, seed=3)
    deltas = np.array([0.1, -0.1, 0.2, 0.0])
    shifted = chain.counterfactual(factual, do={"a": interventions.Shift(deltas)})
    np.testing.assert_allclose(shifted.factors["a"], factual.factors["a"] + deltas)
    with pytest.raises(ValueError, match=r"do\['a'\]: Shift\(delta\) takes a number or 4 values"):
        chain.counterfactual(factual, do={"a": interventions.Shift([0.1, 0.2])})


def test_soft_draws_fresh_values_in_range_and_keeps_the_rest(chain):
    observed = chain.sample(2000, seed=0).factors
    soft = interventions.Soft(lambda rng, n: rng.uniform(1.0, 1.5, n))
    done = chain.intervene(do={"b": soft}, n=2000, seed=0).factors
    assert done["b"].between(1.0, 1.5).all() and done["b"].std() > 0.1
    np.testing.assert_array_equal(done["a"], observed["a"])  # same seed, same noise for non-descendants
    assert done["c"].between(1.0, 1.5**2 + 0.1).all()  # c = b^2 + 0.1 u follows the new b
    # a Soft in a counterfactual: each row's value is a fresh draw, the rest of the row replayed
    factual = chain.sample(50, seed=4)
    cf = chain.counterfactual(factual, do={"b": ("soft", lambda rng, n: rng.uniform(-1.0, -0.5, n))}, seed=3)
    assert cf.factors["b"].between(-1.0, -0.5).all()
    np.testing.assert_array_equal(cf.factors["a"], factual.factors["a"])


def test_soft_on_a_categorical_factor_takes_names_or_codes():
    scene = crl.scenes.load("sprites", resolution=16)
    names = scene.intervene(do={"shape": interventions.Soft(lambda rng, n: rng.choice(["square", "heart"], n))}, n=40)
    assert set(names.factors["shape"]) == {0, 2}
    codes = scene.intervene(do={"shape": interventions.Soft(lambda rng, n: rng.integers(0, 2, n))}, n=40)
    assert set(codes.factors["shape"]) <= {0, 1}


@pytest.mark.parametrize("do, match", [
    ({"a": interventions.Soft(lambda rng, n: rng.uniform(1.0, 3.0, n))}, r"do\['a'\]: Soft.*outside its range \[-2.0, 2.0\]"),
    ({"a": interventions.Soft(lambda rng, n: np.zeros(n + 1))}, r"do\['a'\]: Soft\(distribution\) must draw 5 values"),
    ({"a": interventions.Soft(lambda rng, n: np.full(n, np.nan))}, r"do\['a'\]: Soft.*NaN"),
])
def test_soft_draws_out_of_range_or_shape_are_refused(chain, do, match):
    with pytest.raises(ValueError, match=match):
        chain.intervene(do=do, n=5)


def test_shift_on_a_categorical_factor_is_refused():
    scene = crl.scenes.load("sprites", resolution=16)
    with pytest.raises(ValueError, match=r"do\['shape'\]: a shift needs a continuous factor; 'shape' is categorical"):
        scene.intervene(do={"shape": interventions.Shift(1.0)}, n=4)
    with pytest.raises(ValueError, match=r"do\['shape'\]: a shift needs a continuous factor"):
        scene.counterfactual(scene.sample(3), do={"shape": ("shift", 1)})
    with pytest.raises(ValueError, match=r"do\['shape'\]: Soft.*integer category codes"):
        scene.intervene(do={"shape": interventions.Soft(lambda rng, n: np.full(n, 0.5))}, n=4)
