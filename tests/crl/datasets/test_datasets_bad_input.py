"""Bad files are refused when loaded, each with an error naming the file and what was expected."""
from __future__ import annotations

import re

import numpy as np
import pytest

import crl.datasets
from crl.datasets import dsprites


@pytest.mark.parametrize("name", ["dsprites", "shapes3d", "mpi3d_toy", "mpi3d_realistic", "mpi3d_real", "folder"])
def test_a_missing_path_is_named(name, tmp_path):
    missing = tmp_path / "nowhere" / "data"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        crl.datasets.load(name, missing)


def test_a_file_of_another_format_is_named_with_what_it_is(files, tmp_path):
    h5, _ = files["shapes3d"]()
    with pytest.raises(ValueError, match=rf"'{re.escape(str(h5))}' is an HDF5 file; expected the dSprites .npz"):
        crl.datasets.load("dsprites", h5)
    with pytest.raises(ValueError, match="is an HDF5 file; expected an MPI3D .npz"):
        crl.datasets.load("mpi3d_real", h5)
    text = tmp_path / "notes.txt"
    text.write_text("not data")
    with pytest.raises(ValueError, match="notes.txt' is a file of unknown format; expected the Shapes3D HDF5 file"):
        crl.datasets.load("shapes3d", text)
    with pytest.raises(ValueError, match="is a folder; expected the dSprites .npz"):
        crl.datasets.load("dsprites", tmp_path)


def test_another_data_sets_file_is_named_with_how_to_load_it(files):
    sprites, _ = files["dsprites"]()
    mpi, _ = files["mpi3d"]()
    with pytest.raises(ValueError, match=r"holds the arrays of a dSprites file .* load it as 'dsprites'"):
        crl.datasets.load("mpi3d_toy", sprites)
    with pytest.raises(ValueError, match=r"holds the arrays of a MPI3D file .* load it as 'mpi3d_toy'"):
        crl.datasets.load("dsprites", mpi)
    with pytest.raises(ValueError, match=r"is an .npz \(zip\) archive holding a dSprites file's arrays \(load it as "
                                         r"'dsprites'\); expected the Shapes3D HDF5 file"):
        crl.datasets.load("shapes3d", sprites)


def test_a_file_missing_an_array_is_named(tmp_path, small_grids):
    path = tmp_path / "partial.npz"
    np.savez(path, imgs=np.zeros((72, 16, 16), np.uint8), latents_values=np.zeros((72, 6)))
    with pytest.raises(ValueError, match=r"holds arrays \['imgs', 'latents_values'\]; a dSprites file holds .* "
                                         r"\(missing \['latents_classes'\]\)"):
        crl.datasets.load("dsprites", path)


def test_a_grid_of_another_size_is_refused(files, monkeypatch, mpi_layouts):
    sprites, _ = files["dsprites"]()
    monkeypatch.setattr(dsprites, "SIZES", (1, 3, 6, 40, 32, 32))
    with pytest.raises(ValueError, match=r"array 'imgs' holds 72 images; the grid color 1 x shape 3 x scale 6 x "
                                         r"orientation 40 x posX 32 x posY 32 has 737280"):
        crl.datasets.load("dsprites", sprites)
    early, _ = files["mpi3d"](mpi_layouts["early"])
    with pytest.raises(ValueError, match=r"array 'images' holds 128 images; an mpi3d_real file holds 192"):
        crl.datasets.load("mpi3d_real", early)


def test_a_file_out_of_the_published_order_is_refused(files):
    path, _ = files["dsprites"](swap_rows="values")
    with pytest.raises(ValueError, match=r"array 'latents_values': rows 0 and 2 are both posY class 0 in the published "
                                         r"grid order but hold posY=1 and 0; the file is not in the published order"):
        crl.datasets.load("dsprites", path)
    path, _ = files["dsprites"](swap_rows="classes")
    with pytest.raises(ValueError, match=r"array 'latents_classes': row 0 has posY class 1, the published grid order "
                                         r"puts 0; the file is not in the published order"):
        crl.datasets.load("dsprites", path)


def test_images_of_the_wrong_type_are_refused(tmp_path, small_grids):
    path = tmp_path / "floats.npz"
    np.savez(path, images=np.zeros((192, 16, 16, 3), np.float32))
    with pytest.raises(ValueError, match=r"array 'images' is float32 of shape \(192, 16, 16, 3\); expected uint8"):
        crl.datasets.load("mpi3d_real", path)


def test_unknown_names_and_options_are_listed(files):
    path, _ = files["mpi3d"]()
    with pytest.raises(ValueError, match=r"unknown data set 'mpi3d'; name the MPI3D variant; available data sets are "
                                         r"\['dsprites', 'folder', 'mpi3d_real', 'mpi3d_realistic', 'mpi3d_toy', "
                                         r"'shapes3d'\]"):
        crl.datasets.load("mpi3d", path)
    with pytest.raises(ValueError, match=r"data set 'mpi3d_real': unknown option\(s\) \['variant'\]"):
        crl.datasets.load("mpi3d_real", path, variant="real")
