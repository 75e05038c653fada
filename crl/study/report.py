"""`crl study report DIR`: the papers' figures of a study, as Markdown and PNGs in DIR/report/.

Figures (Locatello et al. 2019, 2020 argued from these): the Spearman rank correlation between all scores;
violins of each score per objective and data set; each score against regularisation strength; the share of
score variance the data, objective, hyperparameters and seed explain; model selection by unsupervised and
few-label scores against the true best; and each downstream task against the disentanglement scores (when
the study measured them), with abstract reasoning's accuracy at few and many steps and its curve on their own.
Every figure's numbers are printed next to it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from crl.evaluation.report import markdown_table
from crl.study import figures
from crl.study.analysis import cross_correlation, variance_shares
from crl.study.analysis import selection_table as make_selection_table
from crl.study.results import read_results, read_study
from crl.study.scores import columns_of
from crl.study.status import status
from encoders.atomic import atomic_write_text

REPORT = "report"
MIN_TRIALS = 2


def write_report(out: str | Path) -> Path:
    """Write DIR/report/report.md and its PNGs from DIR/results.parquet; the path of report.md.

    Parameters
    ----------
    out : str or Path
        A study's folder (`crl.study.run` wrote it).

    Returns
    -------
    Path
    """
    folder = Path(out)
    study = read_study(folder)
    table = read_results(folder)
    done = table[table["status"] == "ok"].reset_index(drop=True)
    target = folder / REPORT
    target.mkdir(parents=True, exist_ok=True)
    lines = [f"# Study {study['name']}", "", status(folder).summary().replace("\n", "  \n"), ""]
    if len(done) < MIN_TRIALS:
        lines.append(f"The figures need at least {MIN_TRIALS} finished trials; this study has {len(done)} so far.")
    else:
        lines += _sections(done, target)
    failed = table[table["status"] == "failed"]
    if len(failed):
        lines += ["## Failed trials", "", markdown_table(failed[["trial_id", "attempts", "error"]]), ""]
    path = target / "report.md"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def _figure(lines: list[str], heading: str, text: str, path: Path | None) -> None:
    """Add a section with its figure (a relative link, so the folder reads the same on GitHub and in a browser)."""
    if path is None:
        return
    lines += [f"## {heading}", "", text, "", f"![{heading}]({path.name})", ""]


def _sections(done: pd.DataFrame, target: Path) -> list[str]:
    """The report's figures and tables from the finished trials."""
    columns = list(done.columns)
    truths = columns_of(columns, "disentanglement")
    rules = columns_of(columns, "selection") + columns_of(columns, "unsupervised")
    downstream = columns_of(columns, "downstream")
    lines = ["## Scores per objective", "", "Median over hyperparameters and seeds.", "",
             markdown_table(done.groupby(["data", "objective"], sort=False)[truths + rules].median().reset_index()), ""]
    everything = truths + rules + downstream
    _figure(lines, "Rank correlation between scores",
            "Spearman's rho between every two scores over all models: do the metrics agree on which models are "
            "disentangled, and do the scores that need no labels track them?",
            figures.correlation_matrix(done, everything, target / "rank_correlation.png"))
    _figure(lines, "Scores per objective and data set",
            "Each violin spreads over the hyperparameters and seeds of one objective.",
            figures.violins(done, truths, target / "violins.png"))
    _figure(lines, "Scores against regularisation strength",
            "Dots are seeds, lines the median per value of the objective's most varied option.",
            figures.regularisation(done, truths, target / "regularisation.png"))
    shares = pd.DataFrame([variance_shares(done, c) for c in everything], index=everything)
    _figure(lines, "Where score variance comes from",
            "Nested sums of squares: the data set, then the objective, then its hyperparameters; the seed is the rest.",
            figures.variance_bars(done, everything, target / "variance.png"))
    lines += [markdown_table(shares.rename_axis("score").reset_index(), ".2f"), ""]
    selection = make_selection_table(done, rules, truths)
    _figure(lines, "Model selection against the true best",
            "Per data set, each rule picks one model (losses minimised, validation scores maximised); bars are means "
            "over data sets of the picked model's score, next to the best and the median model.",
            figures.selection_bars(selection, target / "selection.png"))
    if not selection.empty:
        regret = selection.groupby(["rule", "truth"], sort=False)["regret"].mean().unstack("truth")
        lines += ["Mean regret (best minus selected) per rule and score:", "",
                  markdown_table(regret.reset_index(), ".3f"), ""]
    if downstream:
        _figure(lines, "Downstream tasks against disentanglement",
                "Each downstream score against each disentanglement score, with Spearman's rho.",
                figures.against(done, downstream, truths, target / "downstream.png", "Downstream against disentanglement"))
    reasoning = [c for c in downstream if c.startswith("reasoning.")]
    if reasoning and truths:
        lines += _reasoning(done, reasoning, truths, target)
    return lines


def _reasoning(done: pd.DataFrame, reasoning: list[str], truths: list[str], target: Path) -> list[str]:
    """van Steenkiste et al.'s main figure: WReN's accuracy after few and many steps against each disentanglement
    score (scatter and Spearman's rho), and the accuracy curve per objective."""
    lines: list[str] = []
    _figure(lines, "Abstract reasoning against disentanglement",
            "Test accuracy of WReN on PGM-style puzzles after few and after many training steps against each "
            "disentanglement score, with Spearman's rho: do more disentangled representations learn faster?",
            figures.against(done, reasoning, truths, target / "reasoning.png", "Abstract reasoning against disentanglement"))
    rho = cross_correlation(done, reasoning, truths).rename_axis("reasoning").reset_index()
    lines += ["Spearman's rho:", "", markdown_table(rho, ".2f"), ""]
    _figure(lines, "Reasoning accuracy along training", "Median test accuracy per objective (chance is 1/6).",
            figures.curves(done, "reasoning.accuracy@", target / "reasoning_curves.png", "test accuracy"))
    return lines
