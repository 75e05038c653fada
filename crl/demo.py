"""The end-to-end demo: a scene, an encoder, a graph, queries, counterfactual images, a report.

`run_demo` is what `crl demo` runs: it generates a scene's images, weakly-supervised pairs
and a few labels, fits a `CausalModel`, answers an interventional and a counterfactual
query, scores everything against the scene's ground truth and writes a report folder.
The default (`DemoSettings()`) is sized to finish in about five minutes on two CPU cores;
`quick=True` shrinks it to a smoke run for tests.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import networkx as nx


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of the demo run. Resolution 32 keeps the CPU budget; scenes allow any multiple of 16."""

    scene: str = "pendulum"
    resolution: int = 32
    n_images: int = 10_000
    n_pairs: int = 10_000
    n_labels: int = 100
    label_mode: str = "exact"
    latent_dim: int = 8
    mechanisms: str = "auto"
    steps: int = 600
    batch_size: int = 32
    lr: float = 1e-3  # 10x disentanglement_lib's 1e-4: the demo trains 600 steps, not 300,000
    n_eval: int = 500
    oracle_steps: int = 1_500
    seed: int = 0
    device: str = "auto"

    def quick(self) -> DemoSettings:
        """A smoke-test size: seconds, not minutes; its numbers mean little."""
        return replace(self, resolution=16, n_images=600, n_pairs=600, n_labels=60, steps=60, n_eval=60, oracle_steps=60,
                       mechanisms="linear")


def run_demo(out: str | Path, settings: DemoSettings = DemoSettings(), progress: bool = True) -> dict[str, Any]:
    """Run the demo, write the report folder `out`, and return the headline figures."""
    import crl
    from crl import plots
    from crl.evaluation.oracle import load_or_train
    from crl.scene_data import fit_on_scene, scene_training_data

    out = Path(out)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    scene = crl.scenes.load(settings.scene, resolution=settings.resolution)
    data = scene_training_data(
        scene, settings.n_images, settings.n_pairs, settings.n_labels, label_mode=settings.label_mode, seed=settings.seed
    )
    timings["generate"] = time.perf_counter() - start

    model = crl.CausalModel(
        latent_dim=settings.latent_dim,
        mechanisms=settings.mechanisms,
        steps=settings.steps,
        batch_size=settings.batch_size,
        lr=settings.lr,
        device=settings.device,
        seed=settings.seed,
        progress=progress,
    )
    fit_on_scene(model, data)
    timings["fit"] = time.perf_counter() - start - timings["generate"]

    oracle = load_or_train(scene, device=settings.device, steps=settings.oracle_steps, seed=settings.seed,
                           progress=progress)
    timings["oracle"] = time.perf_counter() - start - timings["generate"] - timings["fit"]
    do = demo_intervention(scene)
    intervened = model.intervene(do, 8, seed=settings.seed)
    figure = plots.image_grid(intervened.images, out / "figures" / "intervened.png", nrow=8)
    summary = {
        "true_edges": sorted(scene.graph.edges),
        "learned_edges": sorted(model.graph.edges),
        "graph_exact": set(scene.graph.edges) == set(model.graph.edges),
        "do": describe(do),
        "settings": asdict(settings),
    }
    result = crl.evaluate(
        model, scene, n=settings.n_eval, seed=settings.seed + 2000, do=[do], oracle=oracle, report_dir=out,
        report_extra=summary, report_figures={f"samples under do({describe(do)})": figure},
    )
    timings["total"] = time.perf_counter() - start
    summary = {**result.summary(), **summary, "seconds": {k: round(v, 1) for k, v in timings.items()}}
    return summary


def demo_intervention(scene) -> dict[str, float]:
    """do() on the factor with the most descendants, at the 75th percentile of its range (a stated, scene-agnostic rule)."""
    factor_by_name = {f.name: f for f in scene.factors}
    continuous = [n for n in scene.factor_names if factor_by_name[n].kind == "continuous"]
    target = max(continuous, key=lambda n: (len(nx.descendants(scene.graph, n)), -scene.factor_names.index(n)))
    factor = factor_by_name[target]
    return {target: float(factor.low + 0.75 * (factor.high - factor.low))}


def describe(do: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in do.items())

