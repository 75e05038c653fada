"""The trained encoder: encode/decode numpy images, score held-out data, save to and load from a folder.

A saved encoder is a folder with `weights.safetensors` (the networks' state dict), `config.json`
(everything needed to rebuild the networks: objective and its options, sizes, label encoding),
`history.json` (the training log) and `manifest.json` (format, schema, each file's sha256:
`encoders.manifest`); `encoders.load(folder)` needs nothing else and runs no stored code. Folders
of older crl versions (`weights.pt`) are refused, not converted (`encoders.model_folder`).
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from encoders.budget import TrainingPlan
from encoders.data import check_trained_shape, iter_batches
from encoders.device import resolve_device
from encoders.manifest import FolderFormat, seal, unseal
from encoders.model_files import ModelFileError, check_tensors, json_bytes, parse_json, parse_tensors, tensor_bytes
from encoders.model_folder import read_folder, write_folder
from encoders.networks import VAE
from encoders.objectives import OBJECTIVES, get_objective
from encoders.objectives.base import Objective, gaussian_kl, sample_gaussian
from encoders.objectives.causal_vae import CausalVAE
from encoders.objectives.group_vae import GroupVAE, pair_terms
from encoders.objectives.supervision import LabelRegulariser, LabelSpec
from encoders.slots.model import is_slot_folder, load_slots

FORMAT = FolderFormat(
    name="crl-encoder", noun="encoder", schema=1, legacy_marker="weights.pt",
    legacy_files=("weights.pt", "config.json", "history.json"), cosmetic=("history.json",),
    legacy_remedy="Train the encoder again with this crl and save it; to use the folder as it is, install the crl "
                  "version that wrote it.")
_POSITIVE = ("latent_dim", "resolution", "channels")  # config fields that size the networks
EVAL_BATCH = 256


def build_modules(config: dict) -> nn.ModuleDict:
    """The networks a config describes: the VAE, the objective (with its own parameters), the label heads."""
    spec = LabelSpec.from_dict(config["labels"]) if config["labels"] else None
    n_labels = len(spec.names) if spec else 0
    cls = get_objective(config["objective"])
    objective = cls(cls.make_config(config["objective_options"]), config["latent_dim"], n_labels)
    objective.spec = spec
    modules = nn.ModuleDict({
        "vae": VAE(config["channels"], config["resolution"], config["latent_dim"]),
        "objective": objective,
    })
    if spec:
        modules["supervision"] = LabelRegulariser(spec)
    return modules


class Encoder:
    """A trained image encoder/decoder: numpy images in, latents out, and back.

    Made by `encoders.train` or `encoders.load`. Latents are posterior means in the objective's
    representation (for causal-vae: the causal variables after the DAG layer); the first
    len(label_names) dims are the labelled concepts.

    Parameters
    ----------
    modules : torch.nn.ModuleDict
        The networks `build_modules(config)` makes ("vae", "objective", optional "supervision").
    config : dict
        What rebuilds the networks: objective and its options, sizes, label encoding.
    history : list of dict
        The training log, one entry of mean losses per logged step.
    device : torch.device
        Where the networks run.
    plan : TrainingPlan, optional
        The steps training ran, how they were chosen and the measured speed (None for a loaded encoder).
    """

    def __init__(self, modules: nn.ModuleDict, config: dict, history: list[dict], device: torch.device,
                 plan: TrainingPlan | None = None):
        self.modules = modules.to(device).eval()
        self.config = config
        self.history = history
        self.device = device
        self.plan = plan

    @property
    def _vae(self) -> VAE:
        return cast(VAE, self.modules["vae"])

    @property
    def _objective(self) -> Objective:
        return cast(Objective, self.modules["objective"])

    @property
    def latent_dim(self) -> int:
        """Number of latent dims."""
        return self.config["latent_dim"]

    @property
    def resolution(self) -> int:
        """Side in pixels of the square images it reads and draws."""
        return self.config["resolution"]

    @property
    def channels(self) -> int:
        """Channels of the images it reads and draws."""
        return self.config["channels"]

    @property
    def objective(self) -> str:
        """The name of the objective it was trained with (a key of `encoders.OBJECTIVES`)."""
        return self.config["objective"]

    @property
    def label_names(self) -> list[str]:
        """The label columns it was trained on; latent dim j is the concept label_names[j]."""
        return list(self.config["labels"]["names"]) if self.config["labels"] else []

    @property
    def causal_adjacency(self) -> np.ndarray | None:
        """The learned DAG (k x k over label_names, entry [i, j] = weight of i -> j) for causal-vae, else None."""
        objective = self._objective
        return objective.adjacency() if isinstance(objective, CausalVAE) else None

    def check_input(self, images: object, name: str = "images") -> np.ndarray:
        """Validate images for this encoder: uint8 (N, resolution, resolution, channels), as trained on.

        Parameters
        ----------
        images : object
            What a caller passed as images.
        name : str
            The argument's name, for the error message.

        Returns
        -------
        numpy.ndarray
            `images` as a contiguous array.

        Raises
        ------
        ValueError
            When `images` is not such an array.
        """
        return check_trained_shape(images, self.resolution, self.channels, name)

    @torch.no_grad()
    def encode(self, images: np.ndarray) -> np.ndarray:
        """The latents of images: posterior means, the deterministic point a query starts from.

        Parameters
        ----------
        images : numpy.ndarray
            uint8 (N, H, W, C) shaped like the training images.

        Returns
        -------
        numpy.ndarray
            float32 (N, latent_dim).
        """
        images = self.check_input(images)
        out = [self._objective.to_latent(self._vae.encoder(x)[0].float()) for x in iter_batches(images, EVAL_BATCH, self.device)]
        return torch.cat(out).cpu().numpy().astype(np.float32)

    @torch.no_grad()
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Images drawn from latents: the decoder's mean image, rounded to uint8.

        Parameters
        ----------
        z : array-like
            Finite latents (N, latent_dim), e.g. `encode`'s output after an intervention.

        Returns
        -------
        numpy.ndarray
            uint8 (N, resolution, resolution, channels).
        """
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}")
        if not np.isfinite(z).all():
            raise ValueError("z contains NaN or infinite values")
        out = []
        for start in range(0, z.shape[0], EVAL_BATCH):
            logits = self._vae.decoder(torch.from_numpy(z[start:start + EVAL_BATCH]).to(self.device))
            pixels = torch.sigmoid(logits.float()).mul(255.0).round().to(torch.uint8)
            out.append(pixels.permute(0, 2, 3, 1).cpu())
        return torch.cat(out).numpy() if out else np.zeros((0, self.resolution, self.resolution, self.channels), np.uint8)

    @torch.no_grad()
    def elbo(self, images: np.ndarray, seed: int = 0) -> float:
        """Negative ELBO per image in nats on held-out images: a model-selection score without labels.

        Parameters
        ----------
        images : numpy.ndarray
            uint8 (N, H, W, C) shaped like the training images.
        seed : int
            Seeds the one posterior sample per image.

        Returns
        -------
        float
            Mean of reconstruction loss + KL to the prior; lower is better.
        """
        images = self.check_input(images)
        gen = torch.Generator(device=self.device)
        gen.manual_seed(seed)
        total = 0.0
        for x in iter_batches(images, EVAL_BATCH, self.device):
            mean, log_var = (t.float() for t in self._vae.encoder(x))
            z = self._objective.to_latent(sample_gaussian(mean, log_var, gen))
            per_image = self._objective.recon(x, self._vae.decoder(z)) + gaussian_kl(mean, log_var).sum(1)
            total += float(per_image.sum())
        return total / images.shape[0]

    @torch.no_grad()
    def pair_reconstruction_loss(self, x1: np.ndarray, x2: np.ndarray) -> float:
        """Reconstruction loss of held-out pairs after the weak-supervision aggregation: a model-selection
        score from pairs (Locatello et al. 2020).

        The aggregation is the objective's own for pair objectives, Ada-GVAE's otherwise; posterior
        means, no sampling.

        Parameters
        ----------
        x1, x2 : numpy.ndarray
            uint8 images of one shape, like the training images: the two sides of each pair.

        Returns
        -------
        float
            Mean reconstruction loss per image; lower is better.
        """
        x1, x2 = self.check_input(x1, "x1"), self.check_input(x2, "x2")
        if x1.shape != x2.shape:
            raise ValueError(f"x1 and x2 must have the same shape, got {x1.shape} and {x2.shape}")
        obj = self._objective
        if isinstance(obj, GroupVAE):
            aggregation, k = obj.aggregation, (None if obj.adaptive else obj.config.k)
        else:
            aggregation, k = "mean", None
        total = 0.0
        for a, b in zip(iter_batches(x1, EVAL_BATCH, self.device), iter_batches(x2, EVAL_BATCH, self.device)):
            terms = pair_terms(self._vae, a, b, obj.recon, aggregation, k, obj.to_latent, sample=False)
            total += float(terms["recon"]) * a.shape[0]
        return total / x1.shape[0]

    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the encoder to folder `path`, whole or not at all (see the module docstring for its files).

        Parameters
        ----------
        path : str or Path
            The folder. An encoder saved there before is replaced; any other folder with files, or a file, is
            refused (`encoders.model_folder.check_target`).
        overwrite : bool
            Also replace another kind of saved model, or an encoder saved by an older crl.
        """
        write_folder(path, self.to_files(), FORMAT, overwrite)

    def to_files(self) -> dict[str, bytes]:
        """The saved encoder's files, manifest included: relative name -> bytes (what `save` writes)."""
        return seal({"weights.safetensors": tensor_bytes(self.modules.state_dict()),
                     "config.json": json_bytes(self.config), "history.json": json_bytes(self.history)}, FORMAT)


