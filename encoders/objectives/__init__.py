"""The training objectives, one per file; `OBJECTIVES` maps each user-facing name to its class."""
from __future__ import annotations

from encoders.objectives.annealed_vae import AnnealedVAE
from encoders.objectives.base import Objective
from encoders.objectives.beta_tcvae import BetaTCVAE
from encoders.objectives.beta_vae import BetaVAE
from encoders.objectives.causal_vae import CausalVAE
from encoders.objectives.dip_vae import DIPVAEI, DIPVAEII
from encoders.objectives.factor_vae import FactorVAE
from encoders.objectives.group_vae import AdaGVAE, AdaMLVAE, GroupVAE, MLVAE

OBJECTIVES: dict[str, type[Objective]] = {
    cls.name: cls
    for cls in (BetaVAE, AnnealedVAE, FactorVAE, DIPVAEI, DIPVAEII, BetaTCVAE,
                GroupVAE, MLVAE, AdaGVAE, AdaMLVAE, CausalVAE)
}


def get_objective(name: str) -> type[Objective]:
    """The objective class for `name`; unknown names raise ValueError listing the valid ones."""
    if name not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {name!r}")
    return OBJECTIVES[name]
