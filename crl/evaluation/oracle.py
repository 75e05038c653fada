"""An oracle that reads a scene's factors back from its images, to score counterfactual images.

A small CNN (four 4x4 convolutions of stride 2, then a two-layer MLP) trained on the scene's
own renders: continuous factors are regressed after standardising, categorical ones (integer
codes) classified. The training factors are drawn independently and uniformly over each
factor's range, not from the scene's causal model: interventions and counterfactuals break
the observational correlations (a shadow that no longer follows the light), and an oracle
trained on observational images learns to read one factor from its causes instead. Trained oracles are cached
on disk, keyed by the scene and the options, as folders of `weights.safetensors`, `oracle.json` and the
manifest that ties them (`encoders.manifest`); loading one runs no stored code.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from encoders.device import resolve_device
from encoders.manifest import MANIFEST, FolderFormat, seal
from encoders.model_files import DAMAGED, ModelFileError, check_tensors, json_bytes, parse_json, parse_tensors, tensor_bytes
from encoders.model_folder import read_folder, write_folder

VERSION = 2  # bump when the network or the training changes, so cached oracles are retrained
SHIPPED = Path(__file__).parent / "shipped_oracles"
DEFAULTS: dict[str, Any] = {"n": 4000, "steps": 1500, "batch_size": 64, "lr": 1e-3, "seed": 0, "n_holdout": 500}
FORMAT = FolderFormat(name="crl.evaluation.Oracle", noun="oracle", schema=1, legacy_marker="weights.pt",
                      legacy_files=("weights.pt", "oracle.json"),
                      legacy_remedy="Delete the folder; `load_or_train` trains the oracle again.")
_META = {"version": int, "specs": list, "means": dict, "stds": dict, "shape": list, "options": dict, "holdout_score": dict}


def _specs(scene: Any) -> list[dict[str, Any]]:
    """The factor definitions as plain JSON-ready dicts."""
    specs = []
    for f in scene.factors:
        categorical = getattr(f, "kind", "continuous") == "categorical"
        specs.append({"name": f.name, "kind": "categorical" if categorical else "continuous",
                      "low": None if categorical else float(f.low), "high": None if categorical else float(f.high),
                      "categories": list(f.categories) if categorical else None})
    return specs


def _independent_factors(specs: list[dict[str, Any]], n: int, rng: np.random.Generator) -> pd.DataFrame:
    """`n` rows with each factor drawn alone: uniform over [low, high], or a uniform category code."""
    return pd.DataFrame({s["name"]: rng.uniform(s["low"], s["high"], n) if s["kind"] == "continuous"
                         else rng.integers(0, len(s["categories"]), n) for s in specs})


def _to_tensor(images: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2).float().div_(255.0)


class _Net(nn.Module):
    def __init__(self, shape: tuple[int, int, int], n_out: int, width: int = 32, hidden: int = 256):
        super().__init__()
        h, w, c = shape
        layers, channels = [], c
        for out in (width, width, 2 * width, 2 * width):
            layers += [nn.Conv2d(channels, out, 4, stride=2, padding=1), nn.ReLU()]
            channels = out
        self.features = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            size = self.features(torch.zeros(1, c, h, w)).shape[1]
        self.head = nn.Sequential(nn.Linear(size, hidden), nn.ReLU(), nn.Linear(hidden, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Oracle:
    """Reads factor values (in label units) from images; build one with `Oracle.fit` or `load_or_train`."""

    def __init__(self, net: _Net, specs: list[dict[str, Any]], means: dict[str, float], stds: dict[str, float],
                 shape: tuple[int, int, int], options: dict[str, Any], holdout_score: dict[str, float]):
        self.net = net.cpu().eval()
        self.specs, self.means, self.stds = specs, means, stds
        self.shape, self.options, self.holdout_score = tuple(shape), options, holdout_score

    # --- training ---------------------------------------------------------------------
    @classmethod
    def fit(cls, scene: Any, n: int = DEFAULTS["n"], steps: int = DEFAULTS["steps"],
            batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"], seed: int = DEFAULTS["seed"],
            n_holdout: int = DEFAULTS["n_holdout"], device: str = "auto", progress: bool = True) -> Oracle:
        """Train on `n` renders of independent factor values for `steps` Adam steps (cosine-decayed `lr`).

        `holdout_score` is `score` on `n_holdout` more such renders.

        Defaults (4000 images, 1500 steps of 64) give held-out R^2 >= 0.99 on every pendulum factor at 64x64,
        in about 8 minutes on one busy CPU thread (seconds on a GPU).
        """
        for name, value, least in (("n", n, 2), ("steps", steps, 1), ("batch_size", batch_size, 1),
                                   ("n_holdout", n_holdout, 2)):
            if int(value) != value or value < least:
                raise ValueError(f"{name} must be an integer >= {least}; got {value!r}")
        if not lr > 0:
            raise ValueError(f"lr must be > 0; got {lr!r}")
        options = {"n": n, "steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed, "n_holdout": n_holdout}
        specs = _specs(scene)
        train_seed, holdout_seed = (int(s) for s in np.random.SeedSequence([seed, 0x0AC1E]).generate_state(2))
        factors = _independent_factors(specs, n, np.random.default_rng(train_seed))
        images = np.asarray(scene.render(factors))
        targets, means, stds = cls._encode_targets(factors, specs)
        dev = resolve_device(device)
        torch.manual_seed(seed)
        n_out = sum(1 if s["kind"] == "continuous" else len(s["categories"]) for s in specs)
        net = _Net(images.shape[1:], n_out).to(dev)
        optimiser = torch.optim.Adam(net.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=steps)
        x_all, y_all = _to_tensor(images, dev), torch.from_numpy(targets).to(dev)
        generator = torch.Generator(device="cpu").manual_seed(seed)
        oracle = cls(net, specs, means, stds, images.shape[1:], options, {})
        bar = tqdm(range(steps), desc="training oracle", disable=not progress, leave=False)
        for _ in bar:
            idx = torch.randint(0, n, (min(batch_size, n),), generator=generator).to(dev)
            loss = oracle._loss(net(x_all[idx]), y_all[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        oracle.net = net.cpu().eval()
        held_out = _independent_factors(specs, n_holdout, np.random.default_rng(holdout_seed))
        oracle.holdout_score = oracle.score(SimpleNamespace(images=scene.render(held_out), factors=held_out)).to_dict()
        return oracle

    @staticmethod
    def _encode_targets(factors: pd.DataFrame, specs: list[dict[str, Any]]):
        cols, means, stds = [], {}, {}
        for s in specs:
            values = factors[s["name"]]
            if s["kind"] == "continuous":
                v = values.to_numpy(dtype=np.float64)
                means[s["name"]], stds[s["name"]] = float(v.mean()), float(v.std()) or 1.0
                cols.append((v - means[s["name"]]) / stds[s["name"]])
            else:
                codes = values.to_numpy(dtype=np.float64)
                if not np.isin(codes, np.arange(len(s["categories"]))).all():
                    raise ValueError(f"factor {s['name']!r} must hold codes 0..{len(s['categories']) - 1}")
                cols.append(codes)
        return np.stack(cols, axis=1).astype(np.float32), means, stds

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss, k = out.new_zeros(()), 0
        for j, s in enumerate(self.specs):
            if s["kind"] == "continuous":
                loss = loss + nn.functional.mse_loss(out[:, k], y[:, j])
                k += 1
            else:
                width = len(s["categories"])
                loss = loss + nn.functional.cross_entropy(out[:, k:k + width], y[:, j].long())
                k += width
        return loss

    # --- use --------------------------------------------------------------------------
    def read(self, images: np.ndarray, batch_size: int = 256) -> pd.DataFrame:
        """The factor values the oracle reads from uint8 images (N, H, W, C), in label units, within each range."""
        images = np.asarray(images)
        if images.dtype != np.uint8 or images.ndim != 4 or tuple(images.shape[1:]) != self.shape or not len(images):
            raise ValueError(f"images must be uint8 of shape (N >= 1, {', '.join(map(str, self.shape))}); "
                             f"got {images.dtype} {images.shape}")
        with torch.no_grad():
            out = torch.cat([self.net(_to_tensor(images[i:i + batch_size], torch.device("cpu")))
                             for i in range(0, len(images), batch_size)]).numpy()
        columns, k = {}, 0
        for s in self.specs:
            if s["kind"] == "continuous":
                value = out[:, k].astype(np.float64) * self.stds[s["name"]] + self.means[s["name"]]
                columns[s["name"]] = np.clip(value, s["low"], s["high"])  # a scene's factors never leave their range
                k += 1
            else:
                width = len(s["categories"])
                columns[s["name"]] = out[:, k:k + width].argmax(axis=1).astype(np.int64)
                k += width
        return pd.DataFrame(columns)

    def score(self, sample: Any) -> pd.Series:
        """Quality per factor on anything with `.images` and `.factors` (a scene Sample): R^2 or accuracy."""
        read = self.read(sample.images)
        scores = {}
        for s in self.specs:
            truth = sample.factors[s["name"]]
            if s["kind"] == "continuous":
                t, p = truth.to_numpy(dtype=float), read[s["name"]].to_numpy(dtype=float)
                scores[s["name"]] = float(1.0 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum())
            else:
                scores[s["name"]] = float(np.mean(read[s["name"]].to_numpy() == truth.to_numpy(dtype=float)))
        return pd.Series(scores, name="score")

    # --- persistence ------------------------------------------------------------------
    def save(self, folder: str | os.PathLike, overwrite: bool = False) -> None:
        """Write weights.safetensors, oracle.json and manifest.json into `folder`, whole or not at all.

        Parameters
        ----------
        folder : str or PathLike
            An oracle saved there before is replaced; a file, or a folder with other files, is refused
            (`encoders.model_folder.check_target`).
        overwrite : bool
            Also replace another kind of saved model, or an oracle saved by an older crl.
        """
        meta = {"version": VERSION, "specs": self.specs, "means": self.means, "stds": self.stds,
                "shape": list(self.shape), "options": self.options, "holdout_score": self.holdout_score}
        files = {"weights.safetensors": tensor_bytes(self.net.state_dict()), "oracle.json": json_bytes(meta)}
        write_folder(folder, seal(files, FORMAT), FORMAT, overwrite)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Oracle:
        """Load an oracle written by `save`; a folder that holds none, or a damaged one, raises
        `crl.exceptions.ModelFileError` naming the file and the remedy."""
        files = read_folder(folder, FORMAT)
        meta = _meta(files, f"{folder}/oracle.json")
        try:
            n_out = sum(1 if s["kind"] == "continuous" else len(s["categories"]) for s in meta["specs"])
            net = _Net(tuple(meta["shape"]), n_out)
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise ModelFileError(f"{folder}/oracle.json: fields 'specs' and 'shape' describe no network ({err!r}); "
                                 f"{DAMAGED}") from None
        name = f"{folder}/weights.safetensors"
        weights = parse_tensors(files.get("weights.safetensors", b""), name, "torch")
        check_tensors(net.state_dict(), weights, name, f"oracle.json (shape={meta['shape']}, {n_out} outputs)")
        net.load_state_dict(weights)
        return cls(net, meta["specs"], meta["means"], meta["stds"], tuple(meta["shape"]), meta["options"],
                   meta["holdout_score"])


def _meta(files: Mapping[str, bytes], name: str) -> dict[str, Any]:
    """oracle.json's fields, each of its JSON type, written by this `VERSION` of the oracle."""
    meta = parse_json(files.get("oracle.json", b"null"), name)
    wrong = [key for key, kind in _META.items() if not isinstance(meta, dict) or not isinstance(meta.get(key), kind)]
    if wrong:
        raise ModelFileError(f"{name}: field(s) {wrong} missing or of the wrong type; {DAMAGED}")
    if meta["version"] != VERSION:
        raise ModelFileError(f"{name}: field 'version' is {meta['version']}, this crl's oracle is version {VERSION}; "
                             "delete the folder and `load_or_train` trains it again")
    return meta


