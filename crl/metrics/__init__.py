"""Disentanglement metrics equal to disentanglement_lib's, over plain arrays.

Pure functions take `latents` (N, d) and `factors` (N, k), rows are samples (DataFrames
accepted); factors are used as discrete labels by mig, dci, sap and modularity (bin continuous
ones first, e.g. with `histogram_discretize`). Each `compute_*` and the BetaVAE/FactorVAE
scores sample their points from a scene, with disentanglement_lib's default sizes.
`unsupervised_scores` needs no factors: disentanglement_lib's Gaussian total and Wasserstein
correlation and mutual information score of the latents alone. `ari`, `fg_ari`, `mean_iou`,
`mean_best_overlap` and `set_prediction_ap` score object-centric models (`crl.metrics.segmentation`).
"""
from crl.metrics.beta_vae import BetaVAEScore, beta_vae_accuracy, beta_vae_score
from crl.metrics.dci import DCIScore, compute_dci, dci
from crl.metrics.discretize import histogram_discretize
from crl.metrics.factor_vae import FactorVAEScore, factor_vae_accuracy, factor_vae_score
from crl.metrics.mcc import correlation_matrix, mcc
from crl.metrics.mig import compute_mig, mig
from crl.metrics.modularity import ModularityScore, compute_modularity_explicitness, modularity_explicitness
from crl.metrics.probes import ProbeScore, r2_probe
from crl.metrics.representation import evaluate_representation
from crl.metrics.sap import compute_sap, sap
from crl.metrics.segmentation import ari, average_precision, fg_ari, mean_best_overlap, mean_iou, set_prediction_ap
from crl.metrics.unsupervised import compute_unsupervised, unsupervised_scores

__all__ = [
    "BetaVAEScore",
    "DCIScore",
    "FactorVAEScore",
    "ModularityScore",
    "ProbeScore",
    "ari",
    "average_precision",
    "beta_vae_accuracy",
    "beta_vae_score",
    "compute_dci",
    "compute_mig",
    "compute_modularity_explicitness",
    "compute_sap",
    "compute_unsupervised",
    "correlation_matrix",
    "dci",
    "evaluate_representation",
    "factor_vae_accuracy",
    "factor_vae_score",
    "fg_ari",
    "histogram_discretize",
    "mcc",
    "mean_best_overlap",
    "mean_iou",
    "mig",
    "modularity_explicitness",
    "r2_probe",
    "sap",
    "set_prediction_ap",
    "unsupervised_scores",
]
