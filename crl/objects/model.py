"""`ObjectModel`: a slot encoder joined to a structural causal model over object attributes and scene factors.

As `CausalModel` joins a VAE and an SCM over concepts, `fit` trains (or takes) a Slot Attention model, matches the
slots of a few labelled images to their true objects (Hungarian on mask IoU), fits probes from slots to object
attributes and scene factors on those objects, reads every slot of every image into a pooled object table,
discovers a graph over it and fits one structural equation per column. Queries (`crl.objects.queries`) act on the
slots and decode back to images.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crl.exceptions import NotFittedError
from crl.objects import queries
from crl.objects.fitting import check_labelled, check_on_labels, discover_graph, labelled_table, object_table, probe_labelled
from crl.objects.persistence import read_object_folder, write_object_folder


class ObjectModel(BaseEstimator):
    """Objects from images, a causal graph over their attributes, and object queries that return images.

    Parameters
    ----------
    num_slots : int
        Slots of training and of every call.
    steps, batch_size, lr, preset : int, int, float, str
        Slot Attention training (`encoders.train_slots`); "cpu" is the small network for CPU budgets. lr 4e-4 (the
        paper's) and batch 32: at 64 px, lr 1e-3 found the objects as fast and then lost them (FG-ARI 0.66 -> 0.47),
        and batch 32 beat 16 and 64 per CPU minute (docs/objects.md).
    slot_options : dict, optional
        `encoders.slots.SlotConfig` fields over the preset (e.g. width=16, slot_dim=32).
    time_budget : float, optional
        Seconds for slot training (the steps are cut to what fits).
    labelled : int
        Images of an `ObjectSample` whose objects, masks and light are used as labels when fitting from a sample.
    attributes : list of str, optional
        Object attributes to model (default: every attribute of the labelled objects).
    categorical : list of str, optional
        Attributes whose values are category codes (read by logistic regression, discrete in the SCM); default: those
        whose labelled values are integers (a scene's shape, and tetrominoes' quarter-turn orientation).
    min_iou : float
        Matched (slot, object) pairs with a lower mask IoU are not used to fit the probes.
    discovery : str
        An `scm.discover` method over the pooled object table.
    mechanisms : str
        Structural equations: "linear", "mlp" or "auto" (`scm.SCM`).
    discovery_options : dict, optional
        Passed to `scm.discover`.
    label_check : bool
        Remove discovered edges that the labelled objects' true values give no evidence for (`check_on_labels`);
        the refuted edges and their tests are in ``graph.graph["refuted"]``.
    device, seed, progress : str, int, bool

    Attributes
    ----------
    encoder_ : encoders.slots.SlotModel
    probes_ : crl.objects.probes.Probes
        Readers of attributes, objectness and scene factors, and the inverse map used by edits.
    matching_ : DataFrame
        Labelled objects and their slots (``image``, ``object``, ``slot``, ``iou``).
    objects_ : DataFrame
        The training images' object table, as read by the probes.
    graph_, dag_ : networkx.DiGraph
        The discovered graph over scene factors and attributes, and the DAG the SCM follows.
    scm_ : scm.SCM
    """

    def __init__(self, num_slots: int = 5, *, steps: int | Literal["auto"] = 2000, batch_size: int = 32, lr: float = 4e-4,
                 preset: str = "cpu", slot_options: Mapping[str, Any] | None = None, time_budget: float | None = None,
                 labelled: int = 40, attributes: Sequence[str] | None = None, categorical: Sequence[str] | None = None,
                 min_iou: float = 0.3, discovery: str = "pc", mechanisms: str = "linear",
                 discovery_options: Mapping[str, Any] | None = None, label_check: bool = True,
                 device: str = "auto", seed: int = 0, progress: bool = True):
        self.num_slots = num_slots
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.preset = preset
        self.slot_options = slot_options
        self.time_budget = time_budget
        self.labelled = labelled
        self.attributes = attributes
        self.categorical = categorical
        self.min_iou = min_iou
        self.discovery = discovery
        self.mechanisms = mechanisms
        self.discovery_options = discovery_options
        self.label_check = label_check
        self.device = device
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def fit(self, images: Any, objects: pd.DataFrame | None = None, masks: np.ndarray | None = None,
            factors: pd.DataFrame | None = None, encoder: Any = None) -> ObjectModel:
        """Learn slots, probes, the graph and the structural equations.

        Parameters
        ----------
        images : numpy.ndarray or ObjectSample
            uint8 (N, H, W, 3); or a scene sample, whose first `labelled` images give objects, masks and factors.
        objects : DataFrame
            The labelled objects: ``image`` (row of `images`), ``object`` (its label in `masks`), attributes.
        masks : numpy.ndarray
            int (L, H, W): the true instance masks of the labelled images, in the order of sorted ``image``.
        factors : DataFrame, optional
            Scene factors (e.g. ``light``) of the labelled images, indexed by image row.
        encoder : encoders.slots.SlotModel, optional
            A trained slot model to use instead of training one.

        Returns
        -------
        ObjectModel
            self, fitted.
        """
        images, objects, masks, factors = _from_sample(images, objects, masks, factors, self.labelled)
        images, labelled, attributes, categorical = check_labelled(
            images, objects, masks, factors, _names(self.attributes), _names(self.categorical))
        self.encoder_ = self._encoder(images, encoder)
        slots = slots_of(self.encoder_, images, self.num_slots, self.seed)
        segmentation = self.encoder_.decode(slots[labelled.rows]).masks.argmax(axis=1)
        self.probes_, self.matching_ = probe_labelled(slots[labelled.rows], segmentation, labelled, self.num_slots,
                                                      categorical, self.min_iou, self.seed)
        self.attributes_, self.categorical_ = attributes, categorical
        self.factor_names_ = list(self.probes_.light)
        self.objects_ = object_table(slots, self.probes_)
        columns = [*self.factor_names_, *attributes]
        self.fit_graph(self.objects_[columns], labels=labelled_table(labelled, columns) if self.label_check else None)
        return self

    def fit_graph(self, table: pd.DataFrame, graph: nx.DiGraph | None = None,
                  labels: pd.DataFrame | None = None) -> ObjectModel:
        """Discover the graph over a pooled table (one row per object; scene factors, then attributes) and fit the
        mechanisms; with `graph`, fit the mechanisms on that graph instead. With `labels` (true values of the same
        columns for a few objects), discovered edges they give no evidence for are removed (`check_on_labels`).
        Used by `fit`, and on true tables."""
        import scm

        if graph is None:
            self.graph_, self.dag_ = discover_graph(table, self.discovery, self.discovery_options, self.seed)
            if labels is not None:
                check_on_labels(self.graph_, self.dag_, labels)
        else:
            self.graph_, self.dag_ = graph.copy(), graph.copy()
        known = getattr(self, "categorical_", self.categorical)
        discrete = [c for c in table.columns if (c in known if known is not None else table[c].dtype.kind in "iu")]
        self.scm_ = scm.SCM(self.dag_, mechanisms=self.mechanisms, seed=self.seed, discrete=discrete).fit(table)
        return self

    def _encoder(self, images: np.ndarray, encoder: Any) -> Any:
        if encoder is not None:
            if not hasattr(encoder, "encode") or not hasattr(encoder, "decode"):
                raise ValueError(f"encoder must be a trained slot model (encoders.slots.SlotModel), got {encoder!r}")
            encoder.check_input(images)
            return encoder
        import encoders

        return encoders.train_slots("slot-attention", images, num_slots=self.num_slots, steps=self.steps,
                                    batch_size=self.batch_size, lr=self.lr, seed=self.seed, device=self.device,
                                    preset=self.preset, time_budget=self.time_budget, progress=self.progress,
                                    **dict(self.slot_options or {}))

    # ------------------------------------------------------------------ reading
    def _check_fitted(self) -> None:
        if not hasattr(self, "scm_"):
            raise NotFittedError("this ObjectModel is not fitted yet; call fit(images, objects, masks) first")

    @property
    def graph(self) -> nx.DiGraph:
        """The discovered graph over scene factors and object attributes."""
        self._check_fitted()
        return self.graph_

    def read(self, images: np.ndarray) -> queries.Reading:
        """The slots (N, K, D) of images and their object table (``image``, ``object`` = slot + 1, factors, attributes)."""
        self._check_fitted()
        slots = slots_of(self.encoder_, images, self.num_slots, self.seed)
        return queries.Reading(slots, object_table(slots, self.probes_))

    def segment(self, images: np.ndarray) -> np.ndarray:
        """int (N, H, W): 0 where a background slot wins, k where the model's object k (slot k - 1) wins."""
        reading = self.read(images)
        return queries.decode(self, reading.slots, reading).masks

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, overwrite: bool = False) -> None:
        """Write the model to folder `path` as JSON and safetensors, whole or not at all (`crl.objects.persistence`);
        only a saved ObjectModel there is replaced (`overwrite`: also another kind of saved model)."""
        self._check_fitted()
        write_object_folder(path, self, overwrite)

    @classmethod
    def load(cls, path: str | Path, device: str = "auto") -> ObjectModel:
        """Load a folder written by `save` onto `device`; loading runs no stored code, and a damaged or foreign
        folder is refused naming the file and field (`crl.exceptions.ModelFileError`)."""
        stored = read_object_folder(path, device=device, params_of=cls)
        model = cls(**{**stored["params"], "device": device})
        model.encoder_, model.probes_, model.scm_ = stored["encoder"], stored["probes"], stored["scm"]
        model.graph_, model.dag_ = stored["graph"], stored["dag"]
        model.objects_, model.matching_ = stored["objects"], stored["matching"]
        model.attributes_, model.categorical_ = stored["attributes"], stored["categorical"]
        model.factor_names_ = stored["factor_names"]
        return model

    # ------------------------------------------------------------------ queries
    def remove(self, images: np.ndarray, object: int | Sequence[int], keep_residual: bool = False) -> queries.ObjectQueryResult:
        """Images with the model's object `object` (one label, or one per image) removed: its slot dropped.
        `keep_residual`: as for `edit`; off here, as the residual of a split object's other parts would redraw them."""
        return queries.remove(self, images, object, keep_residual)

    def edit(self, images: np.ndarray, object: int | Sequence[int], set: Mapping[str, Any],
             keep_residual: bool = True) -> queries.ObjectQueryResult:
        """Images with attributes of object `object` set (`set`: attribute -> value) and its descendants recomputed.
        `keep_residual`: add each image's residual back over the kept object slots where the picture stays
        (`crl.residual`), so the objects the query leaves alone keep the colours the decoder does not draw."""
        return queries.edit(self, images, object, set, keep_residual)

    def counterfactual(self, images: np.ndarray, do: Mapping[str, Any], keep_residual: bool = True) -> queries.ObjectQueryResult:
        """Images under do() on scene factors: every object's descendant attributes recomputed and its slot moved."""
        return queries.scene_do(self, images, do, keep_residual)


