"""The trained encoder: encode/decode numpy images, score held-out data, save to and load from a folder.

A saved encoder is a folder with `weights.pt` (torch state_dict), `config.json` (everything
needed to rebuild the networks: objective and its options, sizes, label encoding) and
`history.json` (the training log); `encoders.load(folder)` needs nothing else.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import numpy as np
import torch
from torch import nn

from encoders.atomic import atomic_directory
from encoders.data import check_images, iter_batches
from encoders.device import resolve_device
from encoders.networks import VAE
from encoders.objectives import get_objective
from encoders.objectives.base import Objective, gaussian_kl, sample_gaussian
from encoders.objectives.causal_vae import CausalVAE
from encoders.objectives.group_vae import GroupVAE, pair_terms
from encoders.objectives.supervision import LabelRegulariser, LabelSpec

FORMAT = "crl-encoder"
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
    """

    def __init__(self, modules: nn.ModuleDict, config: dict, history: list[dict], device: torch.device):
        self.modules = modules.to(device).eval()
        self.config = config
        self.history = history
        self.device = device

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
        images = check_images(images, name)
        if images.shape[1:] != (self.resolution, self.resolution, self.channels):
            raise ValueError(f"{name} must have shape (N, {self.resolution}, {self.resolution}, {self.channels}) "
                             f"like the training images, got {images.shape}")
        return images

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

    def save(self, path: str | Path) -> None:
        """Write the encoder to folder `path` atomically: weights.pt, config.json and history.json.

        Parameters
        ----------
        path : str or Path
            The folder; an existing one is replaced whole, and only once the new one is complete.
        """
        with atomic_directory(path) as tmp:
            torch.save(self.modules.state_dict(), tmp / "weights.pt")
            (tmp / "config.json").write_text(json.dumps({"format": FORMAT, **self.config}, indent=2))
            (tmp / "history.json").write_text(json.dumps(self.history))


def load(path: str | Path, device: str = "auto") -> Encoder:
    """Load an encoder saved with `Encoder.save`, on any device (loading runs no stored code).

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
    ValueError
        When the folder is not a saved encoder.
    """
    folder = Path(path)
    config_file, weights_file = folder / "config.json", folder / "weights.pt"
    if not folder.is_dir() or not config_file.is_file() or not weights_file.is_file():
        raise ValueError(f"path {str(folder)!r} is not a saved encoder (needs config.json and weights.pt)")
    try:
        config = json.loads(config_file.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"path {str(folder)!r}: config.json is not valid JSON ({err})") from None
    if not isinstance(config, dict) or config.pop("format", None) != FORMAT:
        raise ValueError(f"path {str(folder)!r} is not a saved encoder (config.json lacks format={FORMAT!r})")
    dev = resolve_device(device)
    modules = build_modules(config)
    modules.load_state_dict(torch.load(weights_file, map_location=dev, weights_only=True))
    history_file = folder / "history.json"
    history = json.loads(history_file.read_text()) if history_file.is_file() else []
    return Encoder(modules, config, history, dev)
