"""crl: causal representation learning, from images to causal variables and back.

Light modules (scenes, metrics) import eagerly; the ones that pull torch, causal-learn or
dowhy load on first use so `import crl` and `crl --help` stay fast.
"""
from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {"scenes", "datasets", "metrics", "downstream", "study", "plots", "evaluation", "model_selection", "pipeline",
               "notes", "thresholds", "protocols", "objects"}
_NAMES = {
    "CausalModel": "crl.causal_model",
    "QueryResult": "crl.causal_model",
    "ObjectModel": "crl.objects",
    "evaluate": "crl.evaluation",
    "NotFittedError": "crl.exceptions",
    "ModelFileError": "crl.exceptions",
    "OutsideDataWarning": "crl.exceptions",
    "Shift": "scm.interventions",
    "Soft": "scm.interventions",
}
_MOVED = {"report": "crl.evaluation.report"}  # public names of modules that live elsewhere


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = import_module(f"crl.{name}")
    elif name in _MOVED:
        value = import_module(_MOVED[name])
    elif name in _NAMES:
        value = getattr(import_module(_NAMES[name]), name)
    else:
        raise AttributeError(f"module 'crl' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["__version__", *sorted(_SUBMODULES), *_MOVED, *_NAMES]