def slots_of(encoder: Any, images: np.ndarray, num_slots: int, seed: int) -> np.ndarray:
    """Slots (N, K, D) of each image encoded alone, so that its random initial slots, and so its slots, do not depend
    on the other images of the call (a query on a subset reads the same objects as on the whole)."""
    images = encoder.check_input(images)
    if not len(images):
        return np.zeros((0, num_slots, encoder.slot_dim), np.float32)
    return np.concatenate([encoder.encode(images[i:i + 1], num_slots, seed=seed) for i in range(len(images))])


def _names(attributes: Sequence[str] | None) -> list[str] | None:
    if attributes is None:
        return None
    if isinstance(attributes, str) or not all(isinstance(a, str) for a in attributes):
        raise ValueError(f"attributes must be a list of attribute names, got {attributes!r}")
    return list(attributes)


def _from_sample(images: Any, objects: Any, masks: Any, factors: Any, labelled: int) -> tuple[Any, Any, Any, Any]:
    """A scene sample's images and, for its first `labelled` images, objects, masks and scene factors."""
    from crl.scenes.objects import ObjectSample

    if not isinstance(images, ObjectSample):
        return images, objects, masks, factors
    if isinstance(labelled, bool) or not isinstance(labelled, int) or not 1 <= labelled <= len(images.images):
        raise ValueError(f"labelled must be an integer in 1..{len(images.images)} (images of the sample), got "
                         f"{labelled!r}")
    rows = images.objects["image"] < labelled
    table = images.objects[rows] if objects is None else objects
    light = images.factors[["light"]].iloc[:labelled] if factors is None else factors
    return images.images, table, images.masks[:labelled] if masks is None else masks, light

