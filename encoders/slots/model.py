"""A trained slot model: slots, masks, segmentations and set predictions of numpy images; save and load.

The number of slots is an argument of every call (`num_slots=None`: the number trained with): slots are samples of one
learned Gaussian refined by attention, so any count >= 1 runs. Initial slots are random; `seed=` fixes them, so a call
repeats exactly. Decoding takes any slot set (N, K', slot_dim), which is how object queries drop or replace a slot.

A saved slot model is a folder like a saved encoder's (`encoders.model`): `weights.safetensors`, `config.json`,
`history.json` and `manifest.json`, under its own format name, so that `encoders.load` can tell the two apart
(`is_slot_folder`) and neither silently replaces the other.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from encoders.budget import TrainingPlan
from encoders.data import check_trained_shape, iter_batches
from encoders.device import resolve_device
from encoders.manifest import MANIFEST, FolderFormat, seal
from encoders.model_files import ModelFileError, check_tensors, json_bytes, parse_json, parse_tensors, tensor_bytes
from encoders.model_folder import read_folder, write_folder
from encoders.slots.consensus import consensus_masks
from encoders.slots.networks import BroadcastDecoder, SlotConfig, SlotNet

FORMAT = FolderFormat(name="crl-slot-model", noun="slot model", schema=1, cosmetic=("history.json",))
AUTOENCODER, SET_PREDICTION = "slot-attention", "slot-set-prediction"
SlotKind = Literal["slot-attention", "slot-set-prediction"]
KINDS = (AUTOENCODER, SET_PREDICTION)
MaskSource = Literal["decoder", "attention"]
MASK_SOURCES = ("decoder", "attention")
EVAL_BATCH = 32  # every slot is decoded at full resolution: 32 images x 7 slots x 64 channels at 64 px is ~470 MB


def build_net(config: dict) -> SlotNet:
    """The network a slot model's config describes."""
    return SlotNet(config["channels"], config["resolution"], SlotConfig(**config["options"]), config["properties"])


def _is_count(value: object) -> bool:
    """Whether `value` is an integer >= 1 (numpy integers too; not a bool)."""
    return bool(not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 1)


def check_num_slots(num_slots: object) -> int:
    """`num_slots` as an int >= 1, else ValueError."""
    if not _is_count(num_slots):
        raise ValueError(f"num_slots must be an integer >= 1, got {num_slots!r}")
    return int(num_slots)  # type: ignore[call-overload]


def check_iterations(iterations: object) -> int | None:
    """`iterations` as None (the trained number) or an int >= 1, else ValueError."""
    if iterations is None:
        return None
    if not _is_count(iterations):
        raise ValueError(f"iterations must be None (as trained) or an integer >= 1, got {iterations!r}")
    return int(iterations)  # type: ignore[call-overload]


def to_pixels(values: torch.Tensor) -> np.ndarray:
    """Network outputs in [-1, 1], channels first (..., C, H, W) -> uint8 channels last (..., H, W, C)."""
    pixels = ((values.float() + 1.0) * 127.5).clamp(0, 255).round().to(torch.uint8)
    return pixels.movedim(-3, -1).cpu().numpy()


@dataclass(frozen=True)
class Reconstruction:
    """A decoded slot set: the mixed image uint8 (N, H, W, C), each slot's image uint8 (N, K, H, W, C) and its alpha
    mask float32 (N, K, H, W), which sums to 1 over the slots at every pixel."""

    image: np.ndarray
    slot_images: np.ndarray
    masks: np.ndarray


