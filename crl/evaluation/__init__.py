"""Evaluation of a causal model against a scene's ground truth: `evaluate` and its result."""
from crl.evaluation.evaluate import EvaluationResult, evaluate

__all__ = ["evaluate", "EvaluationResult"]
