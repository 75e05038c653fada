"""The training data feed: images, pairs and encoded labels held on the device, and the random
batches one training step reads from them (see `encoders.data` for why there is no DataLoader).
"""
from __future__ import annotations

import numpy as np
import torch

from encoders.data import as_uint8_tensor, to_float
from encoders.fitting import draw
from encoders.objectives.base import Batch


class Feed:
    """Random batches for one training, all indices drawn from one seeded generator.

    Parameters
    ----------
    images : numpy.ndarray
        Checked uint8 images (N, H, W, C).
    pairs : (numpy.ndarray, numpy.ndarray) or None
        The pair images a weakly supervised objective trains on; when given, batches are pairs
        and `images` are read only for their labelled rows.
    labels : (numpy.ndarray, numpy.ndarray) or None
        Labelled image rows (int64) and their encoded values (float32 (n, k), NaN missing).
    batch_size : int
    generator : torch.Generator
        CPU generator for every batch index (its state is part of a checkpoint).
    device : torch.device
    """

    def __init__(self, images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None,
                 labels: tuple[np.ndarray, np.ndarray] | None, batch_size: int, generator: torch.Generator,
                 device: torch.device):
        self.batch_size, self.generator, self.device = batch_size, generator, device
        # pair objectives read the images for their labelled rows only
        self.images = as_uint8_tensor(images, device) if pairs is None or labels is not None else None
        self.pairs = None if pairs is None else (as_uint8_tensor(pairs[0], device), as_uint8_tensor(pairs[1], device))
        self.labels = None if labels is None else (torch.from_numpy(labels[0]).to(device),
                                                   torch.from_numpy(labels[1]).to(device))

    @property
    def labelled(self) -> bool:
        """Whether the training has labels (and so draws a labelled batch each step)."""
        return self.labels is not None

    def batch(self) -> Batch:
        """The next batch of images (or of pairs), float (B, C, H, W) in [0, 1]."""
        if self.pairs is not None:
            x1, x2 = draw(self.pairs, self.batch_size, self.generator, self.device)
            return Batch(x=to_float(x1), x2=to_float(x2))
        assert self.images is not None  # held whenever there are no pairs
        (x,) = draw((self.images,), self.batch_size, self.generator, self.device)
        return Batch(x=to_float(x))

    def labelled_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next batch of labelled images (float, as `batch`) and their encoded label values."""
        if self.labels is None or self.images is None:
            raise ValueError("this training has no labels")
        size = min(self.batch_size, self.labels[0].shape[0])
        rows, values = draw(self.labels, size, self.generator, self.device)
        return to_float(self.images[rows]), values
