"""Object queries that return images: remove an object, edit its attributes, do() on a scene factor.

Every query reads the images' slots (`ObjectModel.read`), changes the slots and decodes them. Removing drops the
object's slot. An edit moves the slot along the inverse probe by the change asked for, after the SCM's counterfactual
of the object's row (abduct, set, predict) has recomputed its descendant attributes, which move the slot too. do()
on a scene factor takes every object's counterfactual row under it and moves every object slot alike. Edits and do()
add each image's residual (what its decoded slots miss: colour, edges) back where the decoded picture stays, as
`CausalModel.counterfactual` does (`crl.residual`), but only over the object slots the query keeps, so the objects it
leaves alone keep their pixels. Removal does not by default: where the model split the removed object between slots,
the residual of the parts other slots drew would bring it back (docs/objects.md). Arguments are checked before any
slot is computed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crl.residual import keep_residual as with_residual
from encoders.data import check_images


@dataclass
class Reading:
    """Slots (N, K, D) of some images and their object table (``image``, ``object`` = slot + 1, ``slot``, ...)."""

    slots: np.ndarray
    objects: pd.DataFrame


@dataclass
class ObjectQueryResult:
    """A query's images uint8 (N, H, W, 3), masks int (N, H, W) (0 background, k the model's object k), the decoded
    slot images and alpha masks (N, K', ...) and ``objects``: the model's intended attributes after the query."""

    images: np.ndarray
    masks: np.ndarray
    slot_images: np.ndarray
    slot_masks: np.ndarray
    objects: pd.DataFrame


def decode(model: Any, slots: np.ndarray, reading: Reading, keep: np.ndarray | None = None,
           objects: pd.DataFrame | None = None, images: np.ndarray | None = None) -> ObjectQueryResult:
    """Decode slots (N, K, D), only those where `keep` (N, K) is True, into images and object-labelled masks; with
    the `images` the slots were read from, each keeps its residual where the decoded picture stays (`crl.residual`)."""
    n, k, _ = slots.shape
    keep = np.ones((n, k), dtype=bool) if keep is None else keep
    order = np.argsort(~keep, axis=1, kind="stable")[:, : int(keep.sum(axis=1).min())]  # kept slots first
    out = model.encoder_.decode(np.take_along_axis(slots, order[..., None], axis=1))
    label = np.zeros((n, k), dtype=np.int64)
    label[reading.objects["image"].to_numpy(), reading.objects["slot"].to_numpy()] = reading.objects["object"]
    winner = np.take_along_axis(order, out.masks.argmax(axis=1).reshape(n, -1), axis=1)  # original slot per pixel
    masks = np.take_along_axis(label, winner, axis=1).reshape(n, *out.masks.shape[2:])
    picture = out.image if images is None else _with_residual(model, images, reading.slots, (label > 0) & keep, out.image)
    return ObjectQueryResult(picture, masks, out.slot_images, out.masks,
                             reading.objects if objects is None else objects)


def _with_residual(model: Any, images: np.ndarray, slots: np.ndarray, kept_objects: np.ndarray,
                   decoded: np.ndarray) -> np.ndarray:
    """`decoded` with each image's residual kept where the picture stays, and only in the share of each pixel that the
    kept object slots (`kept_objects`, N x K) drew: a removed object's residual, or one the background slots left
    behind, would redraw it."""
    whole = model.encoder_.decode(slots)
    share = (whole.masks * kept_objects[:, :, None, None]).sum(axis=1)
    return with_residual(images, whole.image, decoded, weight=np.clip(share, 0.0, 1.0))


def object_slots(reading: Reading, object: Any, n: int) -> np.ndarray:
    """The slot of the model's object `object` (an int, or one per image) in each image; ValueError when an image
    has no such object."""
    labels = np.atleast_1d(np.asarray(object))
    if labels.dtype.kind not in "iu" or labels.ndim != 1 or len(labels) not in (1, n):
        raise ValueError(f"object must be an integer or {n} integers (one per image), got {object!r}")
    labels = np.broadcast_to(labels, (n,))
    present = set(zip(reading.objects["image"].tolist(), reading.objects["object"].tolist()))
    lacking = [i for i in range(n) if (i, int(labels[i])) not in present]
    if lacking:
        held = reading.objects.groupby("image")["object"].apply(list).to_dict()
        raise ValueError(f"object: image(s) {lacking[:5]} have no object {[int(labels[i]) for i in lacking[:5]]}; "
                         f"their objects are {[held.get(i, []) for i in lacking[:5]]}")
    return labels.astype(np.int64) - 1


def _check_values(model: Any, values: Any, names: list[str], what: str) -> dict[str, Any]:
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"{what} must be a non-empty dict {{name: value}}, got {values!r}")
    unknown = [name for name in values if name not in names]
    if unknown:
        raise ValueError(f"{what}: unknown name(s) {unknown}; the model has {names}")
    for name, value in values.items():
        categories = model.probes_.categories.get(name)
        if categories is not None and value not in categories:
            raise ValueError(f"{what}[{name!r}] must be one of the codes {categories}, got {value!r}")
        if categories is None and (isinstance(value, bool) or not np.isfinite(np.asarray(value, dtype=float)).all()):
            raise ValueError(f"{what}[{name!r}] must be a finite number, got {value!r}")
    return dict(values)


def _counterfactual_shift(model: Any, rows: pd.DataFrame, do: dict[str, Any]) -> tuple[np.ndarray, pd.DataFrame]:
    """Slot changes (M, D) of object rows under do(), with descendants recomputed by the SCM; the new rows."""
    columns = [*model.factor_names_, *model.attributes_]
    after = model.scm_.counterfactual(rows[columns].reset_index(drop=True), do)
    return model.probes_.shift(rows[model.attributes_], after[model.attributes_]), after


def remove(model: Any, images: np.ndarray, object: Any, keep_residual: bool = False) -> ObjectQueryResult:
    """Drop the slot of object `object` in each image and decode the rest."""
    model._check_fitted()
    images = check_images(images, "images")
    reading = model.read(images)
    slot = object_slots(reading, object, len(images))
    keep = np.ones(reading.slots.shape[:2], dtype=bool)
    keep[np.arange(len(images)), slot] = False
    objects = reading.objects[keep[reading.objects["image"], reading.objects["slot"]]].reset_index(drop=True)
    return decode(model, reading.slots, reading, keep, objects, images if keep_residual else None)


def edit(model: Any, images: np.ndarray, object: Any, set: Any, keep_residual: bool = True) -> ObjectQueryResult:
    """Set attributes of object `object`; its descendants follow the SCM's counterfactual; decode the moved slots."""
    model._check_fitted()
    values = _check_values(model, set, list(model.attributes_), "set")
    images = check_images(images, "images")
    reading = model.read(images)
    slot = object_slots(reading, object, len(images))
    table = reading.objects.set_index(["image", "slot"])
    rows = table.loc[list(zip(range(len(images)), slot))].reset_index()
    shift, after = _counterfactual_shift(model, rows, values)
    slots = reading.slots.copy()
    slots[np.arange(len(images)), slot] += shift.astype(slots.dtype)
    return decode(model, slots, reading, objects=_updated(reading.objects, rows, after, model.attributes_),
                  images=images if keep_residual else None)


def scene_do(model: Any, images: np.ndarray, do: Any, keep_residual: bool = True) -> ObjectQueryResult:
    """do() on scene factors: every object's row takes its counterfactual and every object slot moves with it."""
    model._check_fitted()
    values = _check_values(model, do, list(model.factor_names_), "do")
    images = check_images(images, "images")
    reading = model.read(images)
    rows = reading.objects
    shift, after = _counterfactual_shift(model, rows, values)
    slots = reading.slots.copy()
    slots[rows["image"].to_numpy(), rows["slot"].to_numpy()] += shift.astype(slots.dtype)
    return decode(model, slots, reading, objects=_updated(rows, rows, after, [*model.factor_names_, *model.attributes_]),
                  images=images if keep_residual else None)


def _updated(objects: pd.DataFrame, rows: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`objects` with the rows (matched on image and slot) replaced by their values in `after`."""
    out = objects.copy()
    where = {key: i for i, key in enumerate(zip(out["image"], out["slot"]))}
    index = [where[key] for key in zip(rows["image"], rows["slot"])]
    for column in columns:
        out.loc[index, column] = after[column].to_numpy().astype(out[column].dtype)
    return out
