"""The training objectives, one per file; `OBJECTIVES` maps each user-facing name to its class."""
from __future__ import annotations

from encoders.objectives.annealed_vae import AnnealedVAE
from encoders.objectives.base import Objective
from encoders.objectives.beta_tcvae import BetaTCVAE
from encoders.objectives.beta_vae import BetaVAE
from encoders.objectives.causal_vae import CausalVAE
from encoders.objectives.dip_vae import DIPVAEI, DIPVAEII
from encoders.objectives.factor_vae import FactorVAE
from encoders.objectives.group_vae import MLVAE, AdaGVAE, AdaMLVAE, GroupVAE

OBJECTIVES: dict[str, type[Objective]] = {
    cls.name: cls
    for cls in (BetaVAE, AnnealedVAE, FactorVAE, DIPVAEI, DIPVAEII, BetaTCVAE,
                GroupVAE, MLVAE, AdaGVAE, AdaMLVAE, CausalVAE)
}
"""The objectives `encoders.train` accepts, by name.

Unsupervised: beta-vae, annealed-vae, factor-vae, dip-vae-i, dip-vae-ii, beta-tcvae. Weakly
supervised on pairs (need `pairs=`): group-vae, ml-vae, ada-gvae, ada-ml-vae. Causal prior (needs
`labels=`): causal-vae. Each class's `Config` dataclass lists the options `train` passes on, and its
`needs_pairs` / `needs_labels` say what data it needs; any objective takes `labels=` as well.
"""


def get_objective(name: str) -> type[Objective]:
    """The objective class for `name`; unknown names raise ValueError listing the valid ones."""
    if name not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {name!r}")
    return OBJECTIVES[name]
