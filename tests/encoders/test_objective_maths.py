"""The objectives' formulas against values worked out by hand on fixed tensors."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from encoders.objectives.annealed_vae import capacity
from encoders.objectives.base import gaussian_kl, gaussian_kl_between
from encoders.objectives.beta_tcvae import total_correlation
from encoders.objectives.causal_vae import notears_h
from encoders.objectives.dip_vae import covariance, dip_penalty
from encoders.objectives.factor_vae import permute_dims
from encoders.objectives.group_vae import aggregate_posteriors, shared_mask
from encoders.objectives.supervision import LabelRegulariser, prepare_labels


def test_gaussian_kl_hand_values():
    mean = torch.tensor([[1.0, 0.0]])
    log_var = torch.tensor([[0.0, math.log(2.0)]])
    kl = gaussian_kl(mean, log_var)
    assert kl[0, 0].item() == pytest.approx(0.5)
    assert kl[0, 1].item() == pytest.approx(0.5 * (2.0 - math.log(2.0) - 1.0))


def test_kl_between_gaussians_matches_closed_form():
    m1, lv1, m2, lv2 = torch.tensor(0.3), torch.tensor(-0.5), torch.tensor(-1.0), torch.tensor(0.7)
    s1, s2 = math.exp(-0.25), math.exp(0.35)
    expected = math.log(s2 / s1) + (s1 ** 2 + 1.3 ** 2) / (2 * s2 ** 2) - 0.5
    assert gaussian_kl_between(m1, lv1, m2, lv2).item() == pytest.approx(expected, rel=1e-5)


def test_adaptive_mask_shares_all_but_the_dim_that_differs():
    m1 = torch.tensor([[0.0, 1.0, 2.0, -1.0]])
    m2 = torch.tensor([[0.1, 1.0, -2.0, -1.3]])  # dim 2 changed; dims 0 and 3 moved a little
    lv = torch.zeros_like(m1)
    kl = gaussian_kl_between(m1, lv, m2, lv)  # 0.005, 0, 8, 0.045 -> adaptive threshold 4
    assert kl[0].tolist() == pytest.approx([0.005, 0.0, 8.0, 0.045], abs=1e-6)
    assert shared_mask(kl).tolist() == [[True, True, False, True]]
    assert shared_mask(kl, k=2).tolist() == [[True, True, False, False]]


def test_aggregations_mean_and_product_of_experts():
    m1, m2 = torch.tensor([1.0]), torch.tensor([3.0])
    lv1, lv2 = torch.log(torch.tensor([1.0])), torch.log(torch.tensor([3.0]))
    mean, log_var = aggregate_posteriors(m1, lv1, m2, lv2, "mean")
    assert mean.item() == pytest.approx(2.0) and log_var.exp().item() == pytest.approx(2.0)
    mean, log_var = aggregate_posteriors(m1, lv1, m2, lv2, "poe")
    var = 2 * 1 * 3 / 4  # 1.5
    assert log_var.exp().item() == pytest.approx(var)
    assert mean.item() == pytest.approx(0.5 * (1 / 1 + 3 / 3) * var)


def _tc_on_gaussian(rho: float, m: int = 1200) -> float:
    """Calibrated TC estimate for posteriors N(mu_i, 0.25 I) with mu ~ N(0, [[1, rho], [rho, 1]])."""
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, m, generator=gen)
    mean = torch.stack([a, rho * a + math.sqrt(1 - rho ** 2) * b], dim=1)
    log_var = torch.full_like(mean, math.log(0.25))
    z = mean + 0.5 * torch.randn(m, 2, generator=gen)
    return total_correlation(z.double(), mean.double(), log_var.double(), normaliser=math.log(m)).item()


def test_total_correlation_known_values():
    # q(z) = N(0, [[1.25, rho], [rho, 1.25]]): TC = -0.5 log(1 - (rho / 1.25)^2)
    assert _tc_on_gaussian(0.0) == pytest.approx(0.0, abs=0.03)
    assert _tc_on_gaussian(0.8) == pytest.approx(-0.5 * math.log(1 - 0.64 ** 2), abs=0.06)
    assert _tc_on_gaussian(1.0) == pytest.approx(-0.5 * math.log(1 - 0.8 ** 2), abs=0.08)  # duplicated latent


def test_dip_penalty_on_known_covariance():
    cov = torch.tensor([[2.0, 0.5], [0.5, 1.0]])
    assert dip_penalty(cov, lambda_od=3.0, lambda_d=7.0).item() == pytest.approx(3.0 * 0.5 + 7.0 * 1.0)
    x = torch.tensor([[1.0, 2.0], [3.0, 2.0], [2.0, 5.0]])
    assert torch.allclose(covariance(x), torch.tensor(np.cov(x.numpy().T, bias=True), dtype=torch.float32))


def test_annealed_capacity_schedule():
    assert capacity(0, 25.0, 100) == 0.0
    assert capacity(50, 25.0, 100) == pytest.approx(12.5)
    assert capacity(1000, 25.0, 100) == 25.0


def test_permute_dims_keeps_each_marginal():
    z = torch.arange(40.0).view(20, 2)
    p = permute_dims(z)
    for j in range(2):
        assert sorted(p[:, j].tolist()) == sorted(z[:, j].tolist())
    assert not torch.equal(p, z)


def test_notears_h_is_zero_exactly_on_dags():
    assert notears_h(torch.tensor([[0.0, 1.5], [0.0, 0.0]])).item() == pytest.approx(0.0, abs=1e-6)
    cycle = torch.tensor([[0.0, 1.0], [1.0, 0.0]])  # tr exp(A) = 2 cosh(1)
    assert notears_h(cycle).item() == pytest.approx(2 * math.cosh(1.0) - 2.0, rel=1e-5)


def test_labels_are_encoded_by_the_kind_rule():
    labels = pd.DataFrame({"pos": [0.0, 2.0, np.nan, 4.0], "shape": [0, 1, 2, 1],
                           "colour": pd.Categorical(["r", "g", "r", None])}, index=[3, 0, 7, 5])
    rows, values, spec = prepare_labels(labels, n_images=8)
    assert rows.tolist() == [3, 0, 7, 5]
    assert spec.kinds == ["continuous", "categorical", "categorical"]
    assert spec.means[0] == pytest.approx(2.0)
    assert values[:, 0][[0, 1, 3]] == pytest.approx(np.array([-2.0, 0.0, 2.0]) / np.std([0.0, 2.0, 4.0]))
    assert np.isnan(values[2, 0]) and np.isnan(values[3, 2])
    _, _, spec = prepare_labels(labels, 8, label_kinds={"shape": "continuous"})
    assert spec.kinds[1] == "continuous"


def test_label_regulariser_values():
    labels = pd.DataFrame({"pos": [1.0, -1.0], "kind": pd.Categorical(["a", "b"])}, index=[0, 1])
    _, values, spec = prepare_labels(labels, 2)
    reg = LabelRegulariser(spec)
    with torch.no_grad():
        reg.heads["1"].weight.zero_()
        reg.heads["1"].bias.zero_()
    concepts = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    # l2: ((1 - 1)^2 + (0 + 1)^2) / 2 = 0.5; cross-entropy of uniform 2-way logits = log 2
    assert reg(concepts, torch.from_numpy(values)).item() == pytest.approx(0.5 + math.log(2), rel=1e-5)
