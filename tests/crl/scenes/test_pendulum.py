"""The pendulum scene against the CausalVAE generator's published geometry, and its causal semantics."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import crl
from crl.scenes.mechanisms import standard_normal
from crl.scenes.pendulum import project, shadow


@pytest.fixture(scope="module")
def scene():
    return crl.scenes.load("pendulum")


@pytest.mark.parametrize(
    "pendulum_deg, light_deg, length, position",
    [
        # Hanging straight down under a light straight above: the ball's far edge (10, 1) and the pivot
        # (10, 10.5) both project to x = 10; the zero-length shadow is widened to the minimum 3.
        (0.0, 90.0, 3.0, 10.0),
        # Light at 45 degrees (cot = 1): pivot -> 10 + (-0.5 - 10.5) = -1; tip (10, 1) -> 10 + (-0.5 - 1) = 8.5;
        # length 9.5, midpoint 3.75.
        (0.0, 45.0, 9.5, 3.75),
        # Light at 135 degrees (cot = -1), pendulum 30: tip = (10 + 9.5 * 0.5, 10.5 - 9.5 * 0.8660) = (14.75, 2.2728);
        # pivot -> 10 + 11 = 21; tip -> 14.75 + 2.7728 = 17.5228; length 3.4772, midpoint 19.2614.
        (30.0, 135.0, 3.4772, 19.2614),
        # Pendulum 30 and light 120 put the rod on the light ray (direction -60 = 120 - 180 degrees):
        # pivot and tip share the projection 10 + 11 / sqrt(3) = 16.3509; length clamps to 3.
        (30.0, 120.0, 3.0, 16.3509),
    ],
)
def test_shadow_matches_hand_computation(pendulum_deg, light_deg, length, position):
    got_length, got_position = shadow(np.array([pendulum_deg]), np.array([light_deg]))
    assert got_length[0] == pytest.approx(length, abs=1e-3)
    assert got_position[0] == pytest.approx(position, abs=1e-3)


def test_sun_sits_on_the_ray_through_the_pivot():
    # at 54 degrees the sun (y = 20.5) is 10 / tan(54) = 7.265 right of the pivot, as in the reference
    assert project(np.array(10.0), np.array(10.5), np.array(54.0), base=20.5) == pytest.approx(17.2654, abs=1e-3)


def test_graph_and_ranges_follow_the_reference(scene):
    assert set(scene.graph.edges) == {
        ("pendulum", "shadow_length"), ("light", "shadow_length"),
        ("pendulum", "shadow_position"), ("light", "shadow_position"),
    }
    ranges = {f.name: (f.low, f.high) for f in scene.factors}
    assert ranges["pendulum"] == (-36.0, 38.7) and ranges["light"] == (54.0, 132.3)


def test_intervention_sets_value_and_keeps_non_descendants(scene):
    observed = scene.sample(1500, seed=1)
    intervened = scene.intervene({"light": 100.0}, 1500, seed=2)
    assert np.all(intervened.factors["light"] == 100.0)
    # the pendulum angle is not a descendant of the light: its distribution is unchanged
    assert stats.ks_2samp(observed.factors["pendulum"], intervened.factors["pendulum"]).pvalue > 0.01
    # the shadow is: with the light nearly overhead most shadows are short, unlike the observational ones
    assert intervened.factors["shadow_length"].mean() < observed.factors["shadow_length"].mean() - 1.0


def test_counterfactual_reuses_noise(scene):
    factual = scene.sample(64, seed=3)
    cf = scene.counterfactual(factual, {"light": 70.0})
    np.testing.assert_array_equal(cf.factors["pendulum"], factual.factors["pendulum"])
    np.testing.assert_array_equal(cf.noise, factual.noise)
    length, position = shadow(factual.factors["pendulum"].to_numpy(), np.full(64, 70.0))
    noise = 0.2 * standard_normal(factual.noise[["shadow_length", "shadow_position"]].to_numpy())
    np.testing.assert_allclose(cf.factors["shadow_length"], np.clip(length + noise[:, 0], 3.0, 13.0))
    np.testing.assert_allclose(cf.factors["shadow_position"], np.clip(position + noise[:, 1], 1.0, 21.0))
    # the same do() drawn as an intervention uses fresh noise, so the shadows differ from the counterfactual ones
    assert not np.allclose(cf.factors["shadow_position"], scene.intervene({"light": 70.0}, 64, seed=4).factors["shadow_position"])


def test_shift_adds_to_the_mechanism_and_clips(scene):
    factual = scene.sample(200, seed=5)
    shifted = scene.counterfactual(factual, {"shadow_position": ("shift", 2.0)})
    expected = np.clip(factual.factors["shadow_position"] + 2.0, 1.0, 21.0)
    np.testing.assert_allclose(shifted.factors["shadow_position"], expected)
    np.testing.assert_array_equal(shifted.factors["shadow_length"], factual.factors["shadow_length"])


def test_noise_scale_option_controls_shadow_noise():
    exact = crl.scenes.load("pendulum", noise_scale=0.0).sample(50, seed=0).factors
    length, position = shadow(exact["pendulum"].to_numpy(), exact["light"].to_numpy())
    np.testing.assert_allclose(exact["shadow_length"], length)
    np.testing.assert_allclose(exact["shadow_position"], position)
    with pytest.raises(ValueError, match="noise_scale"):
        crl.scenes.load("pendulum", noise_scale=-1)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), n=st.integers(1, 30))
def test_any_seed_gives_reproducible_in_range_samples(seed, n):
    scene = crl.scenes.load("pendulum", resolution=16)
    first, again = scene.sample(n, seed=seed), scene.sample(n, seed=seed)
    np.testing.assert_array_equal(first.images, again.images)
    for factor in scene.factors:
        assert first.factors[factor.name].between(factor.low, factor.high).all()
    length, position = shadow(first.factors["pendulum"].to_numpy(), first.factors["light"].to_numpy())
    # noise of scale 0.2 moves the shadow by less than 6 standard deviations
    assert np.all(np.abs(first.factors["shadow_position"] - position) < 1.2)
