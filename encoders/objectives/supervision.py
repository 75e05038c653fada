"""Semi-supervision: a few labelled images pull the first latent dims onto named concepts.

Works with any objective as an added regulariser (Locatello et al. 2020, "Disentangling
Factors of Variation Using Few Labels"): for each label column j, latent dim j is the
concept. Continuous columns are standardised (mean/std stored) and the posterior mean is
pulled to the value with a squared error; categorical columns get a linear softmax head on
latent j and a cross-entropy. Each column's loss is averaged over its observed (non-NaN)
rows in the labelled batch; the columns' losses are summed.

Kind rule (`infer_kind`, the one definition in encoders): a column is categorical when its
dtype is category, bool or object/string, or an integer dtype with at most
`MAX_INTEGER_CATEGORIES` (20) distinct values; otherwise continuous. `label_kinds` overrides it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

# An integer column with more distinct values than this is a count or a measurement, not a set
# of classes. scm uses the same cutoff for its own tables (the two packages do not import each other).
MAX_INTEGER_CATEGORIES = 20
KINDS = ("continuous", "categorical")


@dataclass
class LabelSpec:
    """How label columns map to numbers: names, kinds, standardisation, categories (JSON-serialisable)."""

    names: list[str]
    kinds: list[str]
    means: list[float]   # of the standardised number (value for continuous, category code for categorical)
    stds: list[float]
    categories: list[list]  # [] for continuous columns

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> LabelSpec:
        return cls(**d)

    def standardise(self, values: torch.Tensor) -> torch.Tensor:
        """Encoded values (standardised continuous, codes for categorical) -> all standardised numbers."""
        out = values.clone()
        for j, kind in enumerate(self.kinds):
            if kind == "categorical":
                out[:, j] = (values[:, j] - self.means[j]) / self.stds[j]
        return out


def infer_kind(column: pd.Series) -> str:
    """Whether a label column is "categorical" or "continuous", which picks its loss.

    Integer columns with at most `MAX_INTEGER_CATEGORIES` (20) distinct values, and columns of
    category, bool or object/string dtype, are categorical; everything else is continuous.

    Parameters
    ----------
    column : pandas.Series
        One label column (NaN for missing labels; they are not counted as values).

    Returns
    -------
    str
        "categorical" or "continuous".
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype) \
            or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return "categorical"
    if pd.api.types.is_integer_dtype(dtype) and column.dropna().nunique() <= MAX_INTEGER_CATEGORIES:
        return "categorical"
    return "continuous"


def prepare_labels(labels: pd.DataFrame, n_images: int, label_kinds: dict[str, str] | None = None
                   ) -> tuple[np.ndarray, np.ndarray, LabelSpec]:
    """Validate `labels` and encode it: (row positions int64, values float32 (n, k) with NaN, LabelSpec)."""
    if not isinstance(labels, pd.DataFrame):
        raise ValueError(f"labels must be a pandas DataFrame indexed by image row, got {type(labels).__name__}")
    if labels.shape[0] == 0 or labels.shape[1] == 0:
        raise ValueError(f"labels must have at least one row and one column, got shape {labels.shape}")
    if not pd.api.types.is_integer_dtype(labels.index.dtype):
        raise ValueError("labels must be indexed by integer image row positions")
    rows = labels.index.to_numpy().astype(np.int64)
    bad = rows[(rows < 0) | (rows >= n_images)]
    if bad.size:
        raise ValueError(f"labels index names rows {bad[:5].tolist()} outside the images (0..{n_images - 1})")
    if labels.index.has_duplicates:
        raise ValueError("labels index has duplicate rows; give each image row once")
    label_kinds = dict(label_kinds or {})
    unknown = sorted(set(label_kinds) - set(map(str, labels.columns)))
    if unknown:
        raise ValueError(f"label_kinds names unknown columns {unknown}; labels has {list(map(str, labels.columns))}")
    for name, kind in label_kinds.items():
        if kind not in KINDS:
            raise ValueError(f"label_kinds[{name!r}] must be one of {KINDS}, got {kind!r}")
    names, kinds, means, stds, categories, columns = [], [], [], [], [], []
    for col in labels.columns:
        series = labels[col]
        name = str(col)
        if series.isna().all():
            raise ValueError(f"labels column {name!r} is all NaN")
        kind = label_kinds.get(name) or infer_kind(series)
        if kind == "categorical":
            cats = pd.Categorical(series)
            codes = cats.codes.astype(np.float32)
            codes[codes < 0] = np.nan
            cat_list = [c.item() if hasattr(c, "item") else str(c) for c in cats.categories]
            encoded, centre, scale = codes, float(np.nanmean(codes)), float(np.nanstd(codes))
        else:
            try:
                raw = series.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                raise ValueError(f"labels column {name!r} is not numeric; mark it categorical in label_kinds") from None
            if not np.isfinite(raw[~np.isnan(raw)]).all():
                raise ValueError(f"labels column {name!r} has infinite values")
            centre, scale = float(np.nanmean(raw)), float(np.nanstd(raw))
            scale = scale if scale > 0 else 1.0
            encoded, cat_list = ((raw - centre) / scale).astype(np.float32), []
        names.append(name)
        kinds.append(kind)
        means.append(centre)
        stds.append(scale if scale > 0 else 1.0)
        categories.append(cat_list)
        columns.append(encoded)
    spec = LabelSpec(names, kinds, means, stds, categories)
    return rows, np.stack(columns, axis=1).astype(np.float32), spec


