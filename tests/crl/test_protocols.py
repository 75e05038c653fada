"""The plug-in protocols: the built-in Scene and encoders.Encoder satisfy them, other objects do not.

The annotated assignments below are what a type checker verifies (mypy checks the signatures);
the isinstance checks are what runs here (runtime_checkable checks the members exist).
"""
import numpy as np
import pytest

import crl.scenes
import encoders
from crl.protocols import EncoderLike, FactorLike, GroundTruthData, PairsLike, SampleLike, SceneLike


def test_the_builtin_scene_and_what_it_returns_satisfy_the_protocols() -> None:
    scene: SceneLike = crl.scenes.load("pendulum", resolution=16)
    data: GroundTruthData = scene
    assert isinstance(scene, SceneLike) and isinstance(data, GroundTruthData)
    assert all(isinstance(factor, FactorLike) for factor in scene.factors)
    sample: SampleLike = scene.sample(4, seed=0)
    pairs: PairsLike = scene.sample_pairs(4, k=1, seed=0)
    assert isinstance(sample, SampleLike) and isinstance(pairs, PairsLike)
    assert not isinstance(scene, EncoderLike)


def test_a_trained_encoder_satisfies_the_encoder_protocol() -> None:
    images = np.random.default_rng(0).integers(0, 256, size=(8, 16, 16, 3), dtype=np.uint8)
    encoder: EncoderLike = encoders.train("beta-vae", images, latent_dim=2, steps=1, batch_size=4,
                                          device="cpu", progress=False)
    assert isinstance(encoder, EncoderLike)
    assert encoder.latent_dim == 2 and encoder.resolution == 16
    latents = encoder.encode(images)
    assert latents.shape == (8, 2) and encoder.decode(latents).shape == images.shape
    assert not isinstance(encoder, SceneLike)


class _Table:
    """Has factors, sample and render, but no graph or queries: ground-truth data, not a scene."""

    factors: list = []

    def sample(self, n, seed=0): ...

    def render(self, factors): ...


@pytest.mark.parametrize("obj, protocol, expected", [
    (_Table(), GroundTruthData, True),
    (_Table(), SceneLike, False),
    (object(), EncoderLike, False),
])
def test_isinstance_reads_the_members(obj, protocol, expected):
    assert isinstance(obj, protocol) is expected
