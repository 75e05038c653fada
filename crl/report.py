"""Write an evaluation report folder: report.md with the summary, the tables and linked figures.

Tables are rendered by a small formatter here (no `tabulate` dependency). Figures that live
outside the folder are copied into `figures/` so the folder is self-contained; every file
is written atomically.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from encoders.atomic import atomic_path, atomic_write_text

if TYPE_CHECKING:
    from crl.evaluation import EvaluationResult


def _cell(value: Any, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else format(float(value), floatfmt)
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """A GitHub-flavoured markdown table of `df` (index dropped, floats as `floatfmt`, NaN blank)."""
    header = "| " + " | ".join(_cell(c, floatfmt) for c in df.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v, floatfmt) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _place(figure: Path, folder: Path) -> Path:
    """The figure's path relative to `folder`, copying it into folder/figures when it lies outside."""
    figure = figure.resolve()
    try:
        return figure.relative_to(folder.resolve())
    except ValueError:
        target = folder / "figures" / figure.name
        with atomic_path(target) as tmp:
            shutil.copyfile(figure, tmp)
        return target.relative_to(folder)


def write_report(result: "EvaluationResult", folder: str | os.PathLike,
                 figures: Mapping[str, str | os.PathLike] | None = None,
                 extra: Mapping[str, Any] | None = None) -> Path:
    """Write `folder`/report.md: run details (`extra`), the evaluation tables and the `figures` (name -> PNG)."""
    folder = Path(folder)
    figures = dict(figures or {})
    absent = [f"{name}: {path}" for name, path in figures.items() if not Path(path).is_file()]
    if absent:
        raise ValueError(f"figures must name existing image files; missing: {absent}")
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# crl evaluation report", ""]
    if extra:
        lines += ["## Run", "", *(f"- **{k}**: {v}" for k, v in extra.items()), ""]
    lines += ["## Results", "", "Errors marked `_norm` are divided by the factor's observational std "
              "(categorical: mismatch rate); `se` is the sampling standard error of a mean difference.", "",
              result.to_markdown()]
    if figures:
        lines += ["## Figures", ""]
        for name, path in figures.items():
            link = _place(Path(path), folder).as_posix()
            lines += [f"### {name}", "", f"![{name}]({link})", ""]
    target = folder / "report.md"
    atomic_write_text(target, "\n".join(lines))
    return target
