"""`crl train`: fit a CausalModel on a scene's generated data (or a data set from the user's files) and save it."""
from __future__ import annotations

import argparse
from pathlib import Path

from crl.cli.common import add_dataset_options, load_source

DEFAULT_SCENE = "pendulum"


def steps_value(text: str) -> int | str:
    """Parse --steps: a positive integer or "auto"."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'auto', got {text!r}")
    return value


def add_training_options(parser: argparse.ArgumentParser, *, n_images: int, n_pairs: int, n_labels: int,
                         steps: int | str) -> None:
    """The flags of `crl train`: the scene's (or data set's) data, the encoder, discovery and the held-out label check."""
    parser.add_argument("--scene", help=f"scene to generate data from (default {DEFAULT_SCENE}; see `crl scene list`)")
    add_dataset_options(parser)
    parser.add_argument("--resolution", type=int,
                        help="image size, a multiple of 16 (default 64 for a scene; a data set's images as stored)")
    parser.add_argument("--n-images", type=int, default=n_images, help=f"training images (default {n_images})")
    parser.add_argument("--n-pairs", type=int, default=n_pairs,
                        help=f"weakly-supervised pairs, one factor's noise resampled (default {n_pairs})")
    parser.add_argument("--n-labels", type=int, default=n_labels, help=f"labelled images (default {n_labels})")
    parser.add_argument("--label-mode", default="exact", choices=["exact", "binned", "noisy", "partial"])
    parser.add_argument("--label-holdout", type=float, default=0.2,
                        help="share of labelled images kept from training to measure each concept (default 0.2; 0: off)")
    parser.add_argument("--encoder", default="auto", help="encoder objective (default auto: ada-gvae with pairs)")
    parser.add_argument("--latent-dim", type=int, default=10)
    parser.add_argument("--steps", type=steps_value, default=steps,
                        help=f"encoder training steps, or auto: 20000 on a GPU, what fits 10 minutes on a CPU (default {steps})")
    parser.add_argument("--time-budget", type=float, metavar="SECONDS",
                        help="seconds for encoder training and decoder refit: train the steps that fit")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--discovery", default="auto", help="auto (pairs when given, else pc), pairs, or an scm.discover method")
    parser.add_argument("--mechanisms", default="auto", choices=["auto", "linear", "mlp"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto (cuda if present, else cpu), cpu, cuda")
    parser.add_argument("--checkpoint-dir", type=Path, help="save training checkpoints here and resume from them")
    parser.add_argument("--checkpoint-every", type=int, default=1000, help="steps between checkpoints (default 1000)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the training checkpointed in --checkpoint-dir (stopped by Ctrl-C, say)")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a CausalModel on a scene and save it",
        description="Generate a scene's images, pairs and labels, fit a CausalModel (encoder, concepts, graph, SCM) and save it.",
    )
    add_training_options(parser, n_images=20_000, n_pairs=10_000, n_labels=100, steps="auto")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder to save the model in: new, empty, or a model saved there before")
    parser.add_argument("--overwrite", action="store_true",
                        help="also replace another kind of saved model there (never a folder with other files)")
    parser.set_defaults(func=run)


def build_model(args: argparse.Namespace):
    """Scene (or data set), training data and an unfitted CausalModel from parsed flags."""
    import crl
    from crl.scene_data import scene_training_data

    scene, _ = load_source(args.scene, args.dataset, args.data_path, default_scene=DEFAULT_SCENE,
                           resolution=args.resolution, scene_flag="--scene NAME")
    data = scene_training_data(
        scene, args.n_images, args.n_pairs, args.n_labels, label_mode=args.label_mode, seed=args.seed
    )
    model = crl.CausalModel(
        encoder=args.encoder,
        latent_dim=args.latent_dim,
        discovery=args.discovery,
        mechanisms=args.mechanisms,
        steps=args.steps,
        time_budget=args.time_budget,
        batch_size=args.batch_size,
        device=args.device,
        seed=args.seed,
        label_holdout=args.label_holdout,
        checkpoint_dir=str(args.checkpoint_dir) if args.checkpoint_dir else None,
        checkpoint_every=args.checkpoint_every,
    )
    return scene, data, model


def run(args: argparse.Namespace) -> int:
    from crl.cli.common import UsageError
    from crl.model_io import check_save_path
    from crl.scene_data import fit_on_scene

    if args.resume and not args.checkpoint_dir:
        raise UsageError("--resume needs --checkpoint-dir, the folder the training checkpointed to")
    check_save_path(args.out, args.overwrite)  # before the training, not after it
    scene, data, model = build_model(args)
    fit_on_scene(model, data, resume=True if args.resume else "auto")
    model.save(args.out, overwrite=args.overwrite)
    edges = ", ".join(f"{u}->{v}" for u, v in model.graph.edges) or "none"
    source = args.dataset or args.scene or DEFAULT_SCENE
    print(f"trained on {source}: concepts {model.concept_names}; edges {edges}; saved to {args.out}")
    return 0
