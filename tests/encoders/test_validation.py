"""Bad input fails fast with a ValueError that names the argument."""
import numpy as np
import pandas as pd
import pytest

import encoders

IMAGES = np.zeros((8, 16, 16, 3), np.uint8)


@pytest.mark.parametrize("kwargs, match", [
    (dict(objective="vae"), "objective must be one of"),
    (dict(images=IMAGES.astype(np.float32)), "images must have dtype uint8"),
    (dict(images=IMAGES[0]), r"images must have shape \(N, H, W, C\)"),
    (dict(images=np.zeros((4, 20, 20, 3), np.uint8)), "multiple of 16"),
    (dict(images=np.zeros((4, 16, 32, 3), np.uint8)), "square"),
    (dict(objective="ada-gvae"), "needs pairs"),
    (dict(pairs=(IMAGES, IMAGES[:4])), "pairs must have equal shapes"),
    (dict(pairs=(np.zeros((8, 32, 32, 3), np.uint8),) * 2), "pairs images must have the images' shape"),
    (dict(labels=pd.DataFrame({"x": [1.0]}, index=[8])), "outside the images"),
    (dict(labels=pd.DataFrame({"x": [np.nan, np.nan]}, index=[0, 1])), "all NaN"),
    (dict(labels=pd.DataFrame({"x": [1.0, 2.0]}, index=[0, 1]), label_kinds={"z": "categorical"}), "unknown columns"),
    (dict(labels=pd.DataFrame({f"c{i}": [1.0, 2.0] for i in range(3)}), latent_dim=2), "latent_dim"),
    (dict(latent_dim=0), "latent_dim must be a positive integer"),
    (dict(steps=0), "steps must be a positive integer"),
    (dict(objective="causal-vae"), "needs labels"),
    (dict(beta_typo=3.0), r"no option\(s\) \['beta_typo'\]"),
    (dict(reconstruction="laplace"), "reconstruction must be one of"),
])
def test_bad_training_input_raises(kwargs, match):
    args = dict(objective="beta-vae", images=IMAGES, progress=False, steps=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        encoders.train(args.pop("objective"), args.pop("images"), **args)


def test_bad_encoder_input_raises():
    enc = encoders.train("beta-vae", IMAGES, latent_dim=3, steps=1, progress=False)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 16, 16, 3\)"):
        enc.encode(np.zeros((2, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"z must have shape \(N, 3\)"):
        enc.decode(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="x1 and x2 must have the same shape"):
        enc.pair_reconstruction_loss(IMAGES, IMAGES[:2])
