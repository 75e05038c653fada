"""`crl discover`: a causal graph from a CSV table or from a saved model's concepts."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "discover",
        help="discover a causal graph over a CSV's columns (or print a saved model's graph)",
        description="Run scm.discover on a CSV (one column per variable) and print the graph as DOT; "
        "with --model, print the graph a saved CausalModel discovered over its concepts.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", type=Path, help="table with one named column per variable")
    source.add_argument("--model", type=Path, help="folder of a saved CausalModel")
    parser.add_argument("--method", default="pc", help="discovery method (default pc; see scm.METHODS)")
    parser.add_argument("--alpha", type=float, help="significance level for CI-test methods")
    parser.add_argument("--out", type=Path, help="write the DOT graph here instead of printing it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    import scm
    from encoders.atomic import atomic_write_text

    if args.model is not None:
        import crl

        graph = crl.CausalModel.load(args.model, device="cpu").graph
    else:
        if not args.csv.is_file():
            raise FileNotFoundError(f"--csv: no such file {str(args.csv)!r}")
        options = {} if args.alpha is None else {"alpha": args.alpha}
        graph = scm.discover(pd.read_csv(args.csv), method=args.method, **options)
    dot = scm.graph.to_dot(graph)
    if args.out:
        atomic_write_text(args.out, dot)
        print(f"wrote {args.out}")
    else:
        print(dot)
    return 0
