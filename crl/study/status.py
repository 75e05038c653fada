"""Where a study stands, read from its folder alone: trials planned, finished, failed and not yet run."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crl.study.results import read_results, read_study


@dataclass(frozen=True)
class StudyStatus:
    """A study's progress as its folder records it.

    Attributes
    ----------
    name : str
        The study's name.
    planned, ok, failed : int
        Trials in the study; with a row that says "ok"; with a row that says "failed" (after its retries).
    wall_time : float
        Seconds the finished trials took, added up (the trials ran side by side, so more than the time passed).
    failures : pandas.DataFrame
        trial_id, attempts and error of each failed trial.
    """

    name: str
    planned: int
    ok: int
    failed: int
    wall_time: float
    failures: pd.DataFrame

    @property
    def remaining(self) -> int:
        """Trials not yet finished: never run, interrupted, or failed (a rerun of the study retries these)."""
        return self.planned - self.ok

    def summary(self) -> str:
        """Lines for the terminal: counts, time, and one line per failed trial."""
        lines = [f"study {self.name}: {self.planned} trials: {self.ok} ok, {self.failed} failed, "
                 f"{self.planned - self.ok - self.failed} not run yet; {self.wall_time / 60:.1f} trial-minutes so far"]
        lines += [f"  failed {row.trial_id} after {row.attempts} attempt(s): {row.error}"
                  for row in self.failures.itertuples(index=False)]
        if self.remaining:
            lines.append("run the same `crl study run` command again to run the trials not finished")
        return "\n".join(lines)


def status(out: str | Path) -> StudyStatus:
    """The status of the study in folder `out` (see `StudyStatus`)."""
    study = read_study(out)
    table = read_results(out)
    ok = table["status"] == "ok"
    failed = table["status"] == "failed"
    wall = pd.to_numeric(table.loc[ok, "wall_time"], errors="coerce").sum()
    return StudyStatus(name=study["name"], planned=int(study["trials"]), ok=int(ok.sum()), failed=int(failed.sum()),
                       wall_time=float(wall), failures=table.loc[failed, ["trial_id", "attempts", "error"]])
