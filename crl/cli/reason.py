"""`crl reason`: train a reasoning network (WReN) on a saved model's representation of PGM-style puzzles from a
scene or data set, and write a short report: test accuracy after few and many steps, its curve, and a picture
of solved and failed puzzles."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crl.cli.common import UsageError, add_dataset_options, check_source, load_source

BASELINES = ("factors", "onehot", "pixels")
SMALL = {"edge_mlp": (256, 256), "graph_mlp": (256,)}
"""WReN's widths with --size small: a step on one CPU core takes ~0.06 s instead of ~1 s at the reference's."""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reason",
        help="train and score an abstract-reasoning network on a model's representation",
        description="Draw Raven-style 3x3 puzzles from a scene's (or data set's) factors, train WReN on a saved model's "
        "embeddings of the panels (van Steenkiste et al. 2019) and report test accuracy along training; "
        "writes report.md and puzzles.png.",
    )
    parser.add_argument("--model", required=True,
                        help=f"folder of a saved CausalModel or encoder, or one of {', '.join(BASELINES)} (baselines)")
    parser.add_argument("--scene", help="scene whose factors make the puzzles (or --dataset)")
    add_dataset_options(parser)
    parser.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
    parser.add_argument("--few", type=int, default=500, help="the 'few steps' accuracy is read here (default 500)")
    parser.add_argument("--eval-every", type=int, default=250, help="steps between test evaluations (default 250)")
    parser.add_argument("--n-train", type=int, default=10_000, help="training puzzles (default 10000)")
    parser.add_argument("--n-test", type=int, default=1_000, help="test puzzles (default 1000)")
    parser.add_argument("--reasoner", default="wren", choices=["wren", "mlp"])
    parser.add_argument("--strategy", default="easy", choices=["easy", "hard"], help="how wrong answers are drawn")
    parser.add_argument("--size", choices=["reference", "small"],
                        help="WReN widths: the reference's (edge 4x512, graph 2x256) or small (2x256, 256); "
                        "default reference on a GPU, small on a CPU")
    parser.add_argument("--sampled", action="store_true", help="embed with posterior samples instead of means")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto (cuda if present, else cpu), cpu, cuda")
    parser.add_argument("--out", type=Path, required=True, help="report folder")
    parser.set_defaults(func=run)


def _representation(model: str, device: str) -> tuple[Any, int | None]:
    """The representation --model names, and the resolution its images must have (None: any)."""
    if model in BASELINES:
        return model, None
    folder = Path(model)
    if not folder.is_dir():
        raise UsageError(f"--model: no such folder {model!r} (or give one of {', '.join(BASELINES)})")
    if (folder / "model.json").is_file():
        import crl

        encoder = crl.CausalModel.load(folder, device=device).encoder_
    else:
        import encoders

        encoder = encoders.load(folder, device=device)
    return encoder, encoder.resolution


def run(args: argparse.Namespace) -> int:
    from crl.downstream.reasoning import draw_puzzles, train_reasoner
    from crl.evaluation.report import markdown_table
    from encoders.atomic import atomic_write_text
    from encoders.device import resolve_device

    check_source(args.scene, args.dataset, args.data_path, scene_flag="--scene NAME")
    device = resolve_device(args.device)
    represent, resolution = _representation(args.model, args.device)
    data, label = load_source(args.scene, args.dataset, args.data_path, resolution=resolution, scene_flag="--scene NAME")
    size = args.size or ("reference" if device.type == "cuda" else "small")
    options: dict[str, Any] = dict(SMALL) if size == "small" else {}
    options.update(model=args.reasoner, steps=args.steps, few=args.few, eval_every=args.eval_every,
                   n_train=args.n_train, n_test=args.n_test, strategy=args.strategy, sampled=args.sampled)
    result = train_reasoner(represent, data, seed=args.seed, device=str(device), **options)
    args.out.mkdir(parents=True, exist_ok=True)
    draw_puzzles(result.test, result.chosen, args.out / "puzzles.png")
    scores = result.scores()
    lines = [f"# Abstract reasoning: {args.model} on {label}", "",
             f"{args.reasoner} ({size} widths), {args.strategy} puzzles with 1 to 3 relations, {args.steps} steps "
             f"of batch 32 on {device.type}, seed {args.seed}. Chance is 1/6.", "",
             f"- accuracy after {args.few} steps: {scores['accuracy:few']:.3f}",
             f"- accuracy after {args.steps} steps: {scores['accuracy:many']:.3f}", "",
             "## Test accuracy along training", "", markdown_table(result.curve, ".3f"), "",
             "## Solved and failed puzzles", "",
             "Each row: the 3x3 matrix (its missing panel grey), then the 6 candidates; green frames the correct "
             "one, red the wrong one the network chose.", "", "![puzzles](puzzles.png)", ""]
    atomic_write_text(args.out / "report.md", "\n".join(lines))
    print(f"accuracy after {args.few} steps: {scores['accuracy:few']:.3f}")
    print(f"accuracy after {args.steps} steps: {scores['accuracy:many']:.3f}")
    print(f"report: {args.out / 'report.md'}")
    return 0
