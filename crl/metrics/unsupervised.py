"""Unsupervised scores of a representation (no factor labels), as disentanglement_lib's `unsupervised_metrics.py`.

Used in Locatello et al. (2019), "Challenging Common Assumptions in the Unsupervised Learning of
Disentangled Representations", to ask whether a label-free score can pick good models. Over the
means of `num_train` = 10,000 sampled observations, with the same definitions:

- Gaussian total correlation: KL divergence between a Gaussian with the latents' covariance and
  the product of its marginals, ``0.5 * (sum(log diag(C)) - log det C)``;
- Gaussian Wasserstein correlation: squared 2-Wasserstein distance between the same two Gaussians,
  ``2 tr(C) - 2 tr(sqrtm(C * diag(C)[:, None]))``, and its normalised form (divided by ``tr(C)``);
- mutual information score: the mean over ordered pairs of distinct latents of their mutual
  information (nats) after each latent is cut into 20 equal-width histogram bins.

``C`` is ``np.cov`` of the latents (unbiased, ``ddof=1``), as disentanglement_lib computes it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg

from crl.metrics.discretize import NUM_BINS, check_num_bins, discrete_mutual_info, histogram_discretize
from crl.metrics.inputs import as_table
from crl.metrics.sampling import check_count, encode_images

NUM_TRAIN = 10_000
"""disentanglement_lib's `unsupervised_metrics.num_train` in its study configs."""
BATCH_SIZE = 16
"""disentanglement_lib's `unsupervised_metrics.batch_size`: images per call of the representation."""
SCORES = (
    "gaussian_total_correlation",
    "gaussian_wasserstein_correlation",
    "gaussian_wasserstein_correlation_norm",
    "mutual_info_score",
)


def unsupervised_scores(latents: np.ndarray, *, num_bins: int = NUM_BINS) -> dict[str, float]:
    """The four unsupervised scores of a table of latent means, under disentanglement_lib's names.

    Parameters
    ----------
    latents : array-like
        Latent means (N, d), rows are samples; N >= 2, d >= 2, and every latent must vary
        (a constant one has zero variance: its log in the total correlation is undefined).
    num_bins : int
        Equal-width histogram bins per latent for the mutual information score.

    Returns
    -------
    dict of str to float
        Keys ``SCORES``. Total correlation and Wasserstein correlation are 0 for uncorrelated
        latents and grow with their correlation; the mutual information score is 0 for independent ones.
    """
    check_num_bins(num_bins)
    z = as_table(latents, "latents")
    if z.shape[0] < 2 or z.shape[1] < 2:
        raise ValueError(f"latents must have at least 2 rows (samples) and 2 columns (latents); got shape {z.shape}")
    constant = [i for i in range(z.shape[1]) if np.all(z[:, i] == z[0, i])]
    if constant:
        raise ValueError(f"latents column(s) {constant} are constant; the Gaussian scores need every latent to vary")
    cov = np.cov(z.T)
    wasserstein = gaussian_wasserstein_correlation(cov)
    return {
        "gaussian_total_correlation": gaussian_total_correlation(cov),
        "gaussian_wasserstein_correlation": wasserstein,
        "gaussian_wasserstein_correlation_norm": wasserstein / float(np.trace(cov)),
        "mutual_info_score": mutual_info_score(z, num_bins),
    }


def gaussian_total_correlation(cov: np.ndarray) -> float:
    """KL(N(0, C) || N(0, diag(C))) of a covariance matrix C: ``0.5 * (sum(log diag C) - log det C)``."""
    return float(0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1]))


def gaussian_wasserstein_correlation(cov: np.ndarray) -> float:
    """Squared 2-Wasserstein distance between N(0, C) and N(0, diag(C)): ``2 tr C - 2 tr sqrtm(C diag(C)[:, None])``.

    The matrix under the square root is similar to a symmetric positive semi-definite one, so its
    root has a real trace; the imaginary rounding residue scipy may return is dropped.
    """
    root = scipy.linalg.sqrtm(cov * np.diag(cov)[:, None])
    return float(2.0 * np.trace(cov) - 2.0 * np.real(np.trace(root)))


def mutual_info_score(latents: np.ndarray, num_bins: int = NUM_BINS) -> float:
    """Mean mutual information (nats) over ordered pairs of distinct latents, each histogram-discretised."""
    codes = histogram_discretize(latents, num_bins)
    info = discrete_mutual_info(codes, codes)
    np.fill_diagonal(info, 0.0)
    d = codes.shape[1]
    return float(np.sum(info) / (d * d - d))


def compute_unsupervised(
    represent: Callable[[np.ndarray], Any],
    data: Any,
    *,
    num_train: int = NUM_TRAIN,
    seed: int = 0,
    batch_size: int = BATCH_SIZE,
) -> dict[str, float]:
    """Unsupervised scores of `represent` on `num_train` observations sampled from `data` (seeded).

    Parameters
    ----------
    represent : callable
        uint8 images (N, H, W, C) -> latent means (N, d), e.g. ``encoders.Encoder.encode``.
    data : scene or data set
        Anything with ``sample(n, seed=)`` returning an object with ``.images``.
    num_train : int
        Observations drawn (disentanglement_lib: 10,000).
    seed : int
        Seeds the draw.
    batch_size : int
        Images per call of `represent` (disentanglement_lib: 16); scores do not depend on it.

    Returns
    -------
    dict of str to float
        As `unsupervised_scores`.
    """
    if not callable(represent):
        raise ValueError(f"represent must be callable (images -> latents); got {type(represent).__name__}")
    if not callable(getattr(data, "sample", None)):
        raise ValueError(f"data must provide .sample(n, seed=); {type(data).__name__} does not")
    check_count(num_train, "num_train", 2)
    check_count(batch_size, "batch_size", 1)
    images = data.sample(num_train, seed=seed).images
    return unsupervised_scores(encode_images(_in_batches(represent, batch_size), images))


def _in_batches(represent: Callable[[np.ndarray], Any], batch_size: int) -> Callable[[np.ndarray], np.ndarray]:
    """`represent` called on at most `batch_size` images at a time, outputs stacked."""

    def call(images: np.ndarray) -> np.ndarray:
        parts = [np.asarray(represent(images[s : s + batch_size]), dtype=np.float64).reshape(
            len(images[s : s + batch_size]), -1) for s in range(0, len(images), batch_size)]
        return np.concatenate(parts, axis=0)

    return call