class SlotModel:
    """A trained Slot Attention autoencoder ("slot-attention") or set predictor ("slot-set-prediction").

    Made by `encoders.train_slots` (or `encoders.train` with one of those kinds) and `encoders.load`.

    Parameters
    ----------
    net : SlotNet
    config : dict
        What rebuilds the network: kind, sizes (`SlotConfig` in "options"), the slots trained with.
    history : list of dict
        The training log.
    device : torch.device
    plan : TrainingPlan, optional
        The steps training ran and why (None for a loaded model).
    """

    def __init__(self, net: SlotNet, config: dict, history: list[dict], device: torch.device,
                 plan: TrainingPlan | None = None):
        self.net, self.config, self.history, self.device, self.plan = net.to(device).eval(), config, history, device, plan

    @property
    def kind(self) -> str:
        """"slot-attention" or "slot-set-prediction"."""
        return self.config["objective"]

    @property
    def num_slots(self) -> int:
        """The slots it was trained with, and the default of every call."""
        return self.config["num_slots"]

    @property
    def slot_dim(self) -> int:
        """The size of a slot: `SlotConfig.slot_size` (slot_dim, plus the channels of its mean colour when appended)."""
        return SlotConfig(**self.config["options"]).slot_size(self.config["channels"])

    @property
    def resolution(self) -> int:
        """Side in pixels of the square images it reads."""
        return self.config["resolution"]

    def check_input(self, images: object, name: str = "images") -> np.ndarray:
        """`images` checked to be uint8 (N, resolution, resolution, channels), like the training images."""
        return check_trained_shape(images, self.resolution, self.config["channels"], name)

    def encode(self, images: np.ndarray, num_slots: int | None = None, seed: int = 0,
               iterations: int | None = None) -> np.ndarray:
        """The slots of images: float32 (N, num_slots, slot_dim); `seed` draws the initial slots; `iterations` rounds
        of attention refine them (None: as many as in training; more can segment better, see docs/objects.md)."""
        return self._attend(images, num_slots, seed, iterations, keep_attention=False)[0]

    @torch.no_grad()
    def _attend(self, images: np.ndarray, num_slots: int | None, seed: int, iterations: int | None,
                keep_attention: bool) -> tuple[np.ndarray, torch.Tensor | None]:
        """`encode`'s slots and, with `keep_attention`, the last round's attention over the encoder's grid,
        (N, side, side, num_slots); it is not gathered otherwise (N x grid x slots floats that `encode` drops)."""
        images = self.check_input(images)
        count = self.num_slots if num_slots is None else check_num_slots(num_slots)
        rounds = check_iterations(iterations)
        generator = torch.Generator(device=self.device).manual_seed(seed)
        slots, attention = [], []
        for x in iter_batches(images, EVAL_BATCH, self.device):
            batch_slots, batch_attention = self.net.attend(x * 2.0 - 1.0, count, generator, rounds)
            slots.append(batch_slots.cpu())
            if keep_attention:
                attention.append(batch_attention.cpu())
        return torch.cat(slots).numpy().astype(np.float32), torch.cat(attention) if keep_attention else None

    @torch.no_grad()
    def decode(self, slots: np.ndarray) -> Reconstruction:
        """Decode any slot set (N, K, slot_dim), K >= 1: e.g. `encode`'s slots with one dropped or replaced."""
        decoder = self._decoder()
        slots = np.asarray(slots, dtype=np.float32)
        if slots.ndim != 3 or slots.shape[1] < 1 or slots.shape[2] != self.slot_dim:
            raise ValueError(f"slots must have shape (N, K >= 1, {self.slot_dim}), got {slots.shape}")
        if not np.isfinite(slots).all():
            raise ValueError("slots contain NaN or infinite values")
        parts = []
        for start in range(0, slots.shape[0], EVAL_BATCH):
            rgb, masks = decoder(torch.from_numpy(slots[start:start + EVAL_BATCH]).to(self.device))
            parts.append((to_pixels((rgb * masks[:, :, None]).sum(1)), to_pixels(rgb), masks.cpu().numpy()))
        side, channels = self.resolution, self.config["channels"]
        if not parts:
            return Reconstruction(np.zeros((0, side, side, channels), np.uint8),
                                  np.zeros((0, slots.shape[1], side, side, channels), np.uint8),
                                  np.zeros((0, slots.shape[1], side, side), np.float32))
        image, slot_images, masks = (np.concatenate(part) for part in zip(*parts))
        return Reconstruction(image, slot_images, masks.astype(np.float32))

    def reconstruct(self, images: np.ndarray, num_slots: int | None = None, seed: int = 0,
                    iterations: int | None = None) -> Reconstruction:
        """`decode(encode(images, num_slots, seed, iterations))`: the reconstruction, each slot's image and its mask."""
        self._decoder()
        return self.decode(self.encode(images, num_slots, seed, iterations))

    def segment(self, images: np.ndarray, num_slots: int | None = None, seed: int = 0, iterations: int | None = None,
                masks: MaskSource = "decoder", draws: int = 1) -> np.ndarray:
        """The slot that wins each pixel: int64 (N, H, W) in [0, num_slots).

        `masks`: "decoder" (the argmax of the decoded alpha masks, the paper's readout) or "attention" (the argmax of
        the last round's attention over the encoder's grid, upsampled bilinearly to the images' pixels: the grouping
        the slots were read from, which is sharper than the decoder's early in training; docs/objects.md).
        `draws`: how many draws of the initial slots (seeds `seed`, `seed + 1`, ...) vote, their masks matched to the
        first draw's slots and averaged before the argmax (`consensus_masks`); 1 is the paper's single draw.
        """
        if masks not in MASK_SOURCES:
            raise ValueError(f"masks must be one of {MASK_SOURCES}, got {masks!r}")
        if not _is_count(draws):
            raise ValueError(f"draws must be an integer >= 1, got {draws!r}")
        self._decoder()  # segmenting is the autoencoder's, whichever masks it reads
        soft = (self._soft_masks(images, num_slots, seed + draw, iterations, masks) for draw in range(draws))
        return consensus_masks(soft).argmax(axis=1).astype(np.int64)

    def _soft_masks(self, images: np.ndarray, num_slots: int | None, seed: int, iterations: int | None,
                    source: MaskSource) -> np.ndarray:
        """Each slot's share of each pixel, float32 (N, K, H, W), from the decoder's masks or the upsampled attention."""
        if source == "decoder":
            return self.reconstruct(images, num_slots, seed, iterations).masks
        attention = self._attend(images, num_slots, seed, iterations, keep_attention=True)[1]
        assert attention is not None
        side = self.resolution  # weights, not winners, are upsampled: a cell's edge then follows its neighbours'
        weights = torch.nn.functional.interpolate(attention.permute(0, 3, 1, 2), size=(side, side), mode="bilinear",
                                                  align_corners=False)
        return weights.numpy().astype(np.float32)

    @torch.no_grad()
    def predict(self, images: np.ndarray, num_slots: int | None = None, seed: int = 0,
                iterations: int | None = None) -> np.ndarray:
        """The set predictor's object properties per slot: float32 (N, num_slots, properties) in [0, 1], laid out as
        its training targets (objectness last, by the reference's convention)."""
        if self.kind != SET_PREDICTION:
            raise ValueError(f"predict needs a {SET_PREDICTION!r} model; this one is {self.kind!r}")
        slots = torch.from_numpy(self.encode(images, num_slots, seed, iterations))
        out = [self.net.head(part.to(self.device)) for part in slots.split(EVAL_BATCH)]
        return torch.cat(out).cpu().numpy().astype(np.float32) if out else np.zeros((0, 0, 0), np.float32)

    def _decoder(self) -> BroadcastDecoder:
        if not isinstance(self.net.head, BroadcastDecoder):
            raise ValueError(f"decoding images needs a {AUTOENCODER!r} model; this one is {self.kind!r}")
        return self.net.head

    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the model to folder `path`, whole or not at all; as `encoders.Encoder.save`."""
        write_folder(path, self.to_files(), FORMAT, overwrite)

    def to_files(self) -> dict[str, bytes]:
        """The saved model's files, manifest included: relative name -> bytes."""
        return seal({"weights.safetensors": tensor_bytes(self.net.state_dict()), "config.json": json_bytes(self.config),
                     "history.json": json_bytes(self.history)}, FORMAT)


