"""Abstract visual reasoning on a representation: van Steenkiste, Locatello, Schmidhuber and Bachem (NeurIPS 2019).

Raven-style 3 x 3 puzzles built from the factors of any scene or grid data set (`generate`, `design`),
a Wild Relation Network (or an MLP baseline) trained on a representation's embeddings of the panels
(`WReN`, `MLPBaseline`; `embed` for the representations: an encoder, the ground truth, raw pixels), and
test accuracy after few and many steps (`train_reasoner`, `reasoning`). `draw_puzzles` shows solved and
failed puzzles. Definitions follow disentanglement_lib's `evaluation/abstract_reasoning`; docs/reasoning.md.
"""
from crl.downstream.reasoning.models import MLPBaseline, PanelCNN, WReN
from crl.downstream.reasoning.picture import draw_puzzles
from crl.downstream.reasoning.puzzles import PuzzleImages, Puzzles, factor_levels, generate
from crl.downstream.reasoning.task import FAST, ReasoningConfig, ReasoningResult, reasoning, train_reasoner

__all__ = [
    "FAST",
    "MLPBaseline",
    "PanelCNN",
    "PuzzleImages",
    "Puzzles",
    "ReasoningConfig",
    "ReasoningResult",
    "WReN",
    "draw_puzzles",
    "factor_levels",
    "generate",
    "reasoning",
    "train_reasoner",
]
