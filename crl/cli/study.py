"""`crl study`: plan, run, follow and report a study (a grid of models trained and scored on Ray Tune).

`crl study plan NAME_OR_YAML` prints the trial count and a time estimate; `crl study run NAME_OR_YAML --out DIR`
runs it (again after a kill: finished trials are skipped); `crl study status DIR` says where it stands;
`crl study report DIR` writes DIR/report/report.md with the papers' figures. Shipped studies: smoke,
unsupervised, weak, semi (see docs/study.md).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from crl.cli.common import UsageError


def _cpus(args: argparse.Namespace) -> int | None:
    """--num-cpus, checked."""
    if args.num_cpus is not None and args.num_cpus < 1:
        raise UsageError(f"--num-cpus must be a positive integer, got {args.num_cpus}")
    return args.num_cpus


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `crl study` and its subcommands (plan, run, status, report)."""
    parser = subparsers.add_parser("study", help="grids of models trained and scored on Ray Tune", description=__doc__)
    commands = parser.add_subparsers(dest="study_command", metavar="SUBCOMMAND", required=True)
    study_help = "a shipped study (smoke, unsupervised, weak, semi) or a YAML file"
    planning = commands.add_parser("plan", help="count the trials and estimate the time here")
    planning.add_argument("study", metavar="NAME_OR_YAML", help=study_help)
    planning.add_argument("--num-cpus", type=int, help="CPUs the study may use here (default: all)")
    planning.set_defaults(func=_plan)
    running = commands.add_parser("run", help="train and score every trial not yet finished in --out")
    running.add_argument("study", metavar="NAME_OR_YAML", help=study_help)
    running.add_argument("--out", type=Path, required=True,
                         help="the study's folder: new, empty, or holding this study (its finished trials are skipped)")
    running.add_argument("--address", help="an existing Ray cluster (HOST:PORT, ray://HOST:PORT or auto); "
                                           "default: Ray started here")
    running.add_argument("--num-cpus", type=int, help="CPUs of the Ray started here (default: all)")
    running.set_defaults(func=_run)
    for name, handler, help_text in (("status", _status, "trials finished, failed and left in a study's folder"),
                                     ("report", _report, "write DIR/report/report.md and its figures")):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("out", metavar="DIR", type=Path, help="the study's folder (the --out of `crl study run`)")
        sub.set_defaults(func=handler)


def _plan(args: argparse.Namespace) -> int:
    from crl.study.plan import plan

    print(plan(args.study, num_cpus=_cpus(args)).summary())
    return 0


def _run(args: argparse.Namespace) -> int:
    from crl.study.runner import run
    from crl.study.status import status

    if args.address is not None and args.num_cpus is not None:
        raise UsageError("--num-cpus sizes the Ray started here; a cluster given with --address has its own")
    started = time.perf_counter()
    run(args.study, args.out, address=args.address, num_cpus=_cpus(args))
    state = status(args.out)
    print(f"{state.summary()}\nran for {(time.perf_counter() - started) / 60:.1f} minutes; "
          f"results in {args.out / 'results.parquet'}")
    return 0 if state.remaining == 0 else 1


def _status(args: argparse.Namespace) -> int:
    from crl.study.status import status

    print(status(args.out).summary())
    return 0


def _report(args: argparse.Namespace) -> int:
    from crl.study.report import write_report

    print(f"wrote {write_report(args.out)}")
    return 0
