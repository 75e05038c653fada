"""The loss log of a pack: `encoders.checkpoint.LossLog` for K models at once, each model's history as its lone
training would log it (sums kept on the device, one host sync per entry)."""
from __future__ import annotations

import numpy as np
import torch


class PackLog:
    """The loss log of K models (`encoders.checkpoint.LossLog`, one per model): sums on the device, one
    history entry per `log_every` steps."""

    def __init__(self, k: int):
        self.histories: list[list[dict]] = [[] for _ in range(k)]
        self.sums: dict[str, torch.Tensor] = {}
        self.count = self.step = 0

    def add(self, terms: dict[str, torch.Tensor], step: int) -> None:
        for key, value in terms.items():
            value = value.detach().float()
            self.sums[key] = self.sums[key] + value if key in self.sums else value
        self.count, self.step = self.count + 1, step

    def records(self) -> list[dict]:
        values = {key: value.cpu().tolist() for key, value in self.sums.items()}
        return [{"step": self.step, **{key: v[k] / self.count for key, v in values.items()}}
                for k in range(len(self.histories))]

    def flush(self) -> float:
        """Append the entries of the steps since the last; the mean loss of the models."""
        records = self.records()
        for history, record in zip(self.histories, records):
            history.append(record)
        self.sums, self.count = {}, 0
        return float(np.mean([r["loss"] for r in records]))

    def final(self) -> list[list[dict]]:
        extra = self.records() if self.count else [None] * len(self.histories)
        return [h + ([e] if e is not None else []) for h, e in zip(self.histories, extra)]