def cache_key(scene: Any, **options: Any) -> str:
    """Hash of the scene's name, factor definitions, a few of its images and the training options
    (the images' pixels, so that a change in how a scene draws retrains its oracle)."""
    images = np.ascontiguousarray(scene.sample(4, seed=0).images)
    payload = {"version": VERSION, "scene": getattr(scene, "name", type(scene).__name__), "shape": list(images.shape[1:]),
               "pixels": hashlib.sha256(images.tobytes()).hexdigest(), "factors": _specs(scene),
               "options": {**DEFAULTS, **options}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    """$CRL_CACHE_DIR/oracles when the variable is set, else ~/.cache/crl/oracles."""
    root = os.environ.get("CRL_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "crl") / "oracles"


def load_or_train(scene: Any, cache_dir: str | os.PathLike | None = None, device: str = "auto",
                  progress: bool = True, **options: Any) -> Oracle:
    """Load the oracle for this scene and options (shipped with crl, or cached), or train one and cache it.

    crl ships the oracle of the demo's scene (`SHIPPED`), trained here with the same code, so
    the demo's evaluation does not spend its time budget training it; any other scene,
    resolution or option set is trained once and cached (see `Oracle.fit`).
    """
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown oracle option(s) {unknown}; expected some of {sorted(DEFAULTS)}")
    name = f"{getattr(scene, 'name', type(scene).__name__)}-{cache_key(scene, **options)}"
    folder = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / name
    for candidate in (SHIPPED / name, folder):
        if (candidate / MANIFEST).exists():
            return Oracle.load(candidate)
    oracle = Oracle.fit(scene, device=device, progress=progress, **options)
    oracle.save(folder, overwrite=True)  # replaces an oracle an older crl cached there (with pickle)
    return oracle
