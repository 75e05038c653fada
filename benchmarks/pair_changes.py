"""How well does the pair route call which concepts changed in each pair? Checked against the scene's truth.

The pair route (`scm.discover_from_pairs`) reads ancestry from which concept readings change together
within a pair. Its change calls (`scm.pairs.changes.detect_changes`) assume every concept is read with
errors of similar relative size and that a concept's unchanged pairs differ only by that noise. This
benchmark fits `crl.CausalModel` on a random scene at the generality suite's cpu settings (or loads a
model saved from such a fit), reads both images of every pair, and compares the calls with the pairs'
true factor changes: per concept, the share of truly unchanged pairs called changed (false calls), the
share of true changes called (hits), the readings' error on unlabelled images, and the |delta| quantiles
of unchanged pairs in concept stds (leaks from other factors show up as a heavy tail).

    PYTHONPATH=. python benchmarks/pair_changes.py --scene 3 --threads 2         # fit, then score (~3 min)
    PYTHONPATH=. python benchmarks/pair_changes.py --scene 3 --model FOLDER      # a model saved from that fit
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import crl
from crl.scene_data import fit_on_scene, scene_training_data
from scm.pairs.changes import detect_changes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generality import Settings, graph_kind, model_settings  # noqa: E402


def change_calls(before: pd.DataFrame, after: pd.DataFrame, moved_before: pd.DataFrame, moved_after: pd.DataFrame,
                 readings: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """One row per column of `before`: true and called change rates, false calls, hits, reading error and the
    |delta| quantiles of unchanged pairs.

    Parameters
    ----------
    before, after : DataFrame
        The concept readings of the pairs' two images (what the pair route sees).
    moved_before, moved_after : DataFrame
        The pairs' true factors, to tell which concepts truly changed.
    readings, truth : DataFrame
        Readings and true values of other images (not labelled ones), for each concept's reading error.
    """
    names = list(before.columns)
    calls = detect_changes(before.to_numpy(), after.to_numpy())
    spread = np.concatenate([before, after]).std(axis=0)
    rows = []
    for k, name in enumerate(names):
        moved = np.abs(moved_after[name].to_numpy() - moved_before[name].to_numpy()) > 1e-9
        delta = np.abs(after[name] - before[name]).to_numpy() / spread[k]
        q50, q90, q99 = np.quantile(delta[~moved], [0.5, 0.9, 0.99]) if (~moved).any() else (np.nan,) * 3
        error = np.abs(readings[name].to_numpy() - truth[name].to_numpy()).mean() / truth[name].std()
        rows.append({"concept": name, "true_rate": moved.mean(), "called_rate": calls.changed[:, k].mean(),
                     "false_calls": calls.changed[~moved, k].mean() if (~moved).any() else np.nan,
                     "hits": calls.changed[moved, k].mean() if moved.any() else np.nan,
                     "cut_std": calls.threshold[k] / spread[k], "reading_error_std": error,
                     "unchanged_q50": q50, "unchanged_q90": q90, "unchanged_q99": q99})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scene", type=int, default=3, help="random scene seed (default: tuning seed 3)")
    parser.add_argument("--model", type=Path, help="a CausalModel saved from the same fit (skips fitting)")
    parser.add_argument("--save", type=Path, help="save the fitted model here")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = Settings()
    scene = crl.scenes.load("random", seed=args.scene, resolution=settings.resolution, graph=graph_kind(args.scene))
    data = scene_training_data(scene, settings.n_images, settings.n_pairs, settings.n_labels, seed=settings.seed)
    if args.model:
        model = crl.CausalModel.load(args.model)
    else:
        model = crl.CausalModel(**model_settings(settings, len(scene.factors)), seed=settings.seed, progress=False)
        fit_on_scene(model, data)
        if args.save:
            model.save(args.save)
    names = [name for name in model.concept_names if name in data.sample.factors]
    unlabelled = np.setdiff1d(np.arange(len(data.sample.images)), data.labels.index.to_numpy())
    table = change_calls(model.encode(data.pairs.x1)[names], model.encode(data.pairs.x2)[names],
                         data.pairs.factors1, data.pairs.factors2,
                         model.encode(data.sample.images[unlabelled])[names].reset_index(drop=True),
                         data.sample.factors[names].iloc[unlabelled].reset_index(drop=True))
    print(f"scene {args.scene}: true edges {sorted(scene.graph.edges)}; model's {sorted(model.graph.edges)}")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
