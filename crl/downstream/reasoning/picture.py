"""A picture of puzzles as a reasoner answered them: the 3 x 3 panels (the missing one grey), then the 6
candidates, the correct one framed green and a wrong choice framed red (as the reference's `make_image`)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from crl.downstream.reasoning.puzzles import Puzzles
from crl.plots import save_figure

GREEN = np.array([52, 168, 83], dtype=np.uint8)
RED = np.array([234, 67, 53], dtype=np.uint8)
WHITE = np.array([255, 255, 255], dtype=np.uint8)
GREY = 160
BORDER = 2


def _framed(image: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """An RGB panel with a `BORDER` px frame of `colour`."""
    rgb = np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]
    out = np.empty((rgb.shape[0] + 2 * BORDER, rgb.shape[1] + 2 * BORDER, 3), dtype=np.uint8)
    out[:] = colour
    out[BORDER:-BORDER, BORDER:-BORDER] = rgb
    return out


def _tile(panels: list[np.ndarray], columns: int) -> np.ndarray:
    """Equal-sized RGB panels in rows of `columns`, white between them."""
    side = panels[0].shape[0]
    rows = -(-len(panels) // columns)
    out = np.full((rows * (side + BORDER), columns * (side + BORDER), 3), 255, dtype=np.uint8)
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        out[r * (side + BORDER):r * (side + BORDER) + side, c * (side + BORDER):c * (side + BORDER) + side] = panel
    return out


def puzzle_image(context: np.ndarray, candidates: np.ndarray, answer: int, chosen: int | None = None) -> np.ndarray:
    """One puzzle as an RGB image: the 3 x 3 matrix (its last panel grey), a gap, and the candidates in 2 rows of 3."""
    blank = np.full_like(context[0], GREY)
    matrix = _tile([_framed(p, WHITE) for p in [*context, blank]], 3)
    framed = [_framed(p, GREEN if i == answer else RED if i == chosen else WHITE) for i, p in enumerate(candidates)]
    answers = _tile(framed, 3)
    gap = np.full((matrix.shape[0], 3 * BORDER, 3), 255, dtype=np.uint8)
    padded = np.full((matrix.shape[0], answers.shape[1], 3), 255, dtype=np.uint8)
    top = (matrix.shape[0] - answers.shape[0]) // 2
    padded[top:top + answers.shape[0]] = answers
    return np.concatenate([matrix, gap, padded], axis=1)


def draw_puzzles(puzzles: Puzzles, chosen: np.ndarray, path: str | os.PathLike, count: int = 3) -> Path:
    """Up to `count` solved and `count` failed puzzles of `puzzles`, as `chosen` answered them, in one PNG.

    Parameters
    ----------
    puzzles : Puzzles
    chosen : numpy.ndarray
        (n,) the candidate picked per puzzle.
    path : str or PathLike
        Where to write the PNG.
    count : int
        Puzzles of each kind.

    Returns
    -------
    Path
    """
    chosen = np.asarray(chosen)
    if chosen.shape != puzzles.answer.shape:
        raise ValueError(f"chosen must hold one candidate per puzzle, shape {puzzles.answer.shape}; got {chosen.shape}")
    right = np.flatnonzero(chosen == puzzles.answer)[:count]
    wrong = np.flatnonzero(chosen != puzzles.answer)[:count]
    shown = np.concatenate([right, wrong])
    images = puzzles.subset(shown).images()
    fig = Figure(figsize=(6.5, 2.2 * max(len(shown), 1)))
    axes = fig.subplots(max(len(shown), 1), 1, squeeze=False)[:, 0]
    for k, i in enumerate(shown):
        axes[k].imshow(puzzle_image(images.context[k], images.candidates[k], int(puzzles.answer[i]), int(chosen[i])))
        names = [n for n, r in zip(puzzles.factor_names, puzzles.relations[i]) if r]
        verdict = "solved" if chosen[i] == puzzles.answer[i] else f"failed (chose {int(chosen[i])})"
        axes[k].set_title(f"{verdict}; answer {int(puzzles.answer[i])}; relations: {', '.join(names)}", fontsize=8)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return save_figure(fig, path)
