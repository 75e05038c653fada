"""WReN and the MLP baseline: WReN sums its edge MLP over all 81 ordered node pairs (in any order), and both
score candidates independently of where they stand; ground-truth factors solve a tiny problem quickly."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from crl.downstream.reasoning import MLPBaseline, PanelCNN, WReN, train_reasoner
from crl.downstream.reasoning.task import ReasoningConfig

TINY = ReasoningConfig(steps=400, few=100, eval_every=100, n_train=2000, n_test=300, edge_mlp=(64, 64),
                       graph_mlp=(64,), dropout=0.0)


def _panels(batch: int = 4, answers: int = 6, dim: int = 5, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 8, dim, generator=generator, dtype=torch.float64),
            torch.randn(batch, answers, dim, generator=generator, dtype=torch.float64))


def test_wren_sums_its_edge_mlp_over_all_pairs_in_any_order():
    torch.manual_seed(0)
    model = WReN(5, edge_mlp=(16, 8), graph_mlp=(12,)).double().eval()
    context, candidates = _panels()
    position = torch.eye(9, dtype=torch.float64)
    expected = []
    for a in range(candidates.shape[1]):  # the plain definition: 9 nodes, 81 ordered pairs, shuffled, summed
        nodes = torch.cat([torch.cat([context, candidates[:, a:a + 1]], dim=1), position.expand(4, -1, -1)], dim=-1)
        pairs = [(i, j) for i in range(9) for j in range(9)]
        order = np.random.default_rng(a).permutation(len(pairs))
        total = sum(model.edge(torch.cat([nodes[:, pairs[k][0]], nodes[:, pairs[k][1]]], dim=-1)) for k in order)
        expected.append(model.score(model.graph(total)).squeeze(-1))
    torch.testing.assert_close(model(context, candidates), torch.stack(expected, dim=1))


@pytest.mark.parametrize("make", [lambda: WReN(5, (16, 8), (12,), dropout=0.5), lambda: MLPBaseline(5, (16,))])
def test_scores_follow_their_candidates_when_candidates_are_permuted(make):
    torch.manual_seed(1)
    model = make().double()
    context, candidates = _panels(seed=2)
    order = torch.tensor([3, 0, 5, 1, 4, 2])
    model.eval()
    torch.testing.assert_close(model(context, candidates[:, order]), model(context, candidates)[:, order])
    model.train()  # dropout draws one mask for every candidate, so training scores permute too
    torch.manual_seed(7)
    permuted = model(context, candidates[:, order])
    torch.manual_seed(7)
    torch.testing.assert_close(permuted, model(context, candidates)[:, order])


def test_wren_reads_context_positions():
    """The one-hot positions make the context order matter (rows are what relations are about)."""
    torch.manual_seed(0)
    model = WReN(5, (16, 8), (12,)).double().eval()
    context, candidates = _panels()
    swapped = context[:, [1, 0, 2, 3, 4, 5, 6, 7]]
    assert not torch.allclose(model(swapped, candidates), model(context, candidates))


def test_embeddings_of_the_wrong_length_are_refused():
    context, candidates = _panels(dim=4)
    for model in (WReN(5, (8,), (8,)), MLPBaseline(5, (8,))):
        with pytest.raises(ValueError, match=r"expects context \(B, 8, 5\)"):
            model(context.float(), candidates.float())
    with pytest.raises(ValueError, match="edge_mlp must be"):
        WReN(5, edge_mlp=())
    assert PanelCNN(3, 32)(torch.zeros(2, 3, 32, 32)).shape == (2, 64 * 2 * 2)


@pytest.mark.slow
def test_ground_truth_factors_solve_a_tiny_problem_quickly(grid):
    """3 factors of 3 classes: after 400 steps the one-hot ground truth answers most test puzzles (chance is
    1/6); a representation that shows nothing stays at chance."""
    truth = train_reasoner("onehot", grid, TINY, seed=0, progress=False)
    assert truth.accuracy > 0.75
    assert truth.curve["step"].tolist() == [100, 200, 300, 400]
    blind = train_reasoner(lambda images: np.zeros((len(images), 3)), grid, TINY, steps=100, few=100, seed=0,
                           progress=False)
    assert blind.accuracy < 0.25
