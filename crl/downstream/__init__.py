"""Downstream tasks of a representation, each usable alone on any encoder and scene or data set.

- `sample_efficiency`: disentanglement_lib's downstream task, classifiers of each factor trained on
  10 to 10,000 points (logistic regression or boosted trees), and accuracy at 100 over 10,000;
- `unfairness`: disentanglement_lib's demographic-parity unfairness of those classifiers across
  the values of each other factor;
- `strong_generalization`: Schott et al.'s (ICLR 2022) readout R^2 on random, composition,
  interpolation and extrapolation splits of factor space (`make_split` for a grid table);
- `reasoning` (a subpackage): van Steenkiste et al.'s abstract visual reasoning, PGM-style puzzles from any scene
  and WReN's accuracy after few and many steps on a representation (docs/reasoning.md).

``represent`` is a callable uint8 images (N, H, W, C) -> (N, d) array (``encoders.Encoder.encode``);
each task also has an array-level function that its tests check on fixed arrays. See docs/downstream.md.
"""
from crl.downstream.fairness import inter_group_fairness, unfairness, unfairness_from_counts
from crl.downstream.generalization import readout_r2, strong_generalization
from crl.downstream.sample_efficiency import factor_accuracy, sample_efficiency, sample_efficiency_scores
from crl.downstream.splits import KINDS, make_split

__all__ = [
    "KINDS",
    "factor_accuracy",
    "inter_group_fairness",
    "make_split",
    "readout_r2",
    "sample_efficiency",
    "sample_efficiency_scores",
    "strong_generalization",
    "unfairness",
    "unfairness_from_counts",
]
