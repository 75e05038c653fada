"""CausalModel quality per scene: graph recovered, concept alignment, counterfactual read-back, time.

For each scene: images, noise-shift pairs (k=1) and 100 exact labels; fit a CausalModel with
the demo's settings (crl.demo.DemoSettings) and print the learned vs true edges, SHD, concept
MCC, and for a counterfactual do() on the factor with the most descendants: how far the
encoder reads the intervened concept from the asked value, and how much non-descendants
moved. `causal_sprites` runs on graphs the defaults were not chosen on (--sprites-graph; g1:
x -> scale -> orientation <- y, g2: scale -> x -> y <- orientation, g3: y -> x -> scale,
x -> orientation <- shape; g4, drawn at random after the rest was measured: x -> y <- shape <-
orientation; nonlinear mechanisms). `shd among measured concepts` leaves out the pairs with a
concept the model declared unreadable, on which it claims nothing.

    python benchmarks/causal_model.py --scenes pendulum flow causal_sprites --sprites-graph g2
    python benchmarks/causal_model.py --scenes flow --never-varied hole
    python benchmarks/causal_model.py --scenes causal_sprites --resolution 64 --steps 2000
    python benchmarks/causal_model.py --scenes causal_sprites --sprites-graph g1 --labels 1000 --seed 4

`--never-varied FACTOR` keeps only the pairs that leave that factor's noise as it was, so its
concept's own variation never shows. Seed 0: pendulum without light SHD 3 (light's edges found;
the pendulum and its shadows then always change together and the pairs order them backwards);
flow without hole SHD 1 (hole -> flow from PC, plus PC's hole -> water_height), 0 with
`label_holdout=0`, as the encoder then trains on all 100 labels; seeds 1 and 2 give 2, hole not
being called unseen (1 on seed 1 with `label_holdout=0`).

Measured on 2 CPU cores (demo settings, 80 of the 100 labels supervising and 20 held out for
`concept_fit`; seeds 0-4 for causal_sprites, 0-2 for the others): pendulum and flow SHD 0 on every
seed, every concept's held-out fit 0.84-0.999. causal_sprites SHD g1 0/1/0/0/4, g2 2/1/1/2/1,
g3 3/5/3/2/3 (28 in all; 29 before the read-through check, 45 before the shapes were given equal
areas, the held-out check and the 3% effect floor); among measured concepts g1 0/1/0/0/2, g2
1/0/0/1/0, g3 1/3/1/0/1. At 32 pixels and 600 steps the encoder does not read two of its factors: shape
(held-out kappa -0.24 to 0.41) is unmeasured on every run, and orientation on 10 of 15: where it
is a root or a child of shape (g2, g3: -1.23 to 0.42, but 0.59 on g2 seed 0; a square looks the
same every quarter turn, an ellipse every half turn) and on g1 seed 4 (0.35). In g1 on seeds 0-3,
where the encoder reads it through its parents (0.69-0.82), the graph is exact on 3. 16 of the 29
wrong edges are edges of unmeasured concepts, which the model lists and does not claim; most of
the rest are a parent's ancestor taken for a direct parent (x -> orientation) and the direction of
scale -> x, where x's own noise is small next to what it inherits.

g4, seeds 0-4: SHD 1/2/1/2/2, among measured concepts 0/1/0/0/0 (x -> y missed on seed 1).
Orientation is unmeasured on every seed, so orientation -> shape is never claimed; shape is
measured on seeds 0-2 (kappa 0.55-0.65: it shifts y, and the encoder reads it through that) and
shape -> y is found there.

More labels help where a concept is seen through its parents. With 1,000 labels (800 supervising),
g1 is exact on all five seeds (orientation fit 0.84-0.88, scale 0.95-0.99), in about 80 s a run on
one core. On g2 they lift orientation, a root whose angle a square or an ellipse hides, over the
0.5 threshold (0.66-0.71), but the encoder reads it partly from where its child y sits given x:
seeds 0-4 gave SHD 0/2/3/2/3, with a spurious x -> orientation on seeds 1-4 in place of x -> y.
The read-through check (`model_notes_of(graph).read_through`, crl.concepts.read_through) now finds
orientation there on every seed (29-38% of its readings' variance follows y beyond its own label)
and leaves it out: SHD 1/1/1/1/1, 0 among measured concepts, the 1 being orientation -> y, which
no claim can be made about. At 100 labels it finds it on g2 seed 0 (3 -> 2), and nothing on
pendulum and flow (seeds 0-2), g1 or g4 (seeds 0-4), whose graphs are as before. On g4 with 1,000
labels it also finds shape, read through y (11-17%), so its true edge shape -> y goes too: seeds
0-2 SHD 2/2/2, 0 among measured concepts (seed 0 was 1 before). 400 labels gave g2 seed 0 SHD 1,
g3 seed 0 SHD 3 (1 among measured concepts; 3 with 1,000 too). Shape stayed unmeasured at 1,000
labels (kappa under 0.16) except on g4, where it shifts y.

More pixels or steps do not make shape readable within a CPU budget: 64 pixels and 2,000 steps
(11 min a run) gave g1 seed 4 SHD 0 (orientation fit 0.52) and g2 seed 0 SHD 2 (orientation 0.35),
and 20,000 steps at 32 pixels g2 seed 0 SHD 3; shape's kappa stayed under 0.3 in all three. At the
demo's 600 steps, 64 pixels (220 s a run) is worse than 32 on g1: seeds 0-4 SHD 3/0/3/1/3, as the
larger encoder underfits (x's held-out fit 0.74-0.79 on four seeds, orientation unmeasured on three). The
80 labels are too few to teach it: a plain CNN classifier trained on 80 labelled 32-pixel sprites
reads shape at chance (34% on 1,000 test images), 38% from 400 and 81% from 2,000.

The figures above are those of 7011a2e, the commit before the encoder's step selection (3aa2945, `encoders.selection`:
training ends with the step whose held-out label loss is lowest). Re-measured on 2026-12-07 at 5a63600 (seeds 0-4, demo
settings, one process at a time beside other work):

| SHD (among measured concepts) | g1 | g2 | g3 | g4 | all |
|---|---|---|---|---|---|
| 7011a2e | 0/1/0/0/4 (0/1/0/0/2) | 2/1/1/2/1 (1/0/0/1/0) | 3/5/3/2/3 (1/3/1/0/1) | 1/2/1/2/2 (0/1/0/0/0) | 36 (12) |
| 5a63600 | 0/1/0/0/2 (0/1/0/0/0) | 2/4/2/2/2 (1/3/1/1/1) | 3/4/3/3/4 (0/2/1/1/2) | 2/2/1/3/3 (0/0/0/3/1) | 43 (18) |
| last step kept | 0/1/0/0/2 (0/1/0/0/0) | 2/1/1/1/1 (1/0/0/0/0) | 2/5/3/2/2 (0/3/1/0/0) | 1/2/1/2/3 (0/1/0/0/1) | 32 (8) |
| the clear-gain rule | 0/1/0/0/2 (0/1/0/0/0) | 2/4/1/2/1 (1/3/0/1/0) | 3/5/3/2/2 (0/3/1/0/0) | 1/2/1/2/3 (0/1/0/0/1) | 37 (12) |

"last step kept": 5a63600 with the selection off. "the clear-gain rule": the current code, where an earlier step
replaces the last only when its held-out rows' losses are lower by a one-sided Wilcoxon signed-rank test at 5%
(`encoders.selection`). Pendulum and flow: SHD 0 on seeds 0-2 at 7011a2e, at 5a63600 and with the rule (not run with
the selection off). `git bisect` on g2 seed 1 (SHD 1 -> 4) names 3aa2945. At the demo's 600 steps the selection kept
step 300 there (held-out label loss 1.74 against 2.05 at step 600, measured every 100 steps: 1.86, 1.75, 1.74, 1.89,
1.77, 2.05), and the test finds that gain clear, so g2 seed 1 stays at 4. Elsewhere the rule keeps the last step where
the selection had picked an earlier one by chance: 37 wrong edges (12 among measured concepts), against 43 (18) with
the plain minimum and 36 (12) recorded before it. At 3,000 steps (the generality suite) it keeps the steps the
selection kept: tuning seeds 0 and 3, steps 1,100 and 1,400, the same graphs and counterfactual errors.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import networkx as nx
import numpy as np

import crl
from crl.demo import DemoSettings, demo_intervention
from crl.evaluation.evaluate import graph_table
from crl.metrics import mcc
from crl.notes import model_notes_of
from crl.scene_data import fit_on_scene, scene_training_data
from scm.metrics import shd

SPRITES_GRAPHS = {
    "g1": [("x", "scale"), ("scale", "orientation"), ("y", "orientation")],
    "g2": [("scale", "x"), ("x", "y"), ("orientation", "y")],
    "g3": [("y", "x"), ("shape", "orientation"), ("x", "orientation"), ("x", "scale")],
    "g4": [("x", "y"), ("orientation", "shape"), ("shape", "y")],  # 3 edges drawn at random (numpy seed 20261128)
}


def load_scene(name: str, resolution: int, sprites_graph: str = "g1"):
    if name == "causal_sprites":
        graph = nx.DiGraph(SPRITES_GRAPHS[sprites_graph])
        return crl.scenes.load(name, resolution=resolution, graph=graph, mechanism="nonlinear")
    return crl.scenes.load(name, resolution=resolution)


def shd_measured(true: nx.DiGraph, learned: nx.DiGraph) -> int:
    """SHD over the pairs of concepts the model measured: the edges it claimed or ruled out."""
    table = graph_table(true, learned, list(true.nodes))
    return int(table.set_index("metric").loc["shd_measured", "value"])


def run(name: str, settings: DemoSettings, sprites_graph: str = "g1", never_varied: str | None = None) -> dict:
    scene = load_scene(name, settings.resolution, sprites_graph)
    data = scene_training_data(scene, settings.n_images, settings.n_pairs, settings.n_labels, seed=settings.seed)
    if never_varied is not None:  # keep only the pairs that did not resample this factor
        keep = ~data.pairs.changed[never_varied].to_numpy()
        data = replace(data, pairs=data.pairs.subset(keep))
    model = crl.CausalModel(latent_dim=settings.latent_dim, steps=settings.steps, lr=settings.lr, batch_size=settings.batch_size,
                            mechanisms=settings.mechanisms, seed=settings.seed, progress=False)
    start = time.perf_counter()
    fit_on_scene(model, data)
    seconds = time.perf_counter() - start
    test = scene.sample(500, seed=settings.seed + 99)
    latents = model.encode(test.images)
    continuous = [f.name for f in scene.factors if f.kind == "continuous"]
    do = demo_intervention(scene)
    (target, value), = do.items()
    cf = model.counterfactual(test.images[:200], do)
    read = model.encode(cf.images)
    before = latents.iloc[:200]
    keep = [n for n in continuous if n != target and n not in nx.descendants(scene.graph, target)]
    scale = test.factors[target].std()
    notes = model_notes_of(model.graph)
    return {
        "scene": name,
        "seconds": round(seconds, 1),
        "true": sorted(scene.graph.edges),
        "learned": sorted(model.graph.edges),
        "shd": shd(scene.graph, model.graph),
        "shd among measured concepts": shd_measured(scene.graph, model.graph),
        "mcc": round(mcc(latents[continuous], test.factors[continuous]), 3),
        "concept fit on held-out labels (R^2 on absolute errors / kappa)": notes.concept_fit,
        "unmeasured": notes.unmeasured,
        "read through others": notes.read_through,
        "concept read-back (share of an asked change carried)": notes.readback,
        f"cf read-back |{target}-{value:.3g}| / std": round(float(np.mean(np.abs(read[target] - value)) / scale), 3),
        "cf non-descendant drift / std": {
            n: round(float(np.mean(np.abs(read[n].to_numpy() - before[n].to_numpy())) / test.factors[n].std()), 3)
            for n in keep
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", nargs="+", default=["pendulum", "flow", "causal_sprites"])
    parser.add_argument("--steps", type=int)
    parser.add_argument("--resolution", type=int, help="image side in pixels (default: the demo's)")
    parser.add_argument("--labels", type=int, help="labelled images (default: the demo's 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sprites-graph", choices=sorted(SPRITES_GRAPHS), default="g1")
    parser.add_argument("--never-varied", metavar="FACTOR",
                        help="keep only the pairs that leave this factor's noise as it was")
    args = parser.parse_args()
    settings = DemoSettings(seed=args.seed)
    if args.steps:
        settings = replace(settings, steps=args.steps)
    if args.resolution:
        settings = replace(settings, resolution=args.resolution)
    if args.labels:
        settings = replace(settings, n_labels=args.labels)
    for name in args.scenes:
        for key, value in run(name, settings, args.sprites_graph, args.never_varied).items():
            print(f"{key}: {value}")
        print()


if __name__ == "__main__":
    main()