def is_slot_folder(path: str | Path) -> bool:
    """Whether folder `path` has a manifest naming this format (what `encoders.load` dispatches on)."""
    try:
        manifest = json.loads((Path(path) / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT.name


def load_slots(path: str | Path, device: str = "auto") -> SlotModel:
    """Load a slot model saved with `SlotModel.save`; loading runs no stored code (ModelFileError when damaged)."""
    return slot_model_from_files(read_folder(path, FORMAT), device, str(path))


def slot_model_from_files(files: Mapping[str, bytes], device: str, where: str) -> SlotModel:
    """The slot model of checked files: config and weight shapes checked before the network takes them."""
    for name in ("config.json", "weights.safetensors"):
        if name not in files:
            raise ModelFileError(f"{where!r} is not a saved slot model: its manifest lists no {name}")
    config = parse_json(files["config.json"], f"{where}/config.json")
    try:
        if config["objective"] not in KINDS:
            raise ValueError(f"objective {config['objective']!r} is not one of {KINDS}")
        net = build_net(config)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{where}/config.json describes no slot model that can be built ({err!r})") from None
    weights = parse_tensors(files["weights.safetensors"], f"{where}/weights.safetensors", "torch")
    check_tensors(net.state_dict(), weights, f"{where}/weights.safetensors", "config.json")
    net.load_state_dict(weights)
    history = parse_json(files["history.json"], f"{where}/history.json") if "history.json" in files else []
    return SlotModel(net, config, history if isinstance(history, list) else [], resolve_device(device))
