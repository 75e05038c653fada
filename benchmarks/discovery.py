"""Discovery benchmark: our methods beside their reference implementations.

Linear-Gaussian SEMs on Erdős–Rényi graphs with 2d expected edges, weights uniform in
±[0.5, 2], unit noise, n = 2000, on raw and on per-column standardised data. For each
method: SHD (DAG methods against the DAG, CPDAG methods against the true CPDAG), skeleton
F1, seconds, mean over seeds, and the data's varsortability. References: causal-learn
called directly (pc/ges/boss), the `dagma` package (benchmark-only, optional:
`pip install dagma`), and a numpy/scipy transcription of the authors' NOTEARS `linear.py`
(NOTEARS is not on PyPI) kept below as `reference_notears`. Also the Sachs network from
pgmpy's bundled example models (discrete; PC with the G^2 test), if pgmpy can load it.

    python benchmarks/discovery.py --d 10 20 --seeds 0 1 --methods pc notears dagma
    python benchmarks/discovery.py --d 50 --seeds 0 1 --csv a.csv   # and, in another process, --seeds 2 3 4 --csv b.csv
    python benchmarks/discovery.py --summarise a.csv b.csv

All runs single-threaded (BLAS and torch limited to one thread) for a fair comparison, each in a
forked child stopped after --timeout seconds (counted as unfinished, left out of the means); both
wall and process-CPU seconds are reported (CPU seconds are the fair figure on a shared machine).
"""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import networkx as nx
import numpy as np
import pandas as pd
import scipy.linalg as slin
import scipy.optimize as sopt

from scm.graph import from_causallearn
from scm.metrics import cpdag_shd, edge_metrics, shd
from scm.simulate import random_linear_sem as simulate
from scm.sortability import varsortability

CPDAG_METHODS = {"pc", "ges", "boss", "grasp"}


def reference_notears(x: np.ndarray, lambda1: float = 0.1, max_iter: int = 100, h_tol: float = 1e-8,
                      rho_max: float = 1e16, w_threshold: float = 0.3) -> np.ndarray:
    """The authors' linear NOTEARS (l2 loss) transcribed in numpy/scipy, as the baseline."""
    n, d = x.shape
    x = x - x.mean(axis=0, keepdims=True)

    def split(w):
        return (w[: d * d] - w[d * d:]).reshape(d, d)

    def h_and_grad(weights):
        e = slin.expm(weights * weights)
        return np.trace(e) - d, e.T * weights * 2

    def func(w, rho, alpha):
        weights = split(w)
        residual = x - x @ weights
        loss, g_loss = 0.5 / n * (residual ** 2).sum(), -1.0 / n * x.T @ residual
        h, g_h = h_and_grad(weights)
        g_smooth = g_loss + (rho * h + alpha) * g_h
        obj = loss + 0.5 * rho * h * h + alpha * h + lambda1 * w.sum()
        return obj, np.concatenate((g_smooth + lambda1, -g_smooth + lambda1), axis=None)

    w_est, rho, alpha, h = np.zeros(2 * d * d), 1.0, 0.0, np.inf
    bounds = [(0, 0) if i == j else (0, None) for _ in range(2) for i in range(d) for j in range(d)]
    for _ in range(max_iter):
        w_new, h_new = None, None
        while rho < rho_max:
            w_new = sopt.minimize(func, w_est, args=(rho, alpha), method="L-BFGS-B", jac=True, bounds=bounds).x
            h_new = h_and_grad(split(w_new))[0]
            if h_new > 0.25 * h:
                rho *= 10
            else:
                break
        w_est, h = w_new, h_new
        alpha += rho * h
        if h <= h_tol or rho >= rho_max:
            break
    weights = split(w_est)
    weights[np.abs(weights) < w_threshold] = 0
    return weights


