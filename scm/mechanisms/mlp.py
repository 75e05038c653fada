"""Additive-noise mechanism with an MLP: x = f(parents) + eps, f trained in torch with early stopping."""
from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from scm.device import choose_device
from scm.mechanisms.base import AdditiveNoiseMechanism


class MLPMechanism(AdditiveNoiseMechanism):
    """f is an MLP (ReLU, `hidden` widths) fitted by Adam on mean squared error over standardised data.

    Training stops when the held-out loss (a `val_fraction` split) has not improved for
    `patience` epochs, or after `max_epochs` epochs or `max_steps` gradient steps, whichever
    comes first (the step budget bounds the cost on large tables); the best weights are kept.
    If it is still improving when a budget runs out, a RuntimeWarning names the node and
    suggests raising `max_epochs` / `max_steps` or `lr`.
    Defaults: hidden=(64, 64), lr=3e-3, batch_size=256, max_epochs=500, max_steps=4000, patience=20,
    val_fraction=0.2.
    """

    def __init__(self, noise: str = "empirical", hidden: tuple[int, ...] = (64, 64), lr: float = 3e-3,
                 batch_size: int = 256, max_epochs: int = 500, max_steps: int = 4000, patience: int = 20,
                 val_fraction: float = 0.2,
                 device: str = "auto", name: str = "node") -> None:
        super().__init__(noise=noise)
        if not 0.0 < val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in (0, 1); got {val_fraction!r}")
        if any(int(h) < 1 for h in hidden):
            raise ValueError(f"hidden must be positive layer widths; got {hidden!r}")
        for label, value in (("lr", lr), ("batch_size", batch_size), ("max_epochs", max_epochs),
                             ("max_steps", max_steps), ("patience", patience)):
            if value <= 0:
                raise ValueError(f"{label} must be positive; got {value!r}")
        self.hidden, self.lr, self.batch_size = tuple(hidden), lr, batch_size
        self.max_epochs, self.max_steps = max_epochs, max_steps
        self.patience, self.val_fraction = patience, val_fraction
        self.device, self.name = device, name

    def _fit_function(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        device = choose_device(self.device)
        self.x_mean_, self.x_std_ = X.mean(axis=0), _safe_std(X)
        self.y_mean_, self.y_std_ = float(y.mean()), float(_safe_std(y[:, None])[0])
        Xs = torch.as_tensor((X - self.x_mean_) / self.x_std_, dtype=torch.float32, device=device)
        ys = torch.as_tensor((y - self.y_mean_) / self.y_std_, dtype=torch.float32, device=device)[:, None]
        order = rng.permutation(len(y))
        n_val = max(1, int(round(self.val_fraction * len(y))))
        val, train = torch.as_tensor(order[:n_val], device=device), order[n_val:]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(rng.integers(2**31)))
            net = _mlp(X.shape[1], self.hidden)
        net = net.to(device)
        optimiser = torch.optim.Adam(net.parameters(), lr=self.lr)
        best, best_epoch = float("inf"), 0
        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        epochs = max(1, min(self.max_epochs, self.max_steps // max(1, -(-len(train) // self.batch_size))))
        for epoch in range(epochs):
            net.train()
            shuffled = rng.permutation(train)
            for start in range(0, len(shuffled), self.batch_size):
                batch = torch.as_tensor(shuffled[start:start + self.batch_size], device=device)
                optimiser.zero_grad()
                loss = torch.mean((net(Xs[batch]) - ys[batch]) ** 2)
                loss.backward()
                optimiser.step()
            net.eval()
            with torch.no_grad():
                val_loss = float(torch.mean((net(Xs[val]) - ys[val]) ** 2))
            if val_loss < best:
                best, best_epoch = val_loss, epoch
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            elif epoch - best_epoch >= self.patience:
                break
        else:
            if epochs - 1 - best_epoch < self.patience:
                warnings.warn(f"mlp mechanism for node {self.name!r} was still improving after {epochs} epochs "
                              f"(max_epochs={self.max_epochs}, max_steps={self.max_steps}); pass a larger "
                              "max_epochs / max_steps (or lr) to SCM(...)", RuntimeWarning, stacklevel=2)
        net.load_state_dict(best_state)
        self.net_ = net.eval()
        self.val_loss_ = best
        self.epochs_ = epoch + 1

    def predict(self, X: np.ndarray) -> np.ndarray:
        """f(X), in the units of the node."""
        device = next(self.net_.parameters()).device
        Xs = torch.as_tensor((np.asarray(X, dtype=np.float64) - self.x_mean_) / self.x_std_,
                             dtype=torch.float32, device=device)
        with torch.no_grad():
            out = self.net_(Xs)[:, 0].double().cpu().numpy()
        return out * self.y_std_ + self.y_mean_


def _mlp(n_in: int, hidden: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        n_in = width
    layers.append(nn.Linear(n_in, 1))
    return nn.Sequential(*layers)


def _safe_std(X: np.ndarray) -> np.ndarray:
    std = X.std(axis=0)
    return np.where(std > 0, std, 1.0)