def encode_like(labels: pd.DataFrame, spec: LabelSpec, n_images: int, argument: str = "validation"
                ) -> tuple[np.ndarray, np.ndarray]:
    """Labelled rows encoded as `spec` encodes the training labels: (row positions int64, values float32 (n, k)),
    continuous values standardised with the training's mean and std, categories as the training's codes
    (a category the training never had is NaN). Its columns must be `spec.names`."""
    if not isinstance(labels, pd.DataFrame) or list(map(str, labels.columns)) != list(spec.names):
        columns = list(map(str, labels.columns)) if isinstance(labels, pd.DataFrame) else type(labels).__name__
        raise ValueError(f"{argument} must be a DataFrame with the labels' columns {spec.names}, got {columns}")
    if not pd.api.types.is_integer_dtype(labels.index.dtype) or labels.index.has_duplicates \
            or not labels.index.to_series().between(0, n_images - 1).all():
        raise ValueError(f"{argument} must be indexed by distinct image rows in 0..{n_images - 1}")
    encoded: list[np.ndarray] = []
    for j in range(len(spec.names)):
        series = labels.iloc[:, j]
        if spec.kinds[j] == "categorical":
            index = {str(c): float(i) for i, c in enumerate(spec.categories[j])}
            encoded.append(np.array([index.get(str(v), np.nan) if pd.notna(v) else np.nan for v in series]))
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            encoded.append((values - spec.means[j]) / spec.stds[j])
    return labels.index.to_numpy().astype(np.int64), np.stack(encoded, axis=1).astype(np.float32)


class LabelRegulariser(nn.Module):
    """Sum over label columns of the per-column loss on the concept latents (l2 or cross-entropy)."""

    def __init__(self, spec: LabelSpec):
        super().__init__()
        self.kinds = list(spec.kinds)
        self.heads = nn.ModuleDict({
            str(j): _ordered_head(len(spec.categories[j]))
            for j, kind in enumerate(spec.kinds) if kind == "categorical"
        })

    def forward(self, concepts: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """concepts (B, k) posterior means of the supervised dims; values (B, k) encoded labels, NaN missing."""
        losses, observed = self._column_losses(concepts, values)
        return (losses.sum(0) / observed.sum(0).clamp(min=1)).sum()

    def per_row(self, concepts: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """(B,) each row's loss summed over its observed columns: what a paired comparison of two networks needs."""
        return self._column_losses(concepts, values)[0].sum(1)

    def _column_losses(self, concepts: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, k) per-row, per-column losses (0 where the label is missing) and the (B, k) observed mask."""
        observed = ~torch.isnan(values)
        columns = []
        for j, kind in enumerate(self.kinds):
            if kind == "continuous":
                loss = (concepts[:, j] - torch.nan_to_num(values[:, j])).square()
            else:
                logits = self.heads[str(j)](concepts[:, j:j + 1])
                loss = F.cross_entropy(logits, torch.nan_to_num(values[:, j]).long(), reduction="none")
            columns.append(torch.where(observed[:, j], loss, 0.0))
        return (torch.stack(columns, dim=1) if columns else concepts.new_zeros((len(concepts), 0))), observed


def _ordered_head(n_categories: int) -> nn.Linear:
    """A linear softmax head on one latent, started with slopes spread over [-2, 2] and zero bias, so the
    categories begin ordered along the latent and its gradient is not vanishing at a near-zero latent."""
    head = nn.Linear(1, n_categories)
    with torch.no_grad():
        head.weight.copy_(torch.linspace(-2.0, 2.0, n_categories).unsqueeze(1))
        head.bias.zero_()
    return head
