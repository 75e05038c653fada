"""How much faster than the reference NOTEARS can ours get while both use scipy's L-BFGS-B?

Both run the published algorithm: every inner subproblem is solved by scipy's L-BFGS-B over the
2 d^2 split weights. Its internal step (`setulb`, compiled code) costs the same in both and is
not ours to speed up; only the objective and gradient are. This script times, for one ER2 graph
(n=2000, single-threaded), the whole run and the time spent inside L-BFGS-B's own step, for ours
and for the reference transcribed in benchmarks/discovery.py, and prints the ceiling: reference
CPU seconds / ours' L-BFGS-B seconds, the ratio ours would reach with an objective costing
nothing.

    python benchmarks/notears_ceiling.py --d 50
"""
from __future__ import annotations

import argparse
import time

from discovery import reference_notears
from scipy.optimize import _lbfgsb  # the compiled step scipy's L-BFGS-B calls
from threadpoolctl import threadpool_limits

from scm.discovery.notears import notears_weights
from scm.simulate import random_linear_sem as simulate


class StepTimer:
    """Wraps L-BFGS-B's compiled step to add up its CPU seconds and calls."""

    def __init__(self) -> None:
        self.seconds, self.calls, self._step = 0.0, 0, _lbfgsb.setulb

    def __enter__(self) -> StepTimer:
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return self._step(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start
                self.calls += 1

        _lbfgsb.setulb = timed
        return self

    def __exit__(self, *exc) -> None:
        _lbfgsb.setulb = self._step


def measure(run, values) -> tuple[float, StepTimer]:
    """CPU seconds of `run(values)` and the L-BFGS-B step timer."""
    with StepTimer() as timer:
        start = time.process_time()
        run(values)
        return time.process_time() - start, timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    _, data = simulate(args.d, args.n, args.seed)
    values = data.to_numpy()
    with threadpool_limits(1):  # single-threaded BLAS, as in benchmarks/discovery.py
        rows = {"ours": measure(notears_weights, values), "reference": measure(reference_notears, values)}
    print(f"NOTEARS, ER2 d={args.d}, n={args.n}, seed {args.seed}, one thread (CPU seconds)")
    for name, (total, step) in rows.items():
        print(f"{name:>9}: total {total:8.2f} s | L-BFGS-B step {step.seconds:7.2f} s in {step.calls} calls "
              f"({step.seconds / total:.0%}) | objective and the rest {total - step.seconds:7.2f} s")
    (ours, ours_step), (reference, _) = rows["ours"], rows["reference"]
    print(f"ratio reference / ours: {reference / ours:.2f}x; ceiling with a free objective "
          f"(reference / ours' L-BFGS-B step): {reference / ours_step.seconds:.2f}x")


if __name__ == "__main__":
    main()
