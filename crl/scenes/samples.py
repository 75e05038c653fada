"""What a scene hands out: samples (images with their factors and noise) and weakly supervised pairs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Sample:
    """Images with the factor values that made them and the exogenous noise behind those values.

    The noise is what makes a sample answerable: `Scene.counterfactual` replays it under an
    intervention, so each counterfactual row is the same unit in another world.

    Attributes
    ----------
    images : numpy.ndarray
        uint8 images (N, H, W, 3), one per row of the tables.
    factors : pandas.DataFrame
        The factor values (one named column per factor; categorical ones as integer codes).
    noise : pandas.DataFrame
        The exogenous U(0, 1) variable of every factor, one column per factor.
    """

    images: np.ndarray
    factors: pd.DataFrame
    noise: pd.DataFrame

    def __len__(self) -> int:
        return len(self.images)


@dataclass
class Pairs:
    """Weakly supervised image pairs: each x2 is x1 with a few variables redrawn.

    A learner sees only `x1` and `x2`; the tables are the ground truth, kept for evaluation.

    Attributes
    ----------
    x1, x2 : numpy.ndarray
        uint8 images (N, H, W, 3): the first and second image of each pair.
    factors1, factors2 : pandas.DataFrame
        The factor values behind `x1` and `x2`.
    changed : pandas.DataFrame
        Booleans, one column per factor: which variables were resampled or intervened on in each pair.
    """

    x1: np.ndarray
    x2: np.ndarray
    factors1: pd.DataFrame
    factors2: pd.DataFrame
    changed: pd.DataFrame

    def __len__(self) -> int:
        return len(self.x1)

    def subset(self, rows: np.ndarray) -> Pairs:
        """The pairs at `rows`, renumbered from 0, with images and tables kept together.

        Parameters
        ----------
        rows : numpy.ndarray
            A boolean mask over the pairs, or integer positions.

        Returns
        -------
        Pairs
            The selected pairs.
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            if rows.shape != (len(self),):
                raise ValueError(f"rows: expected a boolean mask of shape ({len(self)},), got {rows.shape}")
            rows = np.flatnonzero(rows)
        return Pairs(self.x1[rows], self.x2[rows], *(t.iloc[rows].reset_index(drop=True)
                                                      for t in (self.factors1, self.factors2, self.changed)))
