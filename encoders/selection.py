"""End a training with the networks of the step that read held-out labelled images best.

With a few labelled images, the label term shows each of them thousands of times over a long
training, and the encoder learns those images rather than their concepts. On a random scene of
crl's generality suite (tuning seed 0: 7 factors, 32 px, 80 labelled images trained on, 20 held
out) the held-out concept fit fell from 0.87-0.99 at 600 steps to 0.73-0.99 at 3,000 and
0.11-0.99 at 8,000, while the trained rows' stayed at 0.999. Given labelled rows the training
never sees (`validation`), their label loss is measured every `log_every` steps, and the training
ends with the networks of the lowest (early stopping with the best weights restored), when that
step reads the held-out rows better than the last one clearly: a one-sided Wilcoxon signed-rank
test of their per-row losses at `SELECTION_ALPHA`. Otherwise the last step's networks stay: over
a short training the lowest of a few noisy measurements on 20 images is often an earlier step
by chance (causal_sprites at 600 steps lost graph edges that way). The steps after the kept one
still train nothing else, so the decoder refit that follows (`encoders.refine`) is where more
steps help.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import wilcoxon

from encoders.checkpoint import Best, TrainingState
from encoders.data import as_uint8_tensor, to_float

KEPT = ("vae", "supervision")  # the networks a selection keeps (the objective's own are training aids)
# An earlier step replaces the last one only when its held-out rows' losses are lower at this level (one-sided,
# paired): the usual 5%, so that a chance minimum among a few noisy measurements does not undo training.
SELECTION_ALPHA = 0.05


class Selection:
    """The held-out labelled images and their encoded values, measured against a training's networks."""

    def __init__(self, images: torch.Tensor, values: torch.Tensor):
        self.images, self.values = images, values

    @classmethod
    def of(cls, images, rows, values, device: torch.device) -> Selection:
        """From the training images (uint8 numpy), the held-out rows and their encoded values (numpy)."""
        return cls(as_uint8_tensor(images[rows], device), torch.as_tensor(values, device=device))

    @torch.no_grad()
    def loss(self, state: TrainingState) -> float:
        """The label loss of the held-out images' posterior means under the current networks."""
        return float(state.supervision(self._concepts(state), self.values))

    @torch.no_grad()
    def row_losses(self, state: TrainingState) -> np.ndarray:
        """Each held-out image's label loss under the current networks."""
        return state.supervision.per_row(self._concepts(state), self.values).cpu().numpy()

    def _concepts(self, state: TrainingState) -> torch.Tensor:
        mean, _ = state.vae.encoder(to_float(self.images))
        return state.objective.to_latent(mean.float())[:, :self.values.shape[1]]

    def measure(self, state: TrainingState, step: int) -> None:
        """Measure at `step`; keep a copy of the networks when the loss is the lowest so far (ties: the earlier)."""
        loss = self.loss(state)
        if state.best is None or loss < state.best.loss:
            state.best = Best(step, loss, _weights(state))


def _weights(state: TrainingState) -> dict[str, torch.Tensor]:
    return {f"{name}.{key}": value.detach().clone()
            for name in KEPT for key, value in state.modules[name].state_dict().items()}


def _load(state: TrainingState, weights: dict[str, torch.Tensor]) -> None:
    for name in KEPT:
        prefix = f"{name}."
        state.modules[name].load_state_dict({key[len(prefix):]: value for key, value in weights.items()
                                             if key.startswith(prefix)})


def restore_best(state: TrainingState, selection: Selection) -> int | None:
    """Load the best step's networks into `state` when they read the held-out rows clearly better than the last
    step's (module docstring), and return the step whose networks `state` holds (None when nothing was measured)."""
    if state.best is None:
        return None
    last_step = state.log.step
    if state.best.step == last_step:
        return last_step
    last, last_weights = selection.row_losses(state), _weights(state)
    _load(state, state.best.weights)
    best = selection.row_losses(state)
    if np.any(best != last) and wilcoxon(best, last, alternative="less").pvalue < SELECTION_ALPHA:
        return state.best.step
    _load(state, last_weights)
    return last_step
