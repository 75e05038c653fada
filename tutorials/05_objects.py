# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # 5. Objects: from a scene to slot masks to an object-removal counterfactual
#
# A scene is a set of objects. This lesson goes from a multi-object scene with known causes to a
# Slot Attention model (Locatello et al. 2020) that splits each image into slots, one per object,
# to an `ObjectModel` that reads each slot's attributes, learns a graph over them, and answers
# "what would this image look like without that object?" with an image, beside the true answer.
#
# Sizes. Full size: 64 x 64 images, 5,000 of them, 2-4 objects, 5 slots, 4,000 training steps of
# the "cpu" preset narrowed (width 16, slot size 32, batch 32; at 64 px it reads a 32 px grid): about
# 0.1 s a step on two CPU cores, so about 7 minutes of training (docs/objects.md has figures).
# Quick mode (`CRL_TUTORIAL_QUICK=1`): 16 x 16, 120 images, 3 steps: the code runs, the model has
# learned nothing, and the numbers printed mean nothing.

# %%
import os
import warnings
from pathlib import Path

import numpy as np
import torch

import crl
from crl import plots
from crl.objects import ObjectModel, match_slots
from crl.objects.plots import slot_masks

QUICK = os.environ.get("CRL_TUTORIAL_QUICK") == "1"
OUT = Path(os.environ.get("CRL_TUTORIAL_OUT", "tutorial_output")) / "05_objects"
torch.set_num_threads(1)  # polite on shared machines; raise it on your own
warnings.filterwarnings("ignore", message="discovery left")  # PC leaves size - y undirected: noted in the text

RESOLUTION = 16 if QUICK else 64
N_IMAGES = 120 if QUICK else 5_000
STEPS = 3 if QUICK else 4_000
SLOT_OPTIONS = {"width": 8, "slot_dim": 16} if QUICK else {"width": 16, "slot_dim": 32, "warmup_steps": 100}

# %% [markdown]
# ## 1. A scene of objects, with its truth
#
# `multi_sprites` draws 2-4 sprites (squares, ellipses, hearts) with depth order and occlusion.
# Each image comes with an instance mask (0 background, k object k) and a long table with one
# row per object. `causal=True` adds causes among attributes and between objects; the light's
# position (a scene factor) shades every object.

# %%
scene = crl.scenes.load("multi_sprites", resolution=RESOLUTION, min_objects=2, max_objects=4, causal=True)
train = scene.sample(N_IMAGES, seed=0)
print(scene)
print(train.objects.head())
plots.image_grid(train.images[:16], OUT / "scene.png", nrow=8)

# %% [markdown]
# The scene knows the true counterfactual of an object edit: removing object 1 re-renders each
# image from the same noise without it. Nothing else moves, except what object 1 caused: with
# `causal=True` the next object's x and hue follow the previous object's, so they are recomputed.

# %%
true_removal = scene.edit(train, object=1, image=list(range(8)), remove=True)
assert not (true_removal.masks == 1).any()
plots.image_grid(np.concatenate([train.images[:8], true_removal.images]), OUT / "true_removal.png", nrow=8)

# %% [markdown]
# ## 2. Slots, and what the model knows about objects
#
# `ObjectModel.fit` trains a Slot Attention autoencoder on the images alone, then uses the first
# `labelled` images' masks and object tables as the only labels: slots are matched to true
# objects by the Hungarian algorithm on mask IoU, and probes (ridge, logistic) learn to read each
# attribute from a slot. Every slot of every image is then read into one pooled object table, on
# which PC discovers a graph, checked on the labelled objects, and linear mechanisms are fitted.

# %%
model = ObjectModel(num_slots=5, steps=STEPS, batch_size=32, lr=4e-4, preset="cpu", slot_options=SLOT_OPTIONS,
                    labelled=40, min_iou=0.0 if QUICK else 0.3, seed=0, progress=not QUICK)
model.fit(train)
print("probe scores (cross-validated R^2, accuracy for shape):", {k: round(v, 2) for k, v in model.probes_.scores.items()})
print("learned edges:", sorted(model.graph.edges))

# %% [markdown]
# Position reads well from slots (x and y are what the decoder's position embedding is built
# around); hue, size and shade need a longer-trained model. Readings of one slot share its errors,
# which add edges on the pooled table; the labelled objects' true values then check every edge
# (`label_check=True`): edges they give no evidence for go (`model.graph.graph["refuted"]`), and the
# rest are oriented as PC orients them on those rows. At 64 px with a 15-minute slot model this
# leaves light -> shade <- x and size - y (docs/objects.md).

# %%
test = scene.sample(8, seed=1)
reading = model.read(test.images)
decoded = model.encoder_.decode(reading.slots)
segmentation = decoded.masks.argmax(axis=1)
fg_ari = crl.metrics.fg_ari(test.masks, segmentation)
print(f"FG-ARI on held-out images: {fg_ari:.2f}")
slot_masks(test.images[:4], decoded, OUT / "slot_masks.png")

# %% [markdown]
# `slot_masks.png`: each row an image, its reconstruction and each slot's share of it.
#
# ## 3. Remove an object: the model's answer beside the truth
#
# For the images where true object 1 is held by one of the model's object slots, drop that slot
# and decode the rest; the scene renders the true answer from the same noise.

# %%
matched = match_slots(segmentation, test.masks, model.num_slots)
held = matched.merge(reading.objects[["image", "slot"]], on=["image", "slot"])
first = held[held["object"] == 1]
rows, slots = first["image"].to_numpy(), first["slot"].to_numpy()
model_removal = model.remove(test.images[rows], slots + 1)
truth = scene.edit(test, object=1, image=rows, remove=True)
plots.counterfactual_grid(test.images[rows], model_removal.images, truth.images, OUT / "removal.png",
                          title="remove object 1")
region = (test.masks[rows] == 1) & (truth.masks == 0)  # where object 1 was and the truth shows background
left = float(model_removal.images.mean(axis=-1)[region].mean() / 255) if region.any() else float("nan")
before = float(decoded.image[rows].mean(axis=-1)[region].mean() / 255) if region.any() else float("nan")
print(f"brightness where object 1 was: reconstruction {before:.3f}, after removal {left:.3f} (truth 0)")

# %% [markdown]
# `removal.png`: originals, the model's removal, the truth. At full size the region the removed
# object covered goes dark; objects it occluded are only partly filled in, since each slot was
# learned from what it saw.
#
# ## 4. Scoring every query against the truth
#
# `crl.evaluate` scores an `ObjectModel` on held-out images: FG-ARI, the graph's SHD against the
# scene's graph over the model's nodes, and, for removal, attribute edits and do(light), the pixel
# error, the FG-ARI of the result and per-object attribute errors read by an oracle.

# %%
evaluation = crl.evaluate(model, scene, n=16 if QUICK else 200, report_dir=OUT / "report")
summary = evaluation.summary()
for key in ("fg_ari", "shd", "remove mse", "edit hue=0.1 mse", "do light=0.2 mse"):
    print(f"{key}: {summary[key]:.3f}")
