"""Packed training: many small models of one objective trained as one program (`train_many`).

Modules: `train_many` (arguments, packs, the loop), `pack` (stacked weights, the vmapped step), `program` (one
model's step as a module), `draws` (each model's own random stream inside vmap), `adam` (Adam over stacked
models), `log` (the K loss logs), `resume` and `checkpointing` (a pack's checkpoint, and when it is written).
docs/train_many.md has the design, the exactness test and measured figures.
"""
from __future__ import annotations

from encoders.packed.train_many import train_many

__all__ = ["train_many"]
