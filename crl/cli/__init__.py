"""The `crl` command line: one subcommand per module in this package.

Each subcommand module exposes `register(subparsers)`, which adds its parser and sets
`func(args) -> int` as the default handler. Errors a user can fix (bad flags, missing
files, bad values) surface as one line on stderr and a non-zero exit code.
"""
from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from pathlib import Path

import crl
from crl.cli.common import UsageError
from crl.exceptions import ModelFileError

SUBCOMMANDS = ["demo", "train", "discover", "query", "evaluate", "scene", "study", "reason"]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """--config FILE.toml on every subcommand; `main` applies it (see common.apply_config)."""
    parser.add_argument(
        "--config", type=Path,
        help="TOML file whose keys are this command's long flags (dashes or underscores); flags given on the line win"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crl",
        description="Causal representation learning: scenes, encoders, causal graphs and counterfactual images.",
    )
    parser.add_argument("--version", action="version", version=f"crl {crl.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        import_module(f"crl.cli.{name}").register(subparsers)
    for subparser in subparsers.choices.values():
        add_config_option(subparser)
        subparser.set_defaults(parser=subparser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if getattr(args, "config", None):
            from crl.cli.common import apply_config

            apply_config(args, args.parser, argv)
        return int(args.func(args) or 0)
    except (UsageError, ModelFileError, ValueError, FileNotFoundError, KeyError) as error:  # ModelFileError: a damaged folder
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"crl {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into a reader that stopped early (`crl scene list | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt as stop:  # Ctrl-C: training checkpoints first and says how to resume (encoders.interrupt)
        from encoders.interrupt import TrainingInterrupted

        how = stop.describe("run the same command with --resume to continue") if isinstance(stop, TrainingInterrupted) else ""
        print(f"crl {args.command}: interrupted{': ' if how else ''}{how}", file=sys.stderr)
        return 130
