"""`crl query`: interventional or counterfactual images from a saved model, as PNG files."""
from __future__ import annotations

import argparse
from pathlib import Path

from crl.cli._common import parse_do, read_pngs, write_pngs


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "query",
        help="intervene (no --images) or counterfactual (with --images) on a saved model",
        description="Answer do() queries with images. Without --images: n samples under do(). "
        "With --images: the counterfactual of each given PNG under do(). Values are in the concepts' label units.",
    )
    parser.add_argument("model", type=Path, help="folder written by `crl train` or CausalModel.save")
    parser.add_argument("--do", action="append", metavar="NAME=VALUE", help="intervention; repeat for several (NAME=shift:DELTA for a shift)")
    parser.add_argument("--images", type=Path, nargs="+", help="PNG files to take counterfactuals of")
    parser.add_argument("--n", type=int, default=8, help="samples to draw for an interventional query (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strict", action="store_true", help="refuse values outside the range seen in training")
    parser.add_argument("--out", type=Path, default=Path("crl-query"), help="folder for the output PNGs and latents.csv (default ./crl-query)")
    parser.add_argument("--device", default="auto")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import crl

    do = parse_do(args.do)
    if args.n <= 0:
        raise ValueError(f"--n must be positive; got {args.n}")
    images = read_pngs(args.images) if args.images else None
    model = crl.CausalModel.load(args.model, device=args.device)
    if images is None:
        result = model.intervene(do, args.n, seed=args.seed, strict=args.strict)
        prefix = "intervened"
    else:
        result = model.counterfactual(images, do, strict=args.strict)
        prefix = "counterfactual"
    paths = write_pngs(result.images, args.out, prefix)
    from encoders.atomic import atomic_write_text

    atomic_write_text(args.out / "latents.csv", result.latents.to_csv(index=False))
    print(f"wrote {len(paths)} {prefix} images and latents.csv to {args.out}")
    return 0