def _graph_from_weights(weights: np.ndarray, names: list[str]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from((names[i], names[j]) for i, j in zip(*np.nonzero(weights)))
    return g


def _seeded(seed: int, function: Callable, *args, **kwargs):
    """Call `function` after seeding Python's `random`, as scm's BOSS wrapper does."""
    import random

    random.seed(seed)
    return function(*args, **kwargs)


def reference_runners() -> dict[str, Callable[[pd.DataFrame], nx.DiGraph]]:
    """Reference implementations by our method name (those installed)."""
    from causallearn.search.ConstraintBased.PC import pc as cl_pc
    from causallearn.search.PermutationBased.BOSS import boss as cl_boss
    from causallearn.search.ScoreBased.GES import ges as cl_ges

    names_of = lambda df: list(df.columns)  # noqa: E731
    runners = {
        "pc": lambda df: from_causallearn(cl_pc(df.to_numpy(), 0.05, "fisherz", True, show_progress=False,
                                                node_names=names_of(df)).G, names_of(df)),
        "ges": lambda df: from_causallearn(cl_ges(df.to_numpy(), node_names=names_of(df))["G"], names_of(df)),
        "boss": lambda df: from_causallearn(_seeded(0, cl_boss, df.to_numpy(), verbose=False,
                                                    node_names=names_of(df)), names_of(df)),
        "notears": lambda df: _graph_from_weights(reference_notears(df.to_numpy()), names_of(df)),
    }
    try:
        from dagma.linear import DagmaLinear
    except ImportError:
        print("# dagma package not installed: no DAGMA reference (pip install dagma)")
    else:
        import contextlib
        import io

        def run_dagma(df):
            with contextlib.redirect_stderr(io.StringIO()):
                return _graph_from_weights(DagmaLinear("l2").fit(df.to_numpy().copy(), lambda1=0.03), names_of(df))

        runners["dagma"] = run_dagma
    return runners


def score(method: str, truth: nx.DiGraph, est: nx.DiGraph) -> tuple[int, float]:
    """SHD (against the CPDAG for CPDAG methods) and skeleton F1."""
    distance = cpdag_shd(truth, est) if method in CPDAG_METHODS else shd(truth, est)
    return distance, edge_metrics(truth, est)["skeleton_f1"]


def run_sachs(methods: list[str]) -> None:
    """PC (G^2 test) and GES on data sampled from pgmpy's bundled Sachs network."""
    from scm.discovery.dispatch import discover

    try:
        from pgmpy.sampling import BayesianModelSampling
        from pgmpy.utils import get_example_model

        model = get_example_model("sachs")
    except Exception as err:  # the example may need the network in some pgmpy versions
        print(f"# Sachs skipped: {err}")
        return
    truth = nx.DiGraph(list(model.edges()))
    sample = BayesianModelSampling(model).forward_sample(size=2000, seed=0, show_progress=False)
    levels = {"LOW": 0.0, "AVG": 1.0, "HIGH": 2.0}  # Sachs' states are ordered levels
    codes = sample.apply(lambda col: col.map(levels) if set(col) <= set(levels)
                         else col.astype("category").cat.codes).astype(float)
    codes = codes[list(truth.nodes)]
    print("\n# Sachs (11 nodes, 17 edges, discrete, n=2000)")
    for method, opts in (("pc", {"indep_test": "gsq"}), ("boss", {}), ("notears", {"device": "cpu"})):
        if method not in methods:
            continue
        start = time.perf_counter()
        est = discover(codes, method, **opts)
        seconds = time.perf_counter() - start
        distance, f1 = score(method, truth, est)
        print(f"sachs {method:12s} SHD {distance:3d}  F1 {f1:.2f}  {seconds:.2f}s")


def run_one(run: Callable[[pd.DataFrame], nx.DiGraph], method: str, truth: nx.DiGraph, df: pd.DataFrame,
            timeout: float) -> dict:
    """Run one method in a forked single-threaded child; its SHD, F1, wall and CPU seconds, or a timeout."""
    import multiprocessing as mp

    def child(conn) -> None:
        start, start_cpu = time.perf_counter(), time.process_time()
        est = run(df)
        seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        distance, f1 = score(method, truth, est)
        conn.send(dict(shd=distance, f1=f1, seconds=seconds, cpu_seconds=cpu))

    receive, send = mp.get_context("fork").Pipe(duplex=False)
    process = mp.get_context("fork").Process(target=child, args=(send,), daemon=True)
    process.start()
    ready = receive.poll(timeout)
    result = receive.recv() if ready else dict(shd=np.nan, f1=np.nan, seconds=np.nan, cpu_seconds=np.nan, timeout=True)
    process.kill()
    process.join()
    return result


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds per (d, data, method), ours beside the reference, with the CPU-time ratio."""
    summary = table.groupby(["d", "data", "method", "impl"]).agg(
        shd=("shd", "mean"), f1=("f1", "mean"), seconds=("seconds", "mean"), cpu_seconds=("cpu_seconds", "mean"),
        runs=("seed", "size"), unfinished=("timeout", "sum"), varsortability=("varsortability", "mean"))
    wide = summary.unstack("impl")
    if "reference" in table["impl"].values:
        wide[("ratio", "cpu ref/ours")] = wide[("cpu_seconds", "reference")] / wide[("cpu_seconds", "ours")]
    return wide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--d", type=int, nargs="+", default=[10, 20, 50])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="graph seeds to run")
    parser.add_argument("--methods", nargs="+", default=["pc", "ges", "boss", "notears", "dagma", "sortnregress"])
    parser.add_argument("--no-reference", action="store_true", help="skip the reference implementations")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run before it counts as unfinished")
    parser.add_argument("--csv", help="append every run to this CSV file as it finishes (resumable record)")
    parser.add_argument("--summarise", nargs="+", metavar="CSV",
                        help="only print the summary of runs recorded in these CSV files (from several processes)")
    parser.add_argument("--sachs", action="store_true", help="also run on the Sachs network")
    args = parser.parse_args()
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    if args.summarise:
        table = pd.concat([pd.read_csv(path) for path in args.summarise], ignore_index=True)
        print(summarise(table).round(3).to_string())
        return

    import torch
    from threadpoolctl import threadpool_limits

    from scm.discovery.dispatch import METHODS, discover

    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {sorted(METHODS)}")
    torch.set_num_threads(1)
    with threadpool_limits(1):
        references = {} if args.no_reference else reference_runners()
        rows = []
        for d in args.d:
            for seed in args.seeds:
                truth, raw = simulate(d, args.n, seed)
                for scaling, df in (("raw", raw), ("std", (raw - raw.mean()) / raw.std())):
                    vs = varsortability(df, truth)
                    for method in args.methods:
                        for impl, run in (("ours", lambda frame, m=method: discover(frame, m, device="cpu")),
                                          ("reference", references.get(method))):
                            if run is None:
                                continue
                            result = run_one(run, method, truth, df, args.timeout)
                            rows.append(dict(d=d, seed=seed, data=scaling, method=method, impl=impl,
                                             varsortability=vs, timeout=False) | result)
                            if args.csv:
                                pd.DataFrame(rows[-1:]).to_csv(args.csv, mode="a", index=False,
                                                               header=not os.path.exists(args.csv))
                            shown = (f"over {args.timeout:.0f}s, stopped" if result.get("timeout") else
                                     f"SHD {result['shd']} F1 {result['f1']:.2f} {result['seconds']:.2f}s wall "
                                     f"{result['cpu_seconds']:.2f}s cpu")
                            print(f"d={d} seed={seed} {scaling} {method} {impl}: {shown}", flush=True)
        print(f"\n# mean over seeds (finished runs only; unfinished = runs stopped at {args.timeout:.0f}s)")
        print(summarise(pd.DataFrame(rows)).round(3).to_string())
        if args.sachs:
            run_sachs(args.methods)


if __name__ == "__main__":
    main()
