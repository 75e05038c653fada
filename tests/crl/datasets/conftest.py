"""Small files in each published format, on reduced grids, whose images encode their own row.

Each writer stores the arrays under the published keys, dtypes, axis order and grid order (C order,
the last factor fastest), and returns the truth: the factor table of every row in crl's convention
(published values for continuous factors, class codes for categorical ones). Image k carries the
bits of k in 16 x 16 blocks of pixels (one block row per 16 bits), so `decode` reads back which row
an image is, at any resolution the block size divides: a test checks an image against its factors
by decoding it and looking its row up in the truth.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crl.datasets import dsprites, mpi3d, shapes3d
from crl.datasets.mpi3d import Layout

SIDE = 16  # test images are 16 px unless a test needs more (the formats do not fix the side)
BITS = 32

DSPRITES_SIZES = (1, 3, 2, 3, 2, 2)
SHAPES_SIZES = (2, 2, 2, 2, 4, 2)
MPI_RELEASED = Layout((("white", "green", "red"), ("cone", "cube"), ("small", "large"), ("top", "bottom"),
                       ("purple", "salmon")), positions=2)
MPI_EARLY = Layout((("green", "red"), ("cone", "cube"), ("small", "large"), ("top", "bottom"), ("purple", "salmon")),
                   positions=2)


def encode(rows: np.ndarray, side: int, high: int = 255) -> np.ndarray:
    """(n, side, side) uint8 images whose 16 x 16 blocks hold the bits of each row number (0 or `high`)."""
    rows = np.asarray(rows, dtype=np.int64)
    bits = (rows[:, None] >> np.arange(BITS)) & 1  # (n, 32)
    grid = np.zeros((len(rows), 16, 16), dtype=np.uint8)
    grid[:, :2, :] = (bits * high).reshape(len(rows), 2, 16)
    block = side // 16
    return np.repeat(np.repeat(grid, block, axis=1), block, axis=2)


def decode(images: np.ndarray) -> np.ndarray:
    """The row numbers `encode` wrote into uint8 images (n, H, W, C) of any side divisible by 16."""
    block = images.shape[1] // 16
    bits = images[:, : 2 * block : block, ::block, 0].reshape(len(images), BITS) > 127
    return (bits.astype(np.int64) << np.arange(BITS)).sum(axis=1)


def grid_classes(sizes) -> np.ndarray:
    """(N, F) classes of every row of a C-ordered grid."""
    return np.stack([c.reshape(-1) for c in np.indices(sizes)], axis=1)


def _object_member(payload: bytes) -> bytes:
    """An .npy member holding a pickled object (as dSprites' metadata is): loading it would run `payload`."""
    out = io.BytesIO()
    out.write(np.lib.format.magic(1, 0))
    np.lib.format.write_array_header_1_0(out, {"descr": "|O", "fortran_order": False, "shape": ()})
    out.write(payload)
    return out.getvalue()


def write_dsprites(path: Path, *, side: int = SIDE, compressed: bool = True, metadata: bytes | None = None,
                   swap_rows: str | None = None) -> pd.DataFrame:
    """A dSprites .npz on `DSPRITES_SIZES`: imgs (N, side, side) 0/1, latents_classes, latents_values
    (`swap_rows` "values" or "classes": rows 0 and 1 of that array swapped, out of the published order)."""
    classes = grid_classes(DSPRITES_SIZES)
    grids = [np.array([1.0]), np.array([1.0, 2.0, 3.0]), np.linspace(0.5, 1, DSPRITES_SIZES[2]),
             np.linspace(0, 2 * np.pi, DSPRITES_SIZES[3]), np.linspace(0, 1, DSPRITES_SIZES[4]),
             np.linspace(0, 1, DSPRITES_SIZES[5])]
    values = np.stack([g[classes[:, j]] for j, g in enumerate(grids)], axis=1)
    imgs = encode(np.arange(len(classes)), side, high=1)
    stored = {"latents_classes": classes.copy(), "latents_values": values.copy()}
    if swap_rows is not None:
        stored[f"latents_{swap_rows}"][[0, 1]] = stored[f"latents_{swap_rows}"][[1, 0]]
    (np.savez_compressed if compressed else np.savez)(path, imgs=imgs, **stored)
    if metadata is not None:
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("metadata.npy", _object_member(metadata))
    return pd.DataFrame({"color": classes[:, 0], "shape": classes[:, 1], **{
        name: values[:, j] for j, name in enumerate(dsprites.NAMES) if j >= 2}})


def write_shapes3d(path: Path, *, side: int = SIDE) -> pd.DataFrame:
    """A 3dshapes .h5 on `SHAPES_SIZES`: images (N, side, side, 3) uint8 and labels (N, 6) float64."""
    import h5py

    classes = grid_classes(SHAPES_SIZES)
    grids = [np.linspace(0, 0.9, SHAPES_SIZES[0]), np.linspace(0, 0.9, SHAPES_SIZES[1]),
             np.linspace(0, 0.9, SHAPES_SIZES[2]), np.linspace(0.75, 1.25, SHAPES_SIZES[3]),
             np.arange(SHAPES_SIZES[4], dtype=float), np.linspace(-30, 30, SHAPES_SIZES[5])]
    labels = np.stack([g[classes[:, j]] for j, g in enumerate(grids)], axis=1)
    images = np.repeat(encode(np.arange(len(classes)), side)[..., None], 3, axis=-1)
    with h5py.File(path, "w") as file:
        file.create_dataset("images", data=images)
        file.create_dataset("labels", data=labels)
    truth = pd.DataFrame(labels, columns=list(shapes3d.NAMES))
    return truth.astype({"shape": np.int64})


def write_mpi3d(path: Path, layout: Layout = MPI_RELEASED, *, side: int = SIDE, compressed: bool = False) -> pd.DataFrame:
    """An MPI3D .npz holding `layout`'s grid: images (N, side, side, 3) uint8, saved without compression."""
    classes = grid_classes(layout.sizes)
    images = np.repeat(encode(np.arange(len(classes)), side)[..., None], 3, axis=-1)
    (np.savez_compressed if compressed else np.savez)(path, images=images)
    truth = pd.DataFrame(classes, columns=list(mpi3d.NAMES))
    return truth.astype({"horizontal_axis": float, "vertical_axis": float})


@pytest.fixture
def small_grids(monkeypatch):
    """The published grids of every format, reduced (the loaders check files against these tables)."""
    monkeypatch.setattr(dsprites, "SIZES", DSPRITES_SIZES)
    monkeypatch.setattr(shapes3d, "SIZES", SHAPES_SIZES)
    monkeypatch.setitem(mpi3d.VARIANTS, "mpi3d_toy", (MPI_RELEASED, MPI_EARLY))
    monkeypatch.setitem(mpi3d.VARIANTS, "mpi3d_realistic", (MPI_RELEASED, MPI_EARLY))
    monkeypatch.setitem(mpi3d.VARIANTS, "mpi3d_real", (MPI_RELEASED,))


def check_rows(sample, truth: pd.DataFrame) -> np.ndarray:
    """Assert each image of `sample` is the file's image of its factor row; return the decoded rows."""
    rows = decode(sample.images)
    expected = truth.iloc[rows].reset_index(drop=True)
    pd.testing.assert_frame_equal(sample.factors.reset_index(drop=True)[list(truth.columns)], expected,
                                  check_dtype=False)
    return rows


@pytest.fixture
def check():
    """`check_rows` as a fixture (test modules here import nothing from each other)."""
    return check_rows


@pytest.fixture
def mpi_layouts():
    """The reduced MPI3D grids `small_grids` puts in force."""
    return {"released": MPI_RELEASED, "early": MPI_EARLY}


@pytest.fixture
def encode_rows():
    """`encode` as a fixture: images (n, side, side) uint8 0/255 that show their row numbers."""
    return encode


@pytest.fixture
def rows_of():
    """`decode` as a fixture: the file rows images show."""
    return decode


@pytest.fixture
def files(tmp_path, small_grids):
    """Writers of small files in each format, with the reduced grids in force."""
    return {"dsprites": lambda **kw: (tmp_path / "dsprites.npz", write_dsprites(tmp_path / "dsprites.npz", **kw)),
            "shapes3d": lambda **kw: (tmp_path / "3dshapes.h5", write_shapes3d(tmp_path / "3dshapes.h5", **kw)),
            "mpi3d": lambda layout=MPI_RELEASED, **kw: (tmp_path / "mpi3d.npz",
                                                        write_mpi3d(tmp_path / "mpi3d.npz", layout, **kw))}
