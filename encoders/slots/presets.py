"""Named settings of a slot model: the paper's, and a smaller one for CPU budgets.

"paper": the published sizes and schedule (`SlotConfig`'s defaults). "cpu": what makes a 64 px model learn objects
within minutes on two CPU cores (figures in docs/slot_attention.md): narrower CNNs with 3x3 kernels, the encoder's
grid halved once, a warm-up cut to 500 steps (the paper's 10k alone would outlast such a budget), and images larger
than 32 px read on a coarser grid (`auto_pool`): on multi_sprites at 64 px, 15 minutes of 2 CPU cores trained this
network narrowed to width 16 and slot size 32 to FG-ARI 0.03 on the full grid (1,295 steps of batch 16), 0.76 pooled
by 2 (9,012 steps of batch 32; benchmarks/slot_attention.py).
"""
from __future__ import annotations

import dataclasses

from encoders.slots.networks import SlotConfig

PRESETS: dict[str, dict] = {
    "paper": {},
    "cpu": {"width": 32, "kernel": 3, "downsample": 1, "pool": 0, "warmup_steps": 500, "decay_steps": 20_000},
}


def auto_pool(resolution: int) -> int:
    """The pool of `pool=0`: the largest power of two that divides `resolution` and leaves a side of at least 32 px
    (1 at 32 px and below), so a model costs at most what a 32-48 px one does."""
    pool = 1
    while resolution % (2 * pool) == 0 and resolution // (2 * pool) >= 32:
        pool *= 2
    return pool


def options_of(preset: str, options: dict) -> SlotConfig:
    """The `SlotConfig` of `preset` with `options` (fields of SlotConfig) overriding it; ValueError when unknown."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    fields = {field.name for field in dataclasses.fields(SlotConfig)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise ValueError(f"unknown slot model option(s) {unknown}; the options are {sorted(fields)}")
    config = SlotConfig(**{**PRESETS[preset], **options})
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        low = -1 if field.name == "downsample" else 0 if field.name in ("warmup_steps", "pool", "decoder_pool") else 1
        if field.name == "decay_rate":
            if not 0 < value <= 1:
                raise ValueError(f"decay_rate must be in (0, 1], got {value!r}")
        elif field.name == "mean_colour":
            if not isinstance(value, bool):
                raise ValueError(f"mean_colour must be True or False, got {value!r}")
        elif field.name == "weight_average":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"weight_average must be a number in [0, 1), got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{field.name} must be an integer >= {low}, got {value!r}")
    if config.downsample > 3:
        raise ValueError(f"downsample must be at most 3 (of the encoder's four convolutions), got {config.downsample}")
    if config.kernel % 2 == 0:
        raise ValueError(f"kernel must be odd (same-size padding), got {config.kernel}")
    return config
