"""A folder of the user's images with factors.csv: a full grid behaves as a grid data set, anything else samples
and labels; every file problem is refused at load time with the files named."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import crl.datasets
from crl.protocols import SceneLike

SHAPES, SIZES, XS = ("square", "circle"), (1, 2, 3), (0.1, 0.35)


@pytest.fixture
def write(encode_rows):
    """A writer of image folders: images (some in a subfolder) each encoding its CSV row, and factors.csv;
    it returns the truth, the factor table in crl's convention (category codes in sorted order)."""

    def write(folder, rows, *, side=16, grey=False, columns=("shape", "size", "x")):
        folder.mkdir(parents=True, exist_ok=True)
        files = [f"{'deep/' if i % 3 == 0 else ''}img_{i:03d}.png" for i in range(len(rows))]
        images = encode_rows(np.arange(len(rows)), side)
        for file, image in zip(files, images):
            (folder / file).parent.mkdir(exist_ok=True)
            Image.fromarray(image if grey else np.repeat(image[..., None], 3, axis=-1)).save(folder / file)
        table = pd.DataFrame(rows, columns=list(columns)).assign(file=files)
        table.to_csv(folder / "factors.csv", index=False)
        truth = table.drop(columns="file")
        for name in columns[:2]:
            truth[name] = truth[name].map({v: i for i, v in enumerate(sorted(truth[name].unique()))})
        return truth
    return write


GRID = list(itertools.product(SHAPES, SIZES, XS))[::-1]  # every combination once, in no grid order


def test_a_full_grid_folder_is_a_grid_data_set(tmp_path, write, check):
    truth = write(tmp_path / "grid", GRID)
    ds = crl.datasets.load("folder", tmp_path / "grid")
    assert isinstance(ds, crl.datasets.GridDataset) and isinstance(ds, SceneLike)
    assert [(f.name, f.kind) for f in ds.factors] == [("shape", "categorical"), ("size", "categorical"),
                                                      ("x", "continuous")]
    assert ds.factors[0].categories == ("circle", "square") and ds.factors[1].categories == ("1", "2", "3")
    check(ds.sample(50, seed=1), truth)
    factual = ds.sample(30, seed=2)
    counterfactual = ds.counterfactual(factual, {"shape": "square", "x": 0.35})
    check(counterfactual, truth)
    assert (counterfactual.factors["shape"] == 1).all() and (counterfactual.factors["x"] == 0.35).all()
    pd.testing.assert_series_equal(counterfactual.factors["size"], factual.factors["size"])
    pairs = ds.sample_pairs(40, k=1, seed=3)
    check(crl.datasets.GridSample(pairs.x2, pairs.factors2, np.zeros(40)), truth)
    with pytest.raises(ValueError, match=r"x=0.2 is not on the data set's grid; 'x' takes the values \[0.1, 0.35\]"):
        ds.intervene({"x": 0.2}, 4)


def test_a_folder_that_is_no_grid_samples_and_labels_only(tmp_path, write, check):
    truth = write(tmp_path / "some", GRID[:-1])
    ds = crl.datasets.load("folder", tmp_path / "some")
    assert isinstance(ds, crl.datasets.FolderDataset) and len(ds) == len(GRID) - 1
    sample = ds.sample(40, seed=1)
    check(sample, truth)
    labels = ds.labels(sample, n=10, mode="exact")
    pd.testing.assert_frame_equal(labels, sample.factors.iloc[labels.index])
    for query in (lambda: ds.render(truth), lambda: ds.counterfactual(sample, {"x": 0.1}),
                  lambda: ds.intervene({"x": 0.1}, 3), lambda: ds.sample_pairs(3)):
        with pytest.raises(ValueError, match=r"needs an image for every combination of the factors' values \(a full "
                                             r"grid\); .* has 11 images with 11 distinct combinations of the 12"):
            query()


def test_grey_images_keep_one_channel_and_resolution_averages_blocks(tmp_path, write, check):
    truth = write(tmp_path / "grey", GRID, side=64, grey=True)
    ds = crl.datasets.load("folder", tmp_path / "grey", resolution=16)
    sample = ds.sample(20)
    assert sample.images.shape[1:] == (16, 16, 1)
    check(sample, truth)


def test_a_csv_listing_files_the_folder_lacks_is_refused(tmp_path, write):
    write(tmp_path / "f", GRID)
    (tmp_path / "f" / "img_001.png").unlink()
    with pytest.raises(ValueError, match=r"factors.csv in .* lists 1 file\(s\) the folder does not have: "
                                         r"\['img_001.png'\]"):
        crl.datasets.load("folder", tmp_path / "f")


def test_files_without_a_row_are_refused(tmp_path, write):
    write(tmp_path / "f", GRID)
    (tmp_path / "f" / "deep" / "stray.png").write_bytes((tmp_path / "f" / "img_001.png").read_bytes())
    (tmp_path / "f" / "README.txt").write_text("my data")
    (tmp_path / "f" / ".DS_Store").write_text("skipped: hidden")
    with pytest.raises(ValueError, match=r"2 file\(s\) in .* have no row in factors.csv .*: "
                                         r"\['README.txt', 'deep/stray.png'\]"):
        crl.datasets.load("folder", tmp_path / "f")


def test_a_listed_file_that_is_no_image_is_refused(tmp_path, write):
    write(tmp_path / "f", GRID)
    (tmp_path / "f" / "img_002.png").write_text("not a picture")
    with pytest.raises(ValueError, match=r"img_002.png' is not an image Pillow can read"):
        crl.datasets.load("folder", tmp_path / "f")


def test_images_of_two_sizes_are_refused(tmp_path, write):
    write(tmp_path / "f", GRID)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "f" / "img_004.png")
    with pytest.raises(ValueError, match=r"images must share one size: .*img_000.png' is 16x16, .*img_004.png' is 32x32"):
        crl.datasets.load("folder", tmp_path / "f")


def test_bad_tables_are_refused(tmp_path, write):
    folder = tmp_path / "f"
    write(folder, GRID)
    table = pd.read_csv(folder / "factors.csv")
    for broken, message in (
        (table.drop(columns="file"), r"has columns \['shape', 'size', 'x'\] and 12 rows; expected a 'file' column"),
        (table.assign(size=7), r"column 'size' takes one value only; a factor must vary"),
        (table.assign(x=table["x"].where(table.index != 3)), r"column 'x' is empty on the row of file 'deep/img_003.png'"),
        (table.assign(file=table["file"].where(table.index != 1, "../outside.png")),
         r"column 'file' must hold distinct paths inside the folder; outside: \['../outside.png'\]"),
    ):
        broken.to_csv(folder / "factors.csv", index=False)
        with pytest.raises(ValueError, match=message):
            crl.datasets.load("folder", folder)
    (folder / "factors.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"has no factors.csv; a folder data set needs one"):
        crl.datasets.load("folder", folder)
