"""The one training loop for every objective: uint8 data on the device, random-index batches,
Adam, periodic atomic checkpoints with automatic resume, a tqdm bar, a history of the losses.

Speed: batches are gathered from the uint8 tensor and converted to float inside the step
(channels_last); there is no DataLoader and no per-step host sync (losses are summed on
the device and read every `log_every` steps); on CUDA the batch indices travel from pinned
memory and Adam is fused. bf16 autocast and torch.compile are options, off by default: on an
H200 the standard network trains faster in float32 (TF32 convolutions), since a step is bound by
kernel launches, not arithmetic, and autocast adds a cast per weight (batch 256 at 64 px:
50,600-53,800 img/s in float32 against 43,300 in bf16; at 128 px 45,300 against 38,000-41,000).
Determinism: with a seed, two CPU runs give identical weights, also when run side by side in
threads (each training samples from its own generators), and a run resumed from a checkpoint
ends with the same weights as an uninterrupted one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from encoders.atomic import atomic_path
from encoders.data import as_uint8_tensor, check_images, to_float
from encoders.device import random_indices, resolve_device, seeded_generator
from encoders.model import Encoder, build_modules
from encoders.objectives import get_objective
from encoders.objectives.base import Batch
from encoders.objectives.supervision import prepare_labels

CHECKPOINT = "checkpoint.pt"
NOT_COMPARED_ON_RESUME = ("steps", "log_every")
# Weights are initialised from torch's global generator: seeding it and building the modules is
# done by one training at a time, so trainings started in threads side by side stay reproducible.
_SEEDED_INIT = threading.Lock()


def train(objective: str, images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None = None,
          labels: pd.DataFrame | None = None, *, latent_dim: int = 10, steps: int = 10_000, batch_size: int = 64,
          lr: float = 1e-4, seed: int = 0, device: str = "auto", checkpoint_dir: str | Path | None = None,
          checkpoint_every: int = 1000, progress: bool = True, label_weight: float = 10.0,
          label_kinds: dict[str, str] | None = None, log_every: int = 100, bf16: bool = False,
          compile: bool = False, **objective_options) -> Encoder:
    """Train `objective` on uint8 `images` (N, H, W, C) and return the trained Encoder.

    pairs (x1, x2): uint8 arrays of one shape, required by the weak objectives (group-vae,
    ml-vae, ada-gvae, ada-ml-vae). labels: DataFrame indexed by image row, one column per
    concept, NaN missing; the first len(labels.columns) latent dims become those concepts
    (label_weight scales the label loss; required by causal-vae). Defaults: 10 latent dims,
    10k steps of batch 64, Adam lr 1e-4 betas (0.9, 0.999) as disentanglement_lib, which
    trains 300k steps: raise `steps` for real data. checkpoint_dir: checkpoints every
    checkpoint_every steps, and a rerun with the same config resumes from it. bf16: autocast
    in bfloat16 on CUDA (ignored on CPU). objective_options: the objective's Config fields.
    """
    cls = get_objective(objective)
    images = check_images(images)
    n, resolution, _, channels = images.shape
    for name, value in (("latent_dim", latent_dim), ("steps", steps), ("batch_size", batch_size),
                        ("checkpoint_every", checkpoint_every), ("log_every", log_every)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 < lr < float("inf"):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not 0 <= label_weight < float("inf"):
        raise ValueError(f"label_weight must be a finite number >= 0, got {label_weight!r}")
    x1 = x2 = None
    if pairs is not None:
        if not isinstance(pairs, (tuple, list)) or len(pairs) != 2:
            raise ValueError("pairs must be a tuple (x1, x2) of uint8 image arrays")
        x1, x2 = check_images(pairs[0], "pairs[0]"), check_images(pairs[1], "pairs[1]")
        if x1.shape != x2.shape:
            raise ValueError(f"pairs must have equal shapes, got {x1.shape} and {x2.shape}")
        if x1.shape[1:] != images.shape[1:]:
            raise ValueError(f"pairs images must have the images' shape {images.shape[1:]}, got {x1.shape[1:]}")
    if cls.needs_pairs and x1 is None:
        raise ValueError(f"objective {objective!r} is weakly supervised and needs pairs=(x1, x2)")
    spec, label_rows, label_values = None, None, None
    if labels is not None:
        label_rows, label_values, spec = prepare_labels(labels, n, label_kinds)
        if latent_dim < len(spec.names):
            raise ValueError(f"latent_dim ({latent_dim}) must be >= the number of label columns ({len(spec.names)})")
    elif label_kinds:
        raise ValueError("label_kinds was given without labels")
    if cls.needs_labels and spec is None:
        raise ValueError(f"objective {objective!r} needs labels (a DataFrame of concept values per image row)")
    options = cls.make_config(objective_options)

    config = {
        "objective": objective, "objective_options": dataclasses.asdict(options), "latent_dim": int(latent_dim),
        "resolution": int(resolution), "channels": int(channels), "n_images": int(n),
        "n_pairs": 0 if x1 is None else int(x1.shape[0]), "batch_size": int(batch_size), "lr": float(lr),
        "seed": int(seed), "label_weight": float(label_weight), "labels": spec.to_dict() if spec else None,
        "steps": int(steps), "log_every": int(log_every),
    }
    dev = resolve_device(device)
    use_bf16 = bool(bf16) and dev.type == "cuda"

    with _SEEDED_INIT:
        torch.manual_seed(seed)
        modules = build_modules(config)
    modules = modules.to(dev, memory_format=torch.channels_last)
    vae, obj = modules["vae"], modules["objective"]
    supervision = modules["supervision"] if spec else None
    params = list(vae.parameters()) + (list(supervision.parameters()) if spec else [])
    # fused: one kernel for the whole update on CUDA instead of a dozen per parameter group
    optimizer = torch.optim.Adam([{"params": params}, *obj.param_groups()], lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                 fused=dev.type == "cuda")
    aux_optimizer = obj.auxiliary_optimizer()
    generator = torch.Generator().manual_seed(seed)  # batch indices
    # the objective's sampling noise, from a stream of its own (not a copy of the index stream)
    obj.generator = seeded_generator(seed, 1, dev)
    state = {"step": 0, "history": [], "sums": {}, "count": 0}

    ckpt_file = Path(checkpoint_dir) / CHECKPOINT if checkpoint_dir is not None else None
    if ckpt_file is not None and ckpt_file.is_file():
        _resume(ckpt_file, config, modules, optimizer, aux_optimizer, generator, obj.generator, state, dev)

    bank1, bank2 = (as_uint8_tensor(x1, dev), as_uint8_tensor(x2, dev)) if cls.needs_pairs else (None, None)
    bank = as_uint8_tensor(images, dev) if bank1 is None or spec else None  # pair objectives read images for labels only
    if spec:
        rows_t = torch.from_numpy(label_rows).to(dev)
        values_t = torch.from_numpy(label_values).to(dev)
        n_lab = len(label_rows)
        lab_batch = min(batch_size, n_lab)
    loss_fn = torch.compile(obj.loss) if compile else obj.loss
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if use_bf16 else contextlib.nullcontext

    vae.train()
    bar = tqdm(total=steps, initial=state["step"], disable=not progress, desc=objective, dynamic_ncols=True)
    for step in range(state["step"] + 1, steps + 1):
        if bank1 is not None:
            idx = random_indices(bank1.shape[0], batch_size, generator, dev)
            batch = Batch(x=to_float(bank1[idx]), x2=to_float(bank2[idx]))
        else:
            idx = random_indices(n, batch_size, generator, dev)
            batch = Batch(x=to_float(bank[idx]))
        with autocast():
            if spec:
                lidx = random_indices(n_lab, lab_batch, generator, dev)
                batch.labelled_mean, batch.labelled_log_var = vae.encoder(to_float(bank[rows_t[lidx]]))
                batch.label_values = values_t[lidx]
            terms = loss_fn(vae, batch, step)
            loss = terms["loss"]
            if spec:
                concepts = obj.to_latent(batch.labelled_mean.float())[:, :len(spec.names)]
                terms["label"] = supervision(concepts, batch.label_values)
                loss = loss + label_weight * terms["label"]
                terms["loss"] = loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if aux_optimizer is not None:
            aux_optimizer.zero_grad(set_to_none=True)
            terms["discriminator"] = obj.auxiliary_loss(step)
            terms["discriminator"].backward()
            aux_optimizer.step()
        obj.after_step(step)
        for key, value in terms.items():
            value = value.detach().float()
            state["sums"][key] = state["sums"][key] + value if key in state["sums"] else value
        state["count"] += 1
        state["step"] = step
        if step % log_every == 0:
            state["history"].append(_record(state))
            state["sums"], state["count"] = {}, 0
            bar.set_postfix(loss=f"{state['history'][-1]['loss']:.4g}")
        bar.update(1)
        if ckpt_file is not None and (step % checkpoint_every == 0 or step == steps):
            _save_checkpoint(ckpt_file, config, modules, optimizer, aux_optimizer, generator, obj.generator, state)
    bar.close()
    # the steps since the last log go into the returned history only, so a resumed run logs as an uninterrupted one
    history = state["history"] + ([_record(state)] if state["count"] else [])
    return Encoder(modules, config, history, dev)


def _record(state: dict) -> dict:
    """The history entry for the steps summed since the last one (one host sync)."""
    return {"step": state["step"], **{k: float(v) / state["count"] for k, v in state["sums"].items()}}


def _save_checkpoint(path: Path, config: dict, modules, optimizer, aux_optimizer, generator, noise, state) -> None:
    """Write model, optimisers, step, history and both generators' states atomically to `path`."""
    payload = {
        "config": config, "modules": modules.state_dict(), "optimizer": optimizer.state_dict(),
        "aux_optimizer": aux_optimizer.state_dict() if aux_optimizer is not None else None,
        "generator": generator.get_state(), "noise": noise.get_state(),
        "step": state["step"], "history": state["history"], "count": state["count"],
        "sums": {k: float(v) for k, v in state["sums"].items()},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def _resume(path: Path, config: dict, modules, optimizer, aux_optimizer, generator, noise, state, dev) -> None:
    """Restore a checkpoint into the freshly built objects; a different config raises ValueError."""
    ckpt = torch.load(path, map_location=dev, weights_only=True)
    old = ckpt["config"]
    if "noise" not in ckpt:
        raise ValueError(f"checkpoint_dir {str(path.parent)!r} holds a checkpoint of an older crl that kept no "
                         "sampling-noise state; delete it or use another checkpoint_dir")
    differing = sorted(k for k in set(old) | set(config)
                       if k not in NOT_COMPARED_ON_RESUME and old.get(k) != config.get(k))
    if differing:
        raise ValueError(f"checkpoint_dir {str(path.parent)!r} holds a checkpoint of a different config; "
                         f"differing keys: {differing} (use another checkpoint_dir or delete it)")
    modules.load_state_dict(ckpt["modules"])
    optimizer.load_state_dict(ckpt["optimizer"])
    if aux_optimizer is not None:
        aux_optimizer.load_state_dict(ckpt["aux_optimizer"])
    generator.set_state(ckpt["generator"].cpu())  # generator states are CPU byte tensors
    noise.set_state(ckpt["noise"].cpu())
    state.update(step=ckpt["step"], history=ckpt["history"], count=ckpt["count"],
                 sums={k: torch.tensor(v, device=dev) for k, v in ckpt["sums"].items()})
