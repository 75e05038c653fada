"""Puzzle designs over integer factor classes: the generator of van Steenkiste et al. (NeurIPS 2019).

disentanglement_lib's `evaluation/abstract_reasoning/pgm_utils.py` defines it; these are its definitions
written over numpy arrays. A puzzle is a 3 x 3 matrix of panels, a panel a vector of factor classes:

- its design picks r factors, the relations; each is constant along every row (its own class per row),
  and the puzzle asks for all r at once (an AND of constant-row relations);
- every other factor is random, drawn again until its first two rows are neither both constant nor both
  all-distinct, so that no other relation shows in the rows a solver reads;
- the bottom-right panel is the answer; 5 alternatives join it as 6 candidates at a random position.

Alternatives (each must break a relation, i.e. differ from the answer on a relation's factor):

- ``easy``: the bottom-right panel of a puzzle of a fresh design. A fresh design's bottom-right panel is
  uniform over every factor's classes (a relation's row value is uniform, and so is the third row of a
  random factor, which its rejection never looks at), so it is drawn as such;
- ``hard``: the previous alternative (first the answer) with one relation's factor redrawn and every other
  factor redrawn: only the relations tell it from the answer.

Only factors with at least 3 classes carry relations (the reference requires as many classes as columns);
factors with 2 classes stay random. Alternatives are distinct from each other: the reference meant them
to be, but its check (a ``continue`` inside an inner loop) never rejects one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ROWS = COLS = 3
CANDIDATES = 6
STRATEGIES = ("easy", "hard")
MIN_CLASSES = COLS
"""A factor carries a relation only with at least as many classes as a row has panels (the reference's rule)."""
TRIES = 100
"""Draws of an alternative before giving up (the reference's count)."""
RANDOM_TRIES = 1000
"""Draws of a random factor's matrix before giving up (the reference's count)."""


@dataclass(frozen=True)
class Designs:
    """n puzzles as arrays: ``matrix`` (n, 3, 3, F) solved panels, ``candidates`` (n, 6, F),
    ``answer`` (n,) the correct candidate's index, ``relations`` (n, F) which factors carry a relation."""

    matrix: np.ndarray
    candidates: np.ndarray
    answer: np.ndarray
    relations: np.ndarray


def consistent(matrix: np.ndarray, relations: np.ndarray) -> bool:
    """Whether every relation factor of a (3, 3, F) matrix is constant along each row."""
    values = matrix[:, :, relations]
    return bool(np.all(values == values[:, :1]))


def _random_factor(count: int, rng: np.random.Generator) -> np.ndarray:
    """A (3, 3) matrix of classes whose first two rows show no relation (not both constant, not both distinct)."""
    for _ in range(RANDOM_TRIES):
        matrix = rng.integers(0, count, size=(ROWS, COLS))
        head = matrix[:-1]
        constant = all(len(np.unique(row)) == 1 for row in head)
        distinct = all(len(np.unique(row)) == COLS for row in head)
        if not constant and not distinct:
            return matrix
    raise ValueError(f"could not draw a random factor over {count} classes whose rows show no relation")


def _matrix(counts: np.ndarray, relations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The solved (3, 3, F) matrix of a design: relation factors constant per row, the others random."""
    matrix = np.zeros((ROWS, COLS, len(counts)), dtype=np.int64)
    for f, count in enumerate(counts):
        if relations[f]:
            matrix[:, :, f] = rng.integers(0, count, size=(ROWS, 1))
        else:
            matrix[:, :, f] = _random_factor(int(count), rng)
    return matrix


def _alternatives(counts: np.ndarray, matrix: np.ndarray, relations: np.ndarray, strategy: str,
                  rng: np.random.Generator) -> list[np.ndarray]:
    """The 5 distinct wrong answers of one puzzle, by `strategy`."""
    answer, chosen = matrix[-1, -1], list[np.ndarray]()
    active = np.flatnonzero(relations)
    previous = answer
    for _ in range(CANDIDATES - 1):
        for _ in range(TRIES):
            if strategy == "easy":
                panel = rng.integers(0, counts)
            else:
                panel = previous.copy()
                f = active[rng.integers(len(active))]
                panel[f] = rng.integers(counts[f])
                panel[~relations] = rng.integers(0, counts[~relations])
                previous = panel
            if np.array_equal(panel[relations], answer[relations]) or any(np.array_equal(panel, c) for c in chosen):
                continue
            chosen.append(panel)
            break
        else:
            raise ValueError(f"could not draw {CANDIDATES - 1} distinct {strategy} alternatives over factor classes "
                             f"{counts.tolist()}; factors need more classes")
    return chosen


def sample_designs(counts: Sequence[int], n: int, relations: tuple[int, int], strategy: str, seed: int) -> Designs:
    """n puzzles over factors with `counts` classes each (see the module docstring).

    Parameters
    ----------
    counts : sequence of int
        Classes per factor, each >= 2; at least relations[1] of them >= 3.
    n : int
        Puzzles.
    relations : (int, int)
        The fewest and most relations; each puzzle draws its count uniformly in between (the reference's
        "mixed" puzzles are (1, 3); "easy_2" is (2, 2)).
    strategy : {"easy", "hard"}
        How alternatives are drawn.
    seed : int
        Seeds every draw.

    Returns
    -------
    Designs
    """
    sizes = np.asarray(counts, dtype=np.int64)
    eligible = np.flatnonzero(sizes >= MIN_CLASSES)
    rng = np.random.default_rng(seed)
    out = Designs(np.zeros((n, ROWS, COLS, len(sizes)), np.int64), np.zeros((n, CANDIDATES, len(sizes)), np.int64),
                  rng.integers(0, CANDIDATES, size=n), np.zeros((n, len(sizes)), dtype=bool))
    for i in range(n):
        r = int(rng.integers(relations[0], relations[1] + 1))
        out.relations[i, rng.choice(eligible, size=r, replace=False)] = True
        out.matrix[i] = _matrix(sizes, out.relations[i], rng)
        wrong = _alternatives(sizes, out.matrix[i], out.relations[i], strategy, rng)
        wrong.insert(int(out.answer[i]), out.matrix[i, -1, -1])
        out.candidates[i] = np.stack(wrong)
    return out
