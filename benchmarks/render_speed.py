"""Render speed of the built-in scenes: our batched renderer against per-image baselines, same run, one core.

Run with `OMP_NUM_THREADS=1 python benchmarks/render_speed.py [--n 4096] [--resolution 64]`.
Baselines: the same drawing code called one image at a time ("per-image loop"), and for the
pendulum a matplotlib renderer drawing the scene the way the CausalVAE generator does.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

import crl.scenes  # noqa: E402
from crl.scenes import flow, pendulum, sprites  # noqa: E402

RENDERERS = {"pendulum": pendulum._render, "flow": flow._render, "sprites": sprites._render, "causal_sprites": sprites._render}


def _rate(function, count: int, repeats: int = 3) -> float:
    """Images per second of the best of `repeats` timed calls (the machine may be shared), after one warm-up call."""
    function()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return count / best


def per_image_loop(name: str, values: dict[str, np.ndarray], resolution: int) -> np.ndarray:
    """The same drawing code, called once per image."""
    render = RENDERERS[name]
    n = len(next(iter(values.values())))
    return np.stack([render({k: v[i : i + 1] for k, v in values.items()}, resolution)[0] for i in range(n)])


def matplotlib_pendulum(values: dict[str, np.ndarray], resolution: int) -> np.ndarray:
    """The pendulum drawn with matplotlib patches on an Agg canvas, one figure per image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Rectangle

    images = []
    columns = (values["pendulum"], values["light"], values["shadow_length"], values["shadow_position"])
    for pend, light, length, position in zip(*columns):
        figure = Figure(figsize=(1, 1), dpi=resolution)
        canvas = FigureCanvasAgg(figure)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(*pendulum.WORLD)
        axes.set_ylim(*pendulum.WORLD)
        axes.axis("off")
        theta = np.deg2rad(pend)
        bx, by = 10 + 8 * np.sin(theta), 10.5 - 8 * np.cos(theta)
        sun_x = float(pendulum.project(np.array(10.0), np.array(10.5), np.array(light), base=20.5))
        axes.add_patch(Circle((sun_x, 20.5), 3, color="orange"))
        axes.plot([10, bx], [10.5, by], color="black", linewidth=3)
        axes.add_patch(Circle((bx, by), 1.5, color="firebrick"))
        axes.add_patch(Rectangle((position - length / 2, -0.9), length, 0.8, color="black"))
        canvas.draw()
        images.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return np.stack(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=4096, help="images per scene for our renderer (default 4096)")
    parser.add_argument("--baseline-n", type=int, default=200, help="images per baseline (default 200)")
    parser.add_argument("--resolution", type=int, default=64)
    args = parser.parse_args()
    print(f"{'scene':15s} {'ours img/s':>11s}  {'baseline':22s} {'img/s':>8s} {'ratio':>7s}")
    for name in ["pendulum", "sprites", "causal_sprites", "flow"]:
        scene = crl.scenes.load(name, resolution=args.resolution)
        factors = scene.sample(args.n, seed=0).factors
        ours = _rate(lambda scene=scene, factors=factors: scene.render(factors), args.n)
        values = {k: factors[k].to_numpy(dtype=np.float64)[: args.baseline_n] for k in factors}
        baselines = {"per-image loop": per_image_loop}
        if name == "pendulum":
            baselines["matplotlib (reference)"] = matplotlib_pendulum
        for label, baseline in baselines.items():
            count = args.baseline_n if label == "per-image loop" else max(1, args.baseline_n // 8)
            subset = {k: v[:count] for k, v in values.items()}
            if label == "per-image loop":
                rate = _rate(lambda f=baseline, name=name, subset=subset: f(name, subset, args.resolution), count)
            else:
                rate = _rate(lambda f=baseline, subset=subset: f(subset, args.resolution), count, repeats=1)
            print(f"{name:15s} {ours:11.0f}  {label:22s} {rate:8.0f} {ours / rate:7.1f}x")
    for name in ["multi_sprites", "tetrominoes"]:  # object scenes (2-6 objects): whole samples, masks and tables included
        scene = crl.scenes.load(name, resolution=args.resolution)
        ours = _rate(lambda scene=scene: scene.sample(args.n, seed=0), args.n)
        objects = scene.sample(args.baseline_n, seed=0).objects
        each = [rows.assign(image=0) for _, rows in objects.groupby("image")]
        rate = _rate(lambda scene=scene, each=each: [scene.render(rows, n=1) for rows in each], len(each))
        print(f"{name:15s} {ours:11.0f}  {'per-image loop':22s} {rate:8.0f} {ours / rate:7.1f}x")


if __name__ == "__main__":
    main()
