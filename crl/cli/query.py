"""`crl query`: interventional or counterfactual images from a saved model, as PNG files."""
from __future__ import annotations

import argparse
from pathlib import Path

from crl.cli.common import parse_do, read_pngs, write_pngs


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "query",
        help="intervene (no --images) or counterfactual (with --images) on a saved model",
        description="Answer do() queries with images. Without --images: n samples under do(). "
        "With --images: the counterfactual of each given PNG under do(). Values are in the concepts' label units "
        "(a categorical concept takes a category name, e.g. shape=heart).",
    )
    parser.add_argument("model", type=Path, help="folder written by `crl train` or CausalModel.save")
    parser.add_argument("--do", action="append", metavar="NAME=VALUE",
                        help="intervention; repeat for several (NAME=shift:DELTA for a shift)")
    parser.add_argument("--images", type=Path, nargs="+", help="PNG files to take counterfactuals of")
    parser.add_argument("--n", type=int, default=8, help="samples to draw for an interventional query (default 8)")
    parser.add_argument("--nuisance-from", type=Path, nargs="+", metavar="PNG",
                        help="interventional query: hold the nuisance latents (what no concept names) of these PNGs, "
                        "one sample per file (replaces --n)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strict", action="store_true", help="refuse values outside the range seen in training")
    parser.add_argument("--out", type=Path, default=Path("crl-query"),
                        help="folder for the output PNGs and latents.csv (default ./crl-query)")
    parser.add_argument("--device", default="auto")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import crl

    do = parse_do(args.do)
    if args.n <= 0:
        raise ValueError(f"--n must be positive; got {args.n}")
    if args.images and args.nuisance_from:
        raise ValueError("--nuisance-from is for interventional queries; a counterfactual keeps each --images file's own")
    images = read_pngs(args.images) if args.images else None
    held = read_pngs(args.nuisance_from) if args.nuisance_from else None
    model = crl.CausalModel.load(args.model, device=args.device)
    if images is None:
        n = args.n if held is None else len(held)
        result = model.intervene(do, n, seed=args.seed, strict=args.strict, nuisance_from=held)
        prefix = "intervened"
    else:
        result = model.counterfactual(images, do, strict=args.strict)
        prefix = "counterfactual"
    paths = write_pngs(result.images, args.out, prefix)
    from encoders.atomic import atomic_write_text

    atomic_write_text(args.out / "latents.csv", result.latents.to_csv(index=False))
    print(f"wrote {len(paths)} {prefix} images and latents.csv to {args.out}")
    return 0
