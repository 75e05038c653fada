"""The published files themselves, when the user points an environment variable at one: shapes and factor sizes.

CRL_DSPRITES, CRL_SHAPES3D, CRL_MPI3D_TOY, CRL_MPI3D_REALISTIC, CRL_MPI3D_REAL: the path of that file.
Nothing downloads; without the variable the test is skipped and says which variable to set.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import crl.datasets

RELEASED = {"object_color": 6, "object_shape": 6, "object_size": 2, "camera_height": 3, "background_color": 3,
            "horizontal_axis": 40, "vertical_axis": 40}
EARLY = {**RELEASED, "object_color": 4, "object_shape": 4}
CASES = [
    ("CRL_DSPRITES", "dsprites", 1, [{"color": 1, "shape": 3, "scale": 6, "orientation": 40, "posX": 32, "posY": 32}]),
    ("CRL_SHAPES3D", "shapes3d", 3, [{"floor_hue": 10, "wall_hue": 10, "object_hue": 10, "scale": 8, "shape": 4,
                                      "orientation": 15}]),
    ("CRL_MPI3D_TOY", "mpi3d_toy", 3, [RELEASED, EARLY]),
    ("CRL_MPI3D_REALISTIC", "mpi3d_realistic", 3, [RELEASED, EARLY]),
    ("CRL_MPI3D_REAL", "mpi3d_real", 3, [RELEASED]),
]


@pytest.mark.slow
@pytest.mark.parametrize("variable, name, channels, published", CASES, ids=[c[1] for c in CASES])
def test_a_real_file_has_the_published_shape_and_factor_sizes(variable, name, channels, published, check_real):
    path = os.environ.get(variable)
    if not path:
        pytest.skip(f"set {variable} to the path of the published {name} file to check it (nothing downloads)")
    ds = crl.datasets.load(name, path)
    assert ds.factor_sizes in published
    assert len(ds) == int(np.prod(list(ds.factor_sizes.values())))
    sample = ds.sample(16, seed=0)
    assert sample.images.dtype == np.uint8 and sample.images.shape == (16, 64, 64, channels)
    assert list(sample.factors.columns) == list(ds.factor_sizes)
    check_real(ds, sample)


@pytest.fixture
def check_real():
    """Checks any grid file allows: a counterfactual of no change returns the very images, and a render of the
    sample's own factors too (each image is the file's image at its grid point)."""

    def check(ds, sample):
        name = ds.factor_names[0]
        unchanged = ds.counterfactual(sample, {name: sample.factors[name].iloc[0].item()})
        same = (sample.factors[name] == sample.factors[name].iloc[0]).to_numpy()
        np.testing.assert_array_equal(unchanged.images[same], sample.images[same])
        np.testing.assert_array_equal(ds.render(sample.factors), sample.images)
    return check
