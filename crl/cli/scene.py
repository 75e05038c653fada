"""`crl scene`: list the built-in scenes, and render samples, interventions and counterfactuals to PNG + CSV
(of a scene, or of a data set from the user's files with --dataset NAME --data-path PATH)."""
from __future__ import annotations

import argparse
import ast
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crl.cli.common import add_dataset_options, load_source, parse_do

GAP = 2  # white pixels between images in a grid


def image_grid(images: np.ndarray, columns: int) -> np.ndarray:
    """Tile uint8 images (N, H, W, C) into one picture with `columns` per row and white gaps."""
    n, height, width, channels = images.shape
    rows = math.ceil(n / columns)
    grid = np.full((rows * (height + GAP) + GAP, columns * (width + GAP) + GAP, channels), 255, np.uint8)
    for k, image in enumerate(images):
        top, left = GAP + (k // columns) * (height + GAP), GAP + (k % columns) * (width + GAP)
        grid[top : top + height, left : left + width] = image
    return grid


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """Parse --option ["name=value", ...] into scene options; values are Python literals or names."""
    parsed: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"--option expects NAME=VALUE, got {item!r}")
        parsed[name.strip()] = _parse_value(value.strip())
    return parsed


def _scene(args: argparse.Namespace):
    return load_source(args.name, args.dataset, args.data_path, resolution=args.resolution,
                       **parse_options(args.option))[0]


def _write(out: Path, images: np.ndarray, columns: int, factors: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    from encoders.atomic import atomic_path, atomic_write_text

    if images.shape[-1] == 1:  # single-channel data sets (dSprites): imsave takes grey as (H, W, 3)
        images = np.repeat(images, 3, axis=-1)
    with atomic_path(out / "grid.png") as tmp:
        plt.imsave(tmp, image_grid(images, columns))
    atomic_write_text(out / "factors.csv", factors.to_csv(index_label="row"))
    print(f"wrote {out / 'grid.png'} and {out / 'factors.csv'}")


def _interventions(args: argparse.Namespace) -> dict[str, Any]:
    return parse_do(args.do)  # the same --do syntax as `crl query`


def _list(args: argparse.Namespace) -> int:
    import crl.datasets
    import crl.scenes

    for name in crl.scenes.names():
        scene = crl.scenes.load(name)
        print(f"{name}: {', '.join(f'{a} -> {b}' for a, b in scene.graph.edges) or 'independent factors'}")
        for factor in scene.factors:
            values = (", ".join(factor.categories or ()) if factor.is_categorical
                      else f"{factor.low:g} .. {factor.high:g} {factor.unit}")
            print(f"  {factor.name:16s} {factor.kind:12s} {values}")
    print(f"data sets from your own files (--dataset NAME --data-path PATH): {', '.join(crl.datasets.names())}")
    return 0


def _render(args: argparse.Namespace) -> int:
    scene = _scene(args)
    sample = scene.sample(args.n, seed=args.seed)
    _write(Path(args.out), sample.images, math.ceil(math.sqrt(args.n)), sample.factors)
    return 0


def _intervene(args: argparse.Namespace) -> int:
    scene = _scene(args)
    sample = scene.intervene(_interventions(args), args.n, seed=args.seed)
    _write(Path(args.out), sample.images, math.ceil(math.sqrt(args.n)), sample.factors)
    return 0


def _counterfactual(args: argparse.Namespace) -> int:
    scene = _scene(args)
    interventions = _interventions(args)
    factual = scene.sample(args.n, seed=args.seed)
    counterfactual = scene.counterfactual(factual, interventions)
    table = pd.concat([factual.factors.assign(world="factual"), counterfactual.factors.assign(world="counterfactual")])
    _write(Path(args.out), np.concatenate([factual.images, counterfactual.images]), args.n, table)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `crl scene` and its subcommands (list, render, intervene, counterfactual)."""
    parser = subparsers.add_parser("scene", help="procedural scenes with a known causal model", description=__doc__)
    commands = parser.add_subparsers(dest="scene_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="scene names, their factors and causal graphs")
    listing.set_defaults(func=_list)
    for name, handler, default_n, help_text in (
        ("render", _render, 16, "a grid of observational samples + factors.csv"),
        ("intervene", _intervene, 16, "a grid of samples under do() + factors.csv"),
        ("counterfactual", _counterfactual, 8, "originals (top row) over their counterfactuals (bottom row) + factors.csv"),
    ):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("name", nargs="?", help="scene name (see `crl scene list`), or give --dataset")
        add_dataset_options(sub)
        sub.add_argument("--n", type=_positive, default=default_n, help=f"number of images (default {default_n})")
        sub.add_argument("--out", required=True, help="output folder")
        sub.add_argument("--resolution", type=int,
                         help="image side in pixels, a multiple of 16 (default 64; a data set's images as stored)")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.add_argument("--option", action="append", metavar="KEY=VALUE", help="scene option, e.g. noise_scale=0.1 (repeatable)")
        if name != "render":
            sub.add_argument("--do", action="append", metavar="NAME=VALUE",
                             help="intervention: NAME=VALUE, or NAME=shift:DELTA to shift (repeatable)")
        sub.set_defaults(func=handler)
