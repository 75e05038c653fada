"""Each published format read as published: keys, factor names, sizes and kinds, lazy reading, nothing unpickled."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import crl.datasets
from crl.datasets import npz


def test_a_stored_npz_member_is_memory_mapped_and_a_deflated_one_read_in_chunks(tmp_path, monkeypatch):
    images = np.arange(5 * 3 * 4 * 2, dtype=np.uint8).reshape(5, 3, 4, 2)
    labels = np.linspace(0, 1, 10).reshape(5, 2)
    np.savez(tmp_path / "stored.npz", images=images, labels=labels)
    np.savez_compressed(tmp_path / "deflated.npz", images=images)
    stored = npz.member(tmp_path / "stored.npz", "images")
    assert (stored.shape, stored.dtype, stored.compressed) == ((5, 3, 4, 2), np.uint8, False)
    mapped = npz.load_member(stored)
    assert isinstance(mapped, np.memmap)
    np.testing.assert_array_equal(mapped, images)
    np.testing.assert_array_equal(npz.load_member(npz.member(tmp_path / "stored.npz", "labels")), labels)
    deflated = npz.member(tmp_path / "deflated.npz", "images")
    assert deflated.compressed and not isinstance(npz.load_member(deflated), np.memmap)
    np.testing.assert_array_equal(npz.load_member(deflated), images)
    monkeypatch.setattr(npz, "CHUNK_BYTES", 2 * 3 * 4 * 2)  # two images per chunk
    chunks = list(npz.member_chunks(deflated))
    assert [len(c) for c in chunks] == [2, 2, 1]
    np.testing.assert_array_equal(np.concatenate(chunks), images)


def test_dsprites_reads_the_same_images_deflated_packed_or_stored_mapped(files, check):
    path, truth = files["dsprites"](compressed=True)
    packed = crl.datasets.load("dsprites", path)
    assert npz.member(path, "imgs").compressed
    images = packed.sample(100, seed=1).images
    path, truth = files["dsprites"](compressed=False)  # the same grid, saved without compression
    assert not npz.member(path, "imgs").compressed
    mapped = crl.datasets.load("dsprites", path)
    np.testing.assert_array_equal(mapped.sample(100, seed=1).images, images)
    check(mapped.sample(100, seed=1), truth)


def test_dsprites_never_unpickles_its_metadata(files, pickle_payload, tmp_path):
    marker = tmp_path / "unpickled"
    path, _ = files["dsprites"](metadata=pickle_payload(marker))
    ds = crl.datasets.load("dsprites", path)
    ds.sample(10)
    assert not marker.exists()


def test_dsprites_factors_as_published(files):
    path, truth = files["dsprites"]()
    ds = crl.datasets.load("dsprites", path)
    assert list(ds.grid) == ["color", "shape", "scale", "orientation", "posX", "posY"]
    assert ds.factor_names == ["shape", "scale", "orientation", "posX", "posY"]  # color: one value, as in disentanglement_lib
    kinds = {f.name: f.kind for f in ds.factors}
    assert kinds == {"shape": "categorical", "scale": "continuous", "orientation": "continuous", "posX": "continuous",
                     "posY": "continuous"}
    assert ds.factors[0].categories == ("square", "ellipse", "heart")
    sample = ds.sample(30)
    assert (sample.factors["color"] == 0).all() and sample.images.shape[-1] == 1
    assert set(np.unique(sample.images)) == {0, 255}
    np.testing.assert_allclose(ds.grid["scale"], [0.5, 1.0])
    np.testing.assert_allclose(ds.grid["orientation"], [0, np.pi, 2 * np.pi])


def test_shapes3d_factors_as_published(files):
    path, truth = files["shapes3d"]()
    ds = crl.datasets.load("shapes3d", path)
    assert ds.factor_names == ["floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"]
    assert [f.kind for f in ds.factors] == ["continuous"] * 4 + ["categorical", "continuous"]
    np.testing.assert_allclose(ds.grid["orientation"], [-30, 30])
    assert ds.sample(5).images.shape[1:] == (16, 16, 3)


def test_mpi3d_tells_the_released_grid_from_the_early_one_by_its_count(files, check, mpi_layouts):
    early = mpi_layouts["early"]
    path, truth = files["mpi3d"](early)
    ds = crl.datasets.load("mpi3d_toy", path)
    assert ds.factors[0].categories == early.categories[0]
    check(ds.sample(40), truth)
    assert ds.factor_names == ["object_color", "object_shape", "object_size", "camera_height", "background_color",
                               "horizontal_axis", "vertical_axis"]
    assert [f.kind for f in ds.factors] == ["categorical"] * 5 + ["continuous"] * 2
    with pytest.raises(ValueError, match=r"holds 128 images; an mpi3d_real file holds 192 \(3 x 2 x 2 x 2 x 2 x 2 x 2\)"):
        crl.datasets.load("mpi3d_real", path)


def test_the_published_tables_are_the_ones_checked_against():
    from crl.datasets import dsprites, mpi3d, shapes3d

    assert dict(zip(dsprites.NAMES, dsprites.SIZES)) == {"color": 1, "shape": 3, "scale": 6, "orientation": 40,
                                                          "posX": 32, "posY": 32}
    assert dict(zip(shapes3d.NAMES, shapes3d.SIZES)) == {"floor_hue": 10, "wall_hue": 10, "object_hue": 10, "scale": 8,
                                                          "shape": 4, "orientation": 15}
    assert mpi3d.RELEASED.sizes == (6, 6, 2, 3, 3, 40, 40) and mpi3d.RELEASED.count == 1_036_800
    assert mpi3d.EARLY.sizes == (4, 4, 2, 3, 3, 40, 40) and mpi3d.EARLY.count == 460_800
    assert mpi3d.VARIANTS["mpi3d_real"] == (mpi3d.RELEASED,)


def test_shapes3d_without_h5py_names_the_extra(files, monkeypatch):
    path, _ = files["shapes3d"]()
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r'pip install "crl\[datasets\]"'):
        crl.datasets.load("shapes3d", path)
