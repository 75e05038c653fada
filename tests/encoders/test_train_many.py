"""train_many: each packed model follows its lone `encoders.train` path, packs split where options must be equal,
bad configs are refused by name, and the encoders it returns save, load and encode like any other."""
import numpy as np
import pytest
import torch
from conftest import squares

import encoders
from encoders.training import initial_state

STEPS = 5
SHARED = dict(steps=STEPS, batch_size=8, device="cpu", progress=False, log_every=1)
# the float option each objective's models differ in, besides seed and lr
OPTION = {"annealed-vae": "gamma", "factor-vae": "gamma", "dip-vae-i": "lambda_od", "dip-vae-ii": "lambda_od"}
# options the objectives read in Python: models that differ in them are trained in packs of their own
SPLIT = {"annealed-vae": ("c_max", [5.0, 5.0, 25.0, 25.0]), "group-vae": ("k", [1, 2, 1, 2]),
         "beta-vae": ("reconstruction", ["bernoulli", "gaussian", "bernoulli", "gaussian"])}


def _configs(objective):
    option = OPTION.get(objective, "beta")
    configs = [{"seed": seed, "lr": lr, "latent_dim": 4, option: value}
               for seed, lr, value in [(0, 1e-3, 1.0), (1, 2e-3, 4.0), (2, 1e-3, 4.0), (3, 5e-4, 8.0)]]
    if objective in SPLIT:
        name, values = SPLIT[objective]
        configs = [{**config, name: value} for config, value in zip(configs, values)]
    return configs


def _relative_distance(packed, lone):
    """||packed - lone|| / ||lone - start|| over the finite weights: 0 when the packed model took the lone path."""
    start = initial_state(lone.config, torch.device("cpu")).modules.state_dict()
    a, b = packed.modules.state_dict(), lone.modules.state_dict()
    finite = [k for k in b if torch.isfinite(start[k]).all()]
    gap = sum(float((a[k] - b[k]).square().sum()) for k in finite)
    moved = sum(float((b[k] - start[k]).square().sum()) for k in finite)
    return (gap / moved) ** 0.5


@pytest.mark.parametrize("objective", [pytest.param(name, marks=pytest.mark.slow) if name == "factor-vae" else name
                                       for name in sorted(encoders.OBJECTIVES)])
def test_each_packed_model_follows_its_lone_training(objective, square_data):
    """K = 4 models differing in seed, lr and an option, vmapped (the GPU's path) and one by one (the CPU's):
    the losses of every step within float rounding of the lone runs', the weights within 2% of the distance
    they moved (Adam's first steps are about lr * sign(gradient), so a gradient near zero can flip its sign under
    rounding and move a weight by lr; over 5 steps that is the gap seen)."""
    images, factors = square_data
    pairs = (images, squares(len(images), seed=1)[0])
    labels = factors.iloc[:20] if objective == "causal-vae" else None
    configs = _configs(objective)
    vmapped = encoders.train_many(objective, images, configs, pairs=pairs, labels=labels, vectorize=True, **SHARED)
    looped = encoders.train_many(objective, images, configs, pairs=pairs, labels=labels, vectorize=False, **SHARED)
    assert len(vmapped) == len(looped) == len(configs)
    for config, *models in zip(configs, vmapped, looped):
        lone = encoders.train(objective, images, pairs=pairs, labels=labels, **SHARED, **config)
        expected = np.array([[h["loss"], h["recon"]] for h in lone.history])
        for model in models:
            assert model.config == lone.config
            assert [h.keys() for h in model.history] == [h.keys() for h in lone.history]
            losses = np.array([[h["loss"], h["recon"]] for h in model.history])
            np.testing.assert_allclose(losses, expected, rtol=1e-4)
            assert _relative_distance(model, lone) < 0.02


def test_bad_configs_are_refused_by_name(square_data):
    images, _ = square_data
    cases = [([{"seed": 0, "latent_dim": 4}, {"seed": 1, "latent_dim": 6}], "one latent_dim"),
             ([{"seed": 0, "validation": None}], "'validation', which packed training does not offer"),
             ([{"seed": 0, "checkpoint_dir": "x"}], "'checkpoint_dir', an argument of train_many"),
             ([{"seed": 0, "steps": 5}], "'steps', an argument of train_many"),
             ([{"seed": 0, "gamma": 2.0}], r"unknown key\(s\) \['gamma'\]"),
             ([], "non-empty list"), ({"seed": 0}, "non-empty list")]
    for configs, message in cases:
        with pytest.raises(ValueError, match=message):
            encoders.train_many("beta-vae", images, configs, **SHARED)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        encoders.train_many("beta-vae", images, [{"seed": 0}], **{**SHARED, "steps": "auto"})
    with pytest.raises(ValueError, match="needs pairs"):
        encoders.train_many("ada-gvae", images, [{"seed": 0}], **SHARED)


def test_packed_encoders_save_load_and_encode(square_data, tmp_path):
    images, _ = square_data
    first, second = encoders.train_many("beta-vae", images, [{"seed": 0, "latent_dim": 3}, {"seed": 1, "latent_dim": 3}],
                                        **SHARED)
    first.save(tmp_path / "m")
    back = encoders.load(tmp_path / "m", device="cpu")
    assert np.array_equal(back.encode(images), first.encode(images)) and back.history == first.history
    assert back.config["seed"] == 0 and back.config["steps"] == STEPS and back.plan is None
    assert not np.allclose(first.encode(images[:4]), second.encode(images[:4]))  # two models, not one twice


@pytest.mark.slow
def test_bf16_reaches_the_float32_loss(square_data):
    """bf16 autocast trains to the float32 loss within 3% after 150 steps (mean of the last 50)."""
    images, _ = square_data
    configs = [{"seed": 0, "latent_dim": 4, "lr": 1e-3}, {"seed": 1, "latent_dim": 4, "lr": 1e-3}]
    kw = {**SHARED, "steps": 150, "log_every": 50}
    full = encoders.train_many("beta-vae", images, configs, **kw)
    half = encoders.train_many("beta-vae", images, configs, bf16=True, **kw)
    for a, b in zip(full, half):
        assert a.history[0]["loss"] > 1.5 * a.history[-1]["loss"]  # it trained
        assert b.history[-1]["loss"] == pytest.approx(a.history[-1]["loss"], rel=0.03)


def test_a_resumed_pack_ends_as_an_uninterrupted_one(square_data, tmp_path):
    """Stopped at step 3 of 7 (checkpoint_every 2: the last save is the end of the short run) and run again: the
    weights and histories of the run that was never stopped; another config is refused by name."""
    images, factors = square_data
    configs = [{"seed": 0, "latent_dim": 3, "beta": 1.0}, {"seed": 1, "latent_dim": 3, "beta": 4.0}]
    kw = {**SHARED, "labels": factors.iloc[:20], "checkpoint_every": 2, "log_every": 2}
    full = encoders.train_many("causal-vae", images, configs, **{**kw, "steps": 7})
    encoders.train_many("causal-vae", images, configs, checkpoint_dir=tmp_path, **{**kw, "steps": 3})
    resumed = encoders.train_many("causal-vae", images, configs, checkpoint_dir=tmp_path, **{**kw, "steps": 7})
    for a, b in zip(full, resumed):
        assert a.history == b.history
        weights, back = a.modules.state_dict(), b.modules.state_dict()
        assert all(torch.equal(weights[k], back[k]) for k in weights)
    with pytest.raises(ValueError, match="different config"):
        encoders.train_many("causal-vae", images, [configs[0], {**configs[1], "beta": 2.0}],
                            checkpoint_dir=tmp_path, **{**kw, "steps": 7})
