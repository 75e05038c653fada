"""encoders.refine: the decoder refitted on posterior means, the encoder left alone."""
import numpy as np
import pytest
import torch

import encoders
from encoders import refine_decoder
from encoders.objectives.base import reconstruction_loss


def _train(images, steps: int = 150):
    # a wide-posterior model (beta 8): its decoder learned on noisy samples and draws the mean
    # image, although the posterior means do carry the square's position
    return encoders.train("beta-vae", images, latent_dim=4, steps=steps, batch_size=32, lr=3e-3, seed=0,
                          progress=False, beta=8.0)


def _means_loss(encoder, images) -> float:
    """Mean Bernoulli reconstruction loss of decoding the posterior means."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        logits = encoder.modules["vae"].decoder(torch.from_numpy(encoder.encode(images)))
    return float(reconstruction_loss(x, logits, "bernoulli").mean())


@pytest.mark.slow
def test_refit_decoder_reconstructs_means_better_and_keeps_the_encoder(square_data):
    images, _ = square_data
    encoder = _train(images)
    means, before = encoder.encode(images), _means_loss(encoder, images)
    losses = refine_decoder(encoder, images, steps=100, batch_size=32, lr=3e-3, seed=0)
    assert len(losses) == 100 and np.mean(losses[-10:]) < np.mean(losses[:10])
    assert _means_loss(encoder, images) < 0.7 * before  # measured: 174 -> 84
    np.testing.assert_array_equal(encoder.encode(images), means)


def test_refit_is_reproducible_with_a_seed_and_given_means(square_data):
    images, _ = square_data
    decoded = []
    for given in (False, True):
        encoder = _train(images, steps=20)
        means = encoder.encode(images) if given else None
        refine_decoder(encoder, images, steps=10, seed=3, means=means)
        decoded.append(encoder.decode(encoder.encode(images[:8])))
    np.testing.assert_array_equal(*decoded)


@pytest.mark.parametrize("kwargs, message", [({"steps": -1}, "steps"), ({"steps": 5, "batch_size": 0}, "batch_size"),
                                             ({"steps": 5, "lr": 0.0}, "lr")])
def test_bad_settings_are_refused(square_data, kwargs, message):
    images, _ = square_data
    encoder = _train(images[:32], steps=2)
    with pytest.raises(ValueError, match=message):
        refine_decoder(encoder, images, **kwargs)
    with pytest.raises(ValueError, match="like the training images"):
        refine_decoder(encoder, np.zeros((4, 32, 32, 3), np.uint8), steps=1)
    with pytest.raises(ValueError, match="means must have shape"):
        refine_decoder(encoder, images, steps=1, means=np.zeros((3, 4), np.float32))
