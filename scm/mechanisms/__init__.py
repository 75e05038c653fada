"""Mechanisms of SCM nodes: each maps parent values and exogenous noise to the node's value.

`linear` (OLS + noise), `mlp` (additive-noise MLP), `categorical` (multinomial logistic,
discrete nodes), roots `empirical` / `gaussian`, and `auto` (per-node choice in `selection`).
"""
from scm.mechanisms.base import AdditiveNoiseMechanism, Mechanism
from scm.mechanisms.categorical import CategoricalMechanism
from scm.mechanisms.linear import LinearMechanism
from scm.mechanisms.mlp import MLPMechanism
from scm.mechanisms.root import EmpiricalRoot, GaussianRoot
from scm.mechanisms.selection import select_mechanism

__all__ = ["AdditiveNoiseMechanism", "CategoricalMechanism", "EmpiricalRoot", "GaussianRoot", "LinearMechanism",
           "MLPMechanism", "Mechanism", "select_mechanism"]
