"""Pieces the `crl` subcommands share: TOML config, a scene or data set to work on, do() parsing, image files."""
from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from scm.interventions import Shift


class UsageError(Exception):
    """A problem with the user's input, reported as one line and exit code 2."""



def apply_config(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """Fill `args` from `args.config` for every flag the user did not type on the line."""
    typed = {a[2:].split("=")[0].replace("-", "_") for a in argv if a.startswith("--")}
    if not args.config.is_file():
        raise UsageError(f"--config: no such file {str(args.config)!r}")
    try:
        values = tomllib.loads(args.config.read_text())
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"--config: {args.config} is not valid TOML: {error}") from error
    actions = {action.dest: action for action in parser._actions if action.dest not in ("help", "config")}
    for key, value in values.items():
        dest = key.replace("-", "_")
        if dest not in actions:
            raise UsageError(f"--config: unknown key {key!r}; valid keys are {sorted(actions)}")
        if dest in typed:
            continue
        convert = actions[dest].type
        if not callable(convert):  # argparse also takes a registered type name; the flags here use callables
            convert = None
        if convert is not None and isinstance(value, str):
            value = convert(value)
        elif convert is not None and isinstance(value, list):
            value = [convert(v) if isinstance(v, str) else v for v in value]
        setattr(args, dest, value)


DATASET_HELP = ("a benchmark data set from your own files instead of a scene: dsprites, shapes3d, mpi3d_toy, "
                "mpi3d_realistic, mpi3d_real, or folder (images + factors.csv); needs --data-path")


def add_dataset_options(parser: argparse.ArgumentParser) -> None:
    """--dataset NAME --data-path PATH: a data set from the user's files where a command takes a scene."""
    parser.add_argument("--dataset", metavar="NAME", help=DATASET_HELP)
    parser.add_argument("--data-path", type=Path, metavar="PATH",
                        help="the --dataset's file as published (for folder: the folder)")


def check_source(scene: str | None, dataset: str | None, data_path: Path | None, *, default_scene: str | None = None,
                 scene_flag: str = "a scene NAME") -> None:
    """Raise UsageError unless the flags name one scene or one data set with its path (`scene_flag`: how the
    command takes a scene), so a command can refuse them before loading a model or training."""
    if scene is not None and dataset is not None:
        raise UsageError(f"give {scene_flag} or --dataset, not both")
    if dataset is None and data_path is not None:
        raise UsageError("--data-path goes with --dataset NAME")
    if dataset is None and scene is None and default_scene is None:
        raise UsageError(f"give {scene_flag}, or --dataset NAME --data-path PATH")
    if dataset is not None and data_path is None:
        raise UsageError(f"--dataset {dataset} needs --data-path, the file you have (for folder: the folder)")


def load_source(scene: str | None, dataset: str | None, data_path: Path | None, *, default_scene: str | None = None,
                resolution: int | None = None, scene_flag: str = "a scene NAME", **options: Any) -> tuple[Any, str]:
    """The scene or the data set a command works on (flags checked by `check_source`), and its name for messages.

    A scene without a `resolution` is built at 64 px; a data set serves its images as stored unless
    `resolution` asks for fewer.
    """
    check_source(scene, dataset, data_path, default_scene=default_scene, scene_flag=scene_flag)
    if dataset is None:
        import crl.scenes

        name = scene if scene is not None else str(default_scene)
        return crl.scenes.load(name, resolution=64 if resolution is None else resolution, **options), name
    import crl.datasets

    return crl.datasets.load(dataset, Path(str(data_path)), resolution=resolution, **options), f"{dataset} ({data_path})"


def parse_do(items: list[str] | None) -> dict[str, Any]:
    """Parse ["light=100", "pendulum=shift:5", "shape=heart"] into {"light": 100.0, "pendulum": Shift(5.0),
    "shape": "heart"}: a value that is not a number stays text, a category name for the model to check."""
    do: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"--do expects NAME=VALUE or NAME=shift:DELTA; got {item!r}")
        if value.startswith("shift:"):
            try:
                do[name] = Shift(float(value[6:]))
            except ValueError as error:
                raise UsageError(f"--do {item!r}: shift {value[6:]!r} is not a number") from error
            continue
        try:
            do[name] = float(value)
        except ValueError:
            do[name] = value
    if not do:
        raise UsageError("give at least one --do NAME=VALUE")
    return do


def read_pngs(paths: list[Path]) -> np.ndarray:
    """Read PNG files into one uint8 array (N, H, W, 3); all must share a size."""
    import matplotlib.image as mpimg

    images = []
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no such image file {str(path)!r}")
        try:
            image = mpimg.imread(path)
        except (OSError, SyntaxError, ValueError) as error:  # PIL's errors for a file that is no image
            raise UsageError(f"{str(path)!r} is not a readable PNG image ({error})") from error
        if image.dtype != np.uint8:
            image = np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
        if image.ndim == 2:  # a grey PNG
            image = np.repeat(image[..., None], 3, axis=-1)
        images.append(image[..., :3])
    if len({im.shape for im in images}) > 1:
        raise UsageError(f"images must share one size; got {sorted({im.shape for im in images})}")
    return np.stack(images)


def write_pngs(images: np.ndarray, folder: Path, prefix: str) -> list[Path]:
    """Write each image as `prefix_<i>.png` in folder (atomically); return the paths."""
    import matplotlib.pyplot as plt

    from encoders.atomic import atomic_path

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = folder / f"{prefix}_{i:03d}.png"
        with atomic_path(path) as tmp:
            plt.imsave(tmp, image)
        paths.append(path)
    return paths
