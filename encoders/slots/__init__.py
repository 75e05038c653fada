"""Slot Attention (Locatello et al. 2020): object discovery and set prediction on any uint8 image array.

`train_slots("slot-attention", images, num_slots=7)` fits the autoencoder and returns a `SlotModel` (encode, decode,
reconstruct, segment, save); `train_slots("slot-set-prediction", images, targets, num_slots=10)` fits the set
predictor (predict). `encoders.train` and `encoders.load` dispatch to these for the two kinds. docs/slot_attention.md
has the architecture, the deviations from the reference and the CPU figures.

Modules: `attention` (SlotAttention, soft position embedding), `networks` (encoder, broadcast decoder, set head,
`SlotConfig`), `presets` ("paper", "cpu"), `matching` (Hungarian-matched Huber loss), `training` (argument checks, the
step, the loop), `model` (SlotModel, save and load).
"""
from __future__ import annotations

from encoders.slots.attention import SlotAttention
from encoders.slots.matching import hungarian_huber_loss
from encoders.slots.model import KINDS, Reconstruction, SlotModel, load_slots
from encoders.slots.networks import SlotConfig
from encoders.slots.presets import PRESETS
from encoders.slots.training import train_slots

__all__ = ["train_slots", "load_slots", "SlotModel", "Reconstruction", "SlotAttention", "SlotConfig", "PRESETS",
           "KINDS", "hungarian_huber_loss"]
