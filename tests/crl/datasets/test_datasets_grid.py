"""Grid data sets (dSprites, Shapes3D, MPI3D files on reduced grids) answer every query with the image of its factors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crl.datasets
from crl.protocols import SceneLike

LOAD_AS = {"dsprites": "dsprites", "shapes3d": "shapes3d", "mpi3d": "mpi3d_real"}
# one categorical and one continuous factor of each data set, with a grid value and a value between two
PROBES = {"dsprites": ("shape", "heart", 2, "posX", 1.0, 0.4),
          "shapes3d": ("shape", "3", 3, "orientation", -30.0, 10.0),
          "mpi3d": ("object_color", "red", 2, "vertical_axis", 1.0, 0.5)}


@pytest.fixture(params=sorted(LOAD_AS))
def grid(request, files):
    path, truth = files[request.param]()
    return request.param, crl.datasets.load(LOAD_AS[request.param], path), truth


def _as_sample(images, factors):
    return crl.datasets.GridSample(images, factors, np.zeros(len(images), dtype=np.int64))


def test_a_grid_is_a_scene_of_independent_factors(grid):
    kind, ds, truth = grid
    assert isinstance(ds, SceneLike)
    assert len(ds) == len(truth) and list(ds.grid) == list(truth.columns)
    assert sorted(ds.graph.nodes) == sorted(ds.factor_names) and ds.graph.number_of_edges() == 0
    sizes = {name: len(np.unique(truth[name])) for name in truth.columns}
    assert ds.factor_sizes == sizes
    assert ds.factor_names == [name for name, size in sizes.items() if size > 1]  # dSprites' color is no factor


def test_sample_returns_each_images_own_factors(grid, check):
    _, ds, truth = grid
    sample = ds.sample(200, seed=3)
    assert sample.images.dtype == np.uint8 and sample.images.shape == (200, 16, 16, ds.channels)
    rows = check(sample, truth)
    np.testing.assert_array_equal(rows, sample.index)
    assert len(np.unique(rows)) > len(truth) // 2  # uniform over the grid: most points drawn
    np.testing.assert_array_equal(ds.sample(200, seed=3).index, rows)
    assert not np.array_equal(ds.sample(200, seed=4).index, rows)


def test_render_shows_the_grid_point_and_the_nearest_one_between_points(grid, rows_of):
    kind, ds, truth = grid
    rows = np.arange(len(truth))[::-1]
    np.testing.assert_array_equal(rows_of(ds.render(truth.iloc[rows])), rows)
    _, _, _, name, on_grid, between = PROBES[kind]
    moved = truth.copy()
    nearest = ds.grid[name][np.abs(ds.grid[name] - between).argmin()]
    moved.loc[moved[name] == nearest, name] = between
    np.testing.assert_array_equal(rows_of(ds.render(moved)), np.arange(len(truth)))


def test_intervene_sets_a_factor_and_draws_the_others(grid, check):
    kind, ds, truth = grid
    category, by_name, code, number, on_grid, _ = PROBES[kind]
    for do, column, value in (({category: by_name}, category, code), ({number: on_grid}, number, on_grid)):
        sample = ds.intervene(do, 100, seed=1)
        check(sample, truth)
        assert (sample.factors[column] == value).all()
        others = [name for name in ds.factor_names if name != column]
        assert all(sample.factors[name].nunique() > 1 for name in others)


def test_counterfactual_is_the_grid_image_with_one_factor_changed(grid, check):
    kind, ds, truth = grid
    category, by_name, code, number, on_grid, _ = PROBES[kind]
    factual = ds.sample(100, seed=2)
    for do, column, value in (({category: by_name}, category, code), ({number: on_grid}, number, on_grid)):
        counterfactual = ds.counterfactual(factual, do)
        check(counterfactual, truth)
        assert (counterfactual.factors[column] == value).all()
        others = [name for name in truth.columns if name != column]
        pd.testing.assert_frame_equal(counterfactual.factors[others], factual.factors[others])
    # a table of on-grid values answers too (what a user reads back from a CSV)
    again = ds.counterfactual(_as_sample(factual.images, factual.factors.round(8)), {category: code})
    assert (again.factors[category] == code).all()


def test_counterfactual_and_intervene_refuse_values_off_the_grid(grid):
    kind, ds, _ = grid
    _, _, _, number, _, between = PROBES[kind]
    factual = ds.sample(5)
    for query in (lambda: ds.counterfactual(factual, {number: between}), lambda: ds.intervene({number: between}, 5)):
        with pytest.raises(ValueError, match=rf"{number}={between:g} is not on the data set's grid; '{number}' takes"):
            query()
    moved = factual.factors.copy()
    moved[number] = between
    with pytest.raises(ValueError, match=rf"sample.factors: column '{number}'.*not on the data set's grid"):
        ds.counterfactual(_as_sample(factual.images, moved), {number: ds.grid[number][0]})
    with pytest.raises(ValueError, match="unknown factor 'nope'"):
        ds.intervene({"nope": 1}, 5)
    with pytest.raises(ValueError, match="not a Shift"):
        ds.intervene({number: crl.Shift(0.1)}, 5)


@pytest.mark.parametrize("k", [1, 2])
def test_pairs_change_exactly_k_factors_to_other_values(grid, check, k):
    _, ds, truth = grid
    pairs = ds.sample_pairs(300, k=k, seed=5)
    check(_as_sample(pairs.x1, pairs.factors1), truth)
    check(_as_sample(pairs.x2, pairs.factors2), truth)
    moved = (pairs.factors1[ds.factor_names] != pairs.factors2[ds.factor_names]).to_numpy()
    np.testing.assert_array_equal(moved, pairs.changed.to_numpy())
    assert (moved.sum(axis=1) == k).all()
    assert set(np.flatnonzero(moved.any(axis=0))) == set(range(len(ds.factor_names)))  # every factor gets changed


def test_random_k_is_drawn_from_one_to_d_minus_one(grid):
    _, ds, _ = grid
    d = len(ds.factor_names)
    counts = ds.sample_pairs(2000, k="random", seed=6).changed.sum(axis=1)
    assert set(counts) == set(range(1, d))
    assert counts.value_counts(normalize=True).min() > 0.5 / (d - 1)


def test_the_disentanglement_lib_rule_changes_one_or_k_factors_and_may_repeat_a_value(grid):
    _, ds, _ = grid
    pairs = ds.sample_pairs(3000, k=3, seed=7, mode="disentanglement_lib")
    counts = pairs.changed.sum(axis=1)
    assert set(counts) == {1, 3} and 0.45 < (counts == 1).mean() < 0.55  # its choice([1, k])
    name = ds.factor_names[-1]
    touched = pairs.changed[name]
    kept = (pairs.factors1[name] == pairs.factors2[name])[touched].mean()
    assert abs(kept - 1 / ds.factor_sizes[name]) < 0.08  # a touched factor keeps its value with chance 1/K


def test_pair_options_are_checked(grid):
    _, ds, _ = grid
    d = len(ds.factor_names)
    for k in (0, d, 1.5, True):
        with pytest.raises(ValueError, match=rf"k must be an integer in 1..{d - 1}"):
            ds.sample_pairs(4, k=k)
    with pytest.raises(ValueError, match="mode must be one of"):
        ds.sample_pairs(4, mode="intervention")


def test_labels_in_the_four_modes(grid):
    _, ds, _ = grid
    sample = ds.sample(300, seed=8)
    exact = ds.labels(sample, n=50, mode="exact", seed=1)
    assert list(exact.columns) == ds.factor_names and len(exact) == 50
    pd.testing.assert_frame_equal(exact, sample.factors.iloc[exact.index][ds.factor_names])
    continuous = [f.name for f in ds.factors if not f.is_categorical]
    binned = ds.labels(sample, n=300, mode="binned", bins=2, seed=1)
    assert all(binned[name].nunique() <= 2 for name in continuous)
    noisy = ds.labels(sample, n=300, mode="noisy", noise_fraction=0.5, seed=1)
    assert 0 < (noisy != sample.factors[ds.factor_names]).to_numpy().mean() < 0.5
    partial = ds.labels(sample, n=300, mode="partial", observed_fraction=0.5, seed=1)
    assert (partial.isna().mean() == 0.5).all()


def test_default_interventions_lie_on_the_grid(grid):
    _, ds, _ = grid
    interventions = ds.default_interventions()
    assert {name for do in interventions for name in do} == set(ds.factor_names)
    for do in interventions:
        (name, value), = do.items()
        assert (ds.intervene(do, 3).factors[name] == value).all()


def test_resolution_averages_pixel_blocks(files, check):
    path, truth = files["mpi3d"](side=64)
    for side in (64, 32, 16):
        ds = crl.datasets.load("mpi3d_real", path, resolution=side)
        sample = ds.sample(20)
        assert sample.images.shape[1:] == (side, side, 3) and ds.resolution == side
        check(sample, truth)
    with pytest.raises(ValueError, match="resolution=48 needs square stored images whose side it divides"):
        crl.datasets.load("mpi3d_real", path, resolution=48)


def test_values_printed_to_six_digits_name_their_grid_points(files):
    path, _ = files["dsprites"]()
    ds = crl.datasets.load("dsprites", path)  # orientation's grid: 0, pi, 2 pi
    for printed, value in ((6.28319, 2 * np.pi), (3.14159, np.pi)):
        assert (ds.intervene({"orientation": printed}, 4).factors["orientation"] == value).all()
    factual = ds.sample(20)
    rounded = _as_sample(factual.images, factual.factors.round(5))
    pd.testing.assert_frame_equal(ds.counterfactual(rounded, {"shape": 0}).factors.drop(columns="shape"),
                                  factual.factors.drop(columns="shape"))
