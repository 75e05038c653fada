"""encoders: image encoders for causal representation learning, in torch, usable on any uint8 image array.

`train(objective, images, pairs=None, labels=None, ...)` fits one of `OBJECTIVES` and returns an
`Encoder` (encode / decode / save); `load(folder)` reads one back; `refine_decoder(encoder, images,
steps=...)` refits its decoder on posterior means, the latents that queries decode.
`train_many(objective, images, configs, ...)` trains many such models at once as one packed program
(`packed/`), each as its own `train` call would.

What each setting identifies (docs/identifiability.md):
- factorised prior, no supervision (beta-vae, annealed-vae, factor-vae, dip-vae-*, beta-tcvae):
  nothing. Rotating an isotropic Gaussian latent leaves the prior and so the likelihood
  unchanged, so the axes are arbitrary (Locatello et al. 2019).
- weak supervision from pairs that differ by a shift of a few noise terms (group-vae, ml-vae,
  ada-gvae, ada-ml-vae): the exogenous noise variables, which are independent, up to
  per-dim reparametrisation (Locatello et al. 2020). They are not the causal variables:
  a graph discovered over them is empty.
- a few labels on the concept latents (any objective with labels=...) or a causal prior
  (causal-vae, Yang et al. 2021): what puts the causal variables into named latents.

Modules: `training` (train: argument checks, the step, the loop), `feed` (batches on the device),
`fitting` (seeded batches, Adam, the step and progress bar that train and refine_decoder share),
`budget` (the first steps timed: "auto" steps, time budgets, the long-run warning), `checkpoint`
(loss log, atomic save and resume of the training it belongs to: `fingerprint` of its data),
`interrupt` (Ctrl-C checkpoints and says how to resume), `model` (Encoder, load), `refine`, `slots/` (Slot Attention:
`train_slots`, `SlotModel`; `train` and `load` dispatch to it for "slot-attention" and "slot-set-prediction"), `objectives/`
(one objective per file), `networks`, `data`, `device`, `atomic` (atomic file writes), and the saved-model
format that crl's models share: `model_files` (JSON and safetensors bytes, `ModelFileError`), `manifest`
(the files of one model tied by their hashes), `model_folder` (read through the manifest, save without
destroying a user's files).
"""
from __future__ import annotations

from encoders.budget import TrainingPlan
from encoders.checkpoint import CheckpointError
from encoders.interrupt import TrainingInterrupted
from encoders.model import Encoder, load
from encoders.model_files import ModelFileError
from encoders.objectives import OBJECTIVES
from encoders.packed import train_many
from encoders.refine import refine_decoder
from encoders.slots import SlotModel, load_slots, train_slots
from encoders.training import train

__all__ = ["train", "load", "refine_decoder", "Encoder", "TrainingPlan", "CheckpointError", "TrainingInterrupted",
           "ModelFileError", "OBJECTIVES", "train_many", "train_slots", "load_slots", "SlotModel"]
