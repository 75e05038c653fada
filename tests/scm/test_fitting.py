"""scm.fitting: the Adam step that DAGMA shares."""
import numpy as np

from scm.fitting import Adam


def test_adam_first_step_is_the_gradient_sign_and_moments_accumulate():
    adam = Adam(np.zeros(3), beta1=0.9, beta2=0.999)
    np.testing.assert_allclose(adam.direction(np.array([2.0, -0.5, 0.0])), [1.0, -1.0, 0.0], atol=1e-6)
    second = adam.direction(np.array([2.0, -0.5, 0.0]))  # the same gradient again: the same direction
    np.testing.assert_allclose(second, [1.0, -1.0, 0.0], atol=1e-6)
    assert adam.steps == 2