def load(path: str | Path, device: str = "auto") -> Encoder:
    """Load an encoder saved with `Encoder.save`, on any device; loading runs no stored code. A folder saved by
    `encoders.slots.SlotModel.save` loads as that `SlotModel` (typed code calls `encoders.slots.load_slots`).

    Parameters
    ----------
    path : str or Path
        The folder `Encoder.save` wrote.
    device : str
        "auto" (CUDA when present, else CPU) or a torch device name.

    Returns
    -------
    Encoder

    Raises
    ------
    ModelFileError
        A ValueError naming the file and the remedy, when the folder holds no encoder of this crl or a file
        fails its check.
    """
    if is_slot_folder(path):
        return load_slots(path, device)  # type: ignore[return-value]
    return _build(read_folder(path, FORMAT), device, str(path))


def encoder_from_files(files: Mapping[str, bytes], device: str = "auto", where: str = "encoder") -> Encoder:
    """The encoder whose files (`Encoder.to_files`, e.g. read from a bigger model's folder) are `files`.

    Parameters
    ----------
    files : dict
        Relative name -> bytes, manifest included; checked against the manifest first.
    device : str
        As for `load`.
    where : str
        Where the files came from, for messages.

    Returns
    -------
    Encoder
    """
    return _build(unseal(files.keys(), files.__getitem__, FORMAT, where), device, where)


