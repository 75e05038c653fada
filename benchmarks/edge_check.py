"""How often does the label edge check (`scm.edge_check`) call a TRUE edge unsupported?

On the true factors of random scenes (never the tuning or held-out seeds of benchmarks/generality.py),
each true edge i -> j is tested given j's true other parents on 100 rows, as `crl.label_edges` tests
discovered edges on 100 labels. The share with p > `EDGE_CHECK_ALPHA` is the rate at which the check
would remove a true edge from a graph that is otherwise right; printed for each design alone and for
the Bonferroni combination the library uses, overall and by the child's number of parents.

    PYTHONPATH=. python benchmarks/edge_check.py            # seeds 2000-2059, three draws each (~1 min)
"""
from __future__ import annotations

import argparse
from unittest import mock

import pandas as pd

import crl
from scm import edge_check
from scm.thresholds import EDGE_CHECK_ALPHA


def p_values(seeds: range, draws: int, rows: int) -> pd.DataFrame:
    """One row per true edge and draw: the p-value of each design alone and of the library's combination."""
    found = []
    for seed in seeds:
        scene = crl.scenes.load("random", seed=seed, resolution=32, graph="er" if seed % 2 == 0 else "scale-free")
        for draw in range(draws):
            table = scene.sample(rows, seed=draw + 7).factors
            for i, j in scene.graph.edges:
                others = [p for p in scene.graph.predecessors(j) if p != i]
                row = {"parents": len(others) + 1, "library": edge_check.edge_test(table, j, i, others).p_value}
                for kind in edge_check.DESIGNS:
                    with mock.patch.object(edge_check, "DESIGNS", (kind,)):
                        row[kind] = edge_check.edge_test(table, j, i, others).p_value
                found.append(row)
    return pd.DataFrame(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first-seed", type=int, default=2000)
    parser.add_argument("--scenes", type=int, default=60)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100)
    args = parser.parse_args()
    table = p_values(range(args.first_seed, args.first_seed + args.scenes), args.draws, args.rows)
    unsupported = (table.drop(columns="parents") > EDGE_CHECK_ALPHA)
    print(f"{len(table)} true edges tested on {args.rows} rows; share called unsupported (p > {EDGE_CHECK_ALPHA}):")
    print(unsupported.mean().round(3).to_string())
    print("\nby the child's number of parents:")
    print(unsupported.groupby(table["parents"]).mean().round(3).to_string())


if __name__ == "__main__":
    main()
