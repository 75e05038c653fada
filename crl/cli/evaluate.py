"""`crl evaluate`: score a saved model against a scene's (or a data set's) ground truth and write a report."""
from __future__ import annotations

import argparse
from pathlib import Path

from crl.cli.common import add_dataset_options, check_source, load_source


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a saved model against a scene's ground truth",
        description="Graph SHD, concept alignment, interventional and counterfactual error of a saved CausalModel "
        "against the scene it should describe; writes report.md and figures.",
    )
    parser.add_argument("model", type=Path, help="folder of a saved CausalModel")
    parser.add_argument("--scene", help="scene whose factors the model's concepts name (or --dataset)")
    add_dataset_options(parser)
    parser.add_argument("--n", type=int, default=500, help="held-out samples (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--oracle-steps", type=int, default=1500,
                        help="training steps of the oracle that reads factors from images (cached; default 1500)")
    parser.add_argument("--out", type=Path, required=True, help="report folder")
    parser.add_argument("--device", default="auto")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import crl

    check_source(args.scene, args.dataset, args.data_path, scene_flag="--scene NAME")  # before loading the model
    model = crl.CausalModel.load(args.model, device=args.device)
    scene, label = load_source(args.scene, args.dataset, args.data_path, resolution=model.resolution, scene_flag="--scene NAME")
    result = crl.evaluate(model, scene, n=args.n, seed=args.seed, report_dir=args.out,
                          oracle_options={"device": args.device, "steps": args.oracle_steps},
                          report_extra={"model": str(args.model), "scene" if args.dataset is None else "dataset": label})
    for key, value in result.summary().items():
        print(f"{key}: {value}")
    print(f"report: {args.out / 'report.md'}")
    return 0
