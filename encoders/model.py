"""The trained encoder: encode/decode numpy images, score held-out data, save to and load from a folder.

A saved encoder is a folder with `weights.pt` (torch state_dict), `config.json` (everything
needed to rebuild the networks: objective and its options, sizes, label encoding) and
`history.json` (the training log); `encoders.load(folder)` needs nothing else.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from encoders.atomic import atomic_directory
from encoders.data import check_images, iter_batches
from encoders.device import resolve_device
from encoders.networks import VAE
from encoders.objectives import get_objective
from encoders.objectives.base import gaussian_kl, sample_gaussian
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
    """A trained image encoder/decoder. Latents are posterior means in the objective's representation
    (for causal-vae: the causal variables after the DAG layer); the first len(label_names) dims are the concepts."""

    def __init__(self, modules: nn.ModuleDict, config: dict, history: list[dict], device: torch.device):
        self.modules = modules.to(device).eval()
        self.config = config
        self.history = history
        self.device = device

    @property
    def _vae(self) -> VAE:
        return self.modules["vae"]

    @property
    def _objective(self):
        return self.modules["objective"]

    @property
    def latent_dim(self) -> int:
        return self.config["latent_dim"]

    @property
    def resolution(self) -> int:
        return self.config["resolution"]

    @property
    def channels(self) -> int:
        return self.config["channels"]

    @property
    def objective(self) -> str:
        return self.config["objective"]

    @property
    def label_names(self) -> list[str]:
        return list(self.config["labels"]["names"]) if self.config["labels"] else []

    @property
    def causal_adjacency(self) -> np.ndarray | None:
        """The learned DAG (k x k over label_names, entry [i, j] = weight of i -> j) for causal-vae, else None."""
        return self._objective.adjacency() if hasattr(self._objective, "adjacency") else None

    def _check(self, images: object, name: str = "images") -> np.ndarray:
        images = check_images(images, name)
        if images.shape[1:] != (self.resolution, self.resolution, self.channels):
            raise ValueError(f"{name} must have shape (N, {self.resolution}, {self.resolution}, {self.channels}) "
                             f"like the training images, got {images.shape}")
        return images

    @torch.no_grad()
    def encode(self, images: np.ndarray) -> np.ndarray:
        """Posterior means (N, latent_dim) float32 for uint8 images (N, H, W, C)."""
        images = self._check(images)
        out = [self._objective.to_latent(self._vae.encoder(x)[0].float()) for x in iter_batches(images, EVAL_BATCH, self.device)]
        return torch.cat(out).cpu().numpy().astype(np.float32)

    @torch.no_grad()
    def sample_latents(self, images: np.ndarray, seed: int | None = None) -> np.ndarray:
        """One posterior sample per image (N, latent_dim) float32; `seed` makes it reproducible."""
        images = self._check(images)
        gen = torch.Generator(device=self.device)
        gen.manual_seed(seed) if seed is not None else gen.seed()
        out = []
        for x in iter_batches(images, EVAL_BATCH, self.device):
            mean, log_var = self._vae.encoder(x)
            out.append(self._objective.to_latent(sample_gaussian(mean.float(), log_var.float(), gen)))
        return torch.cat(out).cpu().numpy().astype(np.float32)

    @torch.no_grad()
    def decode(self, z: np.ndarray) -> np.ndarray:
        """Images uint8 (N, H, W, C) from latents (N, latent_dim): the decoder's mean image."""
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

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """decode(encode(images)): uint8 images of the same shape."""
        return self.decode(self.encode(images))

    @torch.no_grad()
    def elbo(self, images: np.ndarray, seed: int = 0) -> float:
        """Negative ELBO per image in nats (recon + KL to the prior, one posterior sample; lower is better)."""
        images = self._check(images)
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
        """Mean reconstruction loss per image of held-out pairs after the weak-supervision aggregation
        (the objective's own for pair objectives, Ada-GVAE's otherwise) with posterior means; lower is better."""
        x1, x2 = self._check(x1, "x1"), self._check(x2, "x2")
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
        """Write the encoder to folder `path` atomically (weights.pt, config.json, history.json)."""
        with atomic_directory(path) as tmp:
            torch.save(self.modules.state_dict(), tmp / "weights.pt")
            (tmp / "config.json").write_text(json.dumps({"format": FORMAT, **self.config}, indent=2))
            (tmp / "history.json").write_text(json.dumps(self.history))


def load(path: str | Path, device: str = "auto") -> Encoder:
    """Load an encoder saved with `Encoder.save`; a folder that is not one raises ValueError."""
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
