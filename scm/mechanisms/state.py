"""A fitted mechanism as JSON-ready settings and named arrays, and back: an SCM saved without pickle.

Only this package's mechanisms are known (`KINDS`): a stored kind names one of them, never a class to
import, so reading a state builds nothing else. Each kind keeps what its queries read: additive ones
their noise (residuals or std) and f (`linear` and the roots: intercept and coefficients; `mlp`: its
settings, the input and output scaling and the network's weights), `categorical` its class
frequencies or the fitted scaler and logistic regression. Settings are JSON numbers and strings
(Python writes floats exactly), arrays keep their dtype.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scm.device import choose_device
from scm.mechanisms.base import AdditiveNoiseMechanism, Mechanism
from scm.mechanisms.categorical import CategoricalMechanism
from scm.mechanisms.linear import LinearMechanism
from scm.mechanisms.mlp import MLPMechanism, _mlp
from scm.mechanisms.root import EmpiricalRoot, GaussianRoot

KINDS: dict[str, type[Mechanism]] = {"linear": LinearMechanism, "empirical": EmpiricalRoot, "gaussian": GaussianRoot,
                                     "mlp": MLPMechanism, "categorical": CategoricalMechanism}
_MLP_SETTINGS = {"noise": str, "hidden": list, "lr": float, "batch_size": int, "max_epochs": int, "max_steps": int,
                 "patience": int, "val_fraction": float, "device": str, "name": str}


class StateError(ValueError):
    """A stored state that does not describe a fitted model.

    Attributes
    ----------
    part : {"state", "arrays"}
        Whether the JSON-ready settings or the arrays are wrong.
    field : str
        The wrong field (a path into the state, or an array's key).
    """

    def __init__(self, part: str, field: str, message: str) -> None:
        super().__init__(f"{part} field {field}: {message}")
        self.part, self.field = part, field


@dataclass
class StateReader:
    """Typed, checked reads of one part of a stored state; each wrong field raises `StateError` by name.

    `settings` are JSON values found at `where` in the state; `arrays` every array, read by `prefix` + key
    (the keys read are collected in `used`); `about` names the owner in shape messages.
    """

    settings: Mapping[str, Any]
    arrays: Mapping[str, np.ndarray]
    where: str
    prefix: str = ""
    about: str = ""
    used: set[str] = field(default_factory=set)

    def value(self, key: str, kind: type | tuple[type, ...]) -> Any:
        """The setting `key`, which must be of `kind` (int accepted for float, bool never for a number)."""
        value = self.settings.get(key)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        kinds = (*kinds, int) if float in kinds else kinds
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise StateError("state", f"{self.where}.{key}", f"must be {names}; got {value!r}")
        return value

    def array(self, key: str, shape: tuple[int | None, ...], optional: bool = False) -> np.ndarray | None:
        """The array `key`, whose shape must match `shape` (None: any length); None when optional and absent."""
        name = self.prefix + key
        if name not in self.arrays:
            if optional:
                return None
            raise StateError("arrays", name, "is missing")
        array = self.arrays[name]
        self.used.add(name)
        if len(array.shape) != len(shape) or any(want is not None and got != want for got, want in zip(array.shape, shape)):
            wanted = tuple("any" if want is None else want for want in shape)
            raise StateError("arrays", name, f"has shape {tuple(array.shape)}; {self.about or self.where} needs {wanted}")
        return array

    def need(self, key: str, shape: tuple[int | None, ...]) -> np.ndarray:
        """`array` for an array that must be present."""
        array = self.array(key, shape)
        assert array is not None
        return array


def mechanism_state(mechanism: Mechanism, node: Hashable) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    """The kind, JSON-ready settings and arrays of a fitted mechanism of `KINDS`.

    Parameters
    ----------
    mechanism : Mechanism
        Fitted; exactly one of the classes in `KINDS` (a subclass may behave otherwise, so it is refused).
    node : hashable
        Its node, for the message.

    Returns
    -------
    (str, dict, dict)
        Kind, settings, arrays (keys without a prefix).
    """
    kind = next((name for name, cls in KINDS.items() if type(mechanism) is cls), None)
    if kind is None:
        raise ValueError(f"node {node!r} has a mechanism of type {type(mechanism).__name__}; only scm's own "
                         f"mechanisms ({sorted(KINDS)}) can be saved")
    if isinstance(mechanism, CategoricalMechanism):
        return kind, *_categorical_state(mechanism)
    assert isinstance(mechanism, AdditiveNoiseMechanism)
    settings: dict[str, Any] = {"std": float(mechanism.std_)}
    arrays = {} if mechanism.residuals_ is None else {"residuals": mechanism.residuals_}
    if kind in ("linear", "mlp"):
        settings["noise"] = mechanism.noise
    if isinstance(mechanism, LinearMechanism):
        settings["intercept"] = float(mechanism.intercept_)
        arrays["coef"] = np.asarray(mechanism.coef_, dtype=np.float64)
    elif isinstance(mechanism, MLPMechanism):
        settings.update({key: getattr(mechanism, key) for key in _MLP_SETTINGS},
                        hidden=list(mechanism.hidden), y_mean=float(mechanism.y_mean_), y_std=float(mechanism.y_std_),
                        val_loss=float(mechanism.val_loss_), epochs=int(mechanism.epochs_))
        arrays.update(x_mean=mechanism.x_mean_, x_std=mechanism.x_std_,
                      **{f"net.{key}": value.detach().cpu().numpy() for key, value in mechanism.net_.state_dict().items()})
    return kind, settings, arrays


def mechanism_from_state(kind: str, reader: StateReader, n_inputs: int, device: str | None = None) -> Mechanism:
    """The fitted mechanism `mechanism_state` described, every setting and array checked.

    Parameters
    ----------
    kind : str
        A key of `KINDS`.
    reader : StateReader
        Its settings and arrays.
    n_inputs : int
        Columns of its parent design (from the graph and the discrete parents' classes).
    device : str, optional
        Torch device of an MLP; default the one it was saved with.

    Returns
    -------
    Mechanism
    """
    if kind == "categorical":
        return _categorical_from_state(reader, n_inputs)
    if kind == "mlp":
        settings = {key: reader.value(key, kind) for key, kind in _MLP_SETTINGS.items()}
        try:
            mechanism: AdditiveNoiseMechanism = MLPMechanism(**{**settings, "device": device or settings["device"]})
        except (TypeError, ValueError) as err:
            raise StateError("state", reader.where, f"holds invalid mlp settings ({err})") from None
    elif kind == "linear":
        mechanism = LinearMechanism(noise=_noise(reader))
    else:
        mechanism = EmpiricalRoot() if kind == "empirical" else GaussianRoot()
    mechanism.residuals_ = reader.array("residuals", (None,), optional=True)
    mechanism.std_ = float(reader.value("std", float))
    if isinstance(mechanism, LinearMechanism):
        mechanism.intercept_ = float(reader.value("intercept", float))
        mechanism.coef_ = reader.need("coef", (n_inputs,))
    else:
        assert isinstance(mechanism, MLPMechanism)
        _mlp_fit_from_state(mechanism, reader, n_inputs)
    return mechanism


def _noise(reader: StateReader) -> str:
    noise = reader.value("noise", str)
    if noise not in ("empirical", "gaussian"):
        raise StateError("state", f"{reader.where}.noise", f"must be 'empirical' or 'gaussian'; got {noise!r}")
    return noise


def _mlp_fit_from_state(mechanism: MLPMechanism, reader: StateReader, n_inputs: int) -> None:
    """Set an MLP mechanism's fitted scaling and network from the state."""
    mechanism.x_mean_, mechanism.x_std_ = reader.need("x_mean", (n_inputs,)), reader.need("x_std", (n_inputs,))
    mechanism.y_mean_, mechanism.y_std_ = float(reader.value("y_mean", float)), float(reader.value("y_std", float))
    mechanism.val_loss_, mechanism.epochs_ = float(reader.value("val_loss", float)), reader.value("epochs", int)
    net = _mlp(n_inputs, mechanism.hidden)
    weights = {key: torch.from_numpy(np.array(reader.need(f"net.{key}", tuple(value.shape))))
               for key, value in net.state_dict().items()}
    net.load_state_dict(weights)
    mechanism.net_ = net.to(choose_device(mechanism.device)).eval()


def _categorical_state(mechanism: CategoricalMechanism) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    settings = {"C": float(mechanism.C), "max_iter": int(mechanism.max_iter), "n_classes": int(mechanism.n_classes_)}
    if mechanism.model_ is None:
        return settings, {"frequencies": mechanism.frequencies_}
    scaler, regression = mechanism.model_[0], mechanism.model_[-1]
    settings.update(n_samples_seen=float(scaler.n_samples_seen_), n_iter=np.asarray(regression.n_iter_).tolist())
    return settings, {"scaler.mean": scaler.mean_, "scaler.var": scaler.var_, "scaler.scale": scaler.scale_,
                      "coef": regression.coef_, "intercept": regression.intercept_, "classes": regression.classes_}


def _categorical_from_state(reader: StateReader, n_inputs: int) -> CategoricalMechanism:
    """A categorical mechanism, its scikit-learn estimators rebuilt from their fitted numbers."""
    mechanism = CategoricalMechanism(C=reader.value("C", float), max_iter=reader.value("max_iter", int))
    mechanism.n_classes_ = n_classes = reader.value("n_classes", int)
    if n_inputs == 0:
        mechanism.model_ = None
        mechanism.frequencies_ = reader.need("frequencies", (n_classes,))
        return mechanism
    classes = reader.need("classes", (None,))
    if len(classes) < 2 or not np.isin(classes, np.arange(n_classes)).all():
        raise StateError("arrays", f"{reader.prefix}classes", f"must hold 2 or more codes in 0..{n_classes - 1}")
    rows = 1 if len(classes) == 2 else len(classes)
    scaler = StandardScaler()
    scaler.mean_, scaler.var_, scaler.scale_ = (reader.need(f"scaler.{key}", (n_inputs,)) for key in ("mean", "var", "scale"))
    scaler.n_features_in_, scaler.n_samples_seen_ = n_inputs, reader.value("n_samples_seen", float)
    regression = LogisticRegression(C=mechanism.C, max_iter=mechanism.max_iter)
    regression.coef_, regression.intercept_ = reader.need("coef", (rows, n_inputs)), reader.need("intercept", (rows,))
    regression.classes_, regression.n_features_in_ = classes, n_inputs
    regression.n_iter_ = np.asarray(reader.value("n_iter", list), dtype=np.int32)
    mechanism.model_ = make_pipeline(scaler, regression)
    return mechanism
