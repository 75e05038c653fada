"""crl: causal representation learning, from images to causal variables and back.

Light modules (scenes, metrics) import eagerly; the ones that pull torch, causal-learn or
dowhy load on first use so `import crl` and `crl --help` stay fast.
"""
from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "scenes": "crl.scenes",
    "metrics": "crl.metrics",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(_LAZY[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'crl' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
