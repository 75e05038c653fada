"""End a training with the networks of the step that read held-out labelled images best.

With a few labelled images, the label term shows each of them thousands of times over a long
training, and the encoder learns those images rather than their concepts. On a random scene of
crl's generality suite (tuning seed 0: 7 factors, 32 px, 80 labelled images trained on, 20 held
out) the held-out concept fit fell from 0.87-0.99 at 600 steps to 0.73-0.99 at 3,000 and
0.11-0.99 at 8,000, while the trained rows' stayed at 0.999. Given labelled rows the training
never sees (`validation`), their label loss is measured every `log_every` steps, and the training
ends with the networks of the lowest (early stopping with the best weights restored); the steps
after it still train nothing else, so the decoder refit that follows (`encoders.refine`) is where
more steps help.
"""
from __future__ import annotations

import torch

from encoders.checkpoint import Best, TrainingState
from encoders.data import as_uint8_tensor, to_float

KEPT = ("vae", "supervision")  # the networks a selection keeps (the objective's own are training aids)


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
        mean, _ = state.vae.encoder(to_float(self.images))
        concepts = state.objective.to_latent(mean.float())[:, :self.values.shape[1]]
        return float(state.supervision(concepts, self.values))

    def measure(self, state: TrainingState, step: int) -> None:
        """Measure at `step`; keep a copy of the networks when the loss is the lowest so far (ties: the earlier)."""
        loss = self.loss(state)
        if state.best is None or loss < state.best.loss:
            weights = {f"{name}.{key}": value.detach().clone()
                       for name in KEPT for key, value in state.modules[name].state_dict().items()}
            state.best = Best(step, loss, weights)


def restore_best(state: TrainingState) -> int | None:
    """Load the best step's networks into `state` (when one was kept) and return that step."""
    if state.best is None:
        return None
    for name in KEPT:
        prefix = f"{name}."
        state.modules[name].load_state_dict({key[len(prefix):]: value for key, value in state.best.weights.items()
                                             if key.startswith(prefix)})
    return state.best.step