def _build(files: Mapping[str, bytes], device: str, where: str) -> Encoder:
    """The encoder of checked files: config and weights shapes checked before the networks take them."""
    for name in ("config.json", "weights.safetensors"):
        if name not in files:
            raise ModelFileError(f"{where!r} is not a saved encoder: its manifest lists no {name}")
    config = _config(files["config.json"], f"{where}/config.json")
    try:
        modules = build_modules(config)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{where}/config.json describes networks that cannot be built ({err!r})") from None
    weights = parse_tensors(files["weights.safetensors"], f"{where}/weights.safetensors", "torch")
    sizes = ", ".join(f"{field}={config[field]}" for field in _POSITIVE)
    check_tensors(modules.state_dict(), weights, f"{where}/weights.safetensors", f"config.json ({sizes})")
    modules.load_state_dict(weights)
    return Encoder(modules, config, _history(files.get("history.json"), f"{where}/history.json"), resolve_device(device))


def _config(data: bytes, name: str) -> dict:
    """The config in config.json, with the fields that build the networks checked."""
    config = parse_json(data, name)
    if not isinstance(config, dict):
        raise ModelFileError(f"{name} must hold a JSON object")
    problems = [f"{key!r} must be a positive integer" for key in _POSITIVE
                if not (isinstance(config.get(key), int) and config[key] > 0)]
    if not (isinstance(config.get("objective"), str) and config["objective"] in OBJECTIVES):
        problems.append(f"'objective' must be one of {sorted(OBJECTIVES)}")
    if not isinstance(config.get("objective_options"), dict):
        problems.append("'objective_options' must be an object")
    if config.get("labels") is not None and not isinstance(config["labels"], dict):
        problems.append("'labels' must be an object or null")
    if problems:
        raise ModelFileError(f"{name}: field {'; field '.join(problems)}")
    return config


def _history(data: bytes | None, name: str) -> list[dict[str, Any]]:
    """The training log; an unreadable one (it only records the training) warns and reads as empty."""
    if data is None:
        return []
    try:
        history = parse_json(data, name)
    except ModelFileError as err:
        history = err
    if isinstance(history, list):
        return history
    warnings.warn(f"{name} is not a list of training log entries ({history}); the encoder loads without its history",
                  UserWarning, stacklevel=4)
    return []
