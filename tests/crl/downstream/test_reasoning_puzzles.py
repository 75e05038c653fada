"""Puzzles of `crl.downstream.reasoning`: their rows obey their relations, exactly one candidate does, and the
panels show the factor values they stand for."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import GRID_SIZES, _band_classes

import crl
from crl.downstream.reasoning import generate


def _check_rules(puzzles) -> None:
    """The definition, read off the factor classes alone."""
    m = puzzles.matrix
    # a relation's factor is constant along every row; every other factor's first two rows show no relation
    for i in range(len(puzzles)):
        rel = puzzles.relations[i]
        assert np.all(m[i][:, :, rel] == m[i][:, :1, rel])
        for f in np.flatnonzero(~rel):
            head = m[i, :2, :, f]
            assert not all(len(set(row)) == 1 for row in head) and not all(len(set(row)) == 3 for row in head)
    # so a solver sees the relations in the first two rows: the factors constant in both
    seen = np.all(m[:, :2] == m[:, :2, :1], axis=(1, 2))
    np.testing.assert_array_equal(seen, puzzles.relations)
    # exactly one candidate completes the third row on every relation, the one at `answer`
    fits = np.all((puzzles.candidates == m[:, 2, :1]) | ~puzzles.relations[:, None], axis=2)
    np.testing.assert_array_equal(fits.sum(axis=1), 1)
    np.testing.assert_array_equal(fits.argmax(axis=1), puzzles.answer)
    np.testing.assert_array_equal(puzzles.candidates[np.arange(len(puzzles)), puzzles.answer], m[:, 2, 2])
    for cands in puzzles.candidates:  # the alternatives are distinct
        assert len(np.unique(cands, axis=0)) == len(cands)


@pytest.mark.parametrize("strategy", ["easy", "hard"])
def test_puzzles_obey_their_relations_and_one_candidate_does(sprites, strategy):
    puzzles = generate(sprites, 300, relations=(1, 3), strategy=strategy, seed=3)
    _check_rules(puzzles)
    counts = puzzles.relations.sum(axis=1)
    assert set(counts) == {1, 2, 3}
    assert puzzles.matrix.shape == (300, 3, 3, 5) and puzzles.candidates.shape == (300, 6, 5)
    assert puzzles.factor_names == ["shape", "scale", "orientation", "x", "y"]
    assert 30 < np.bincount(puzzles.answer, minlength=6).min()  # the answer's position is uniform
    # hard: the first alternative is the answer with one relation redrawn (the others resampled), so it breaks
    # exactly one relation; easy: a uniform panel, which breaks each of 3 relations with chance 2/3
    first = np.where(puzzles.answer == 0, 1, 0)
    broken = ((puzzles.candidates[np.arange(300), first] != puzzles.matrix[:, 2, 2]) & puzzles.relations).sum(axis=1)
    if strategy == "hard":
        np.testing.assert_array_equal(broken, 1)
    else:
        assert broken[counts == 3].mean() > 1.8  # 3 x 2/3 = 2, given at least one is broken: 2 / (1 - 1/27)

def test_panels_are_rendered_at_the_quantised_grid_values(grid):
    puzzles = generate(grid, 40, relations=2, strategy="easy", seed=1)
    _check_rules(puzzles)
    assert [len(v) for v in puzzles.values] == [3, 3, 3]  # shape's 3 codes; scale 6 -> 3; x 8 -> 3
    images = puzzles.images()
    assert images.context.shape == (40, 8, 16, 16, 1) and images.candidates.shape == (40, 6, 16, 16, 1)
    grid_class = [np.arange(3), np.array([0, 2, 4]), np.array([0, 2, 5])]  # floor(c K / 3), the reference's Quantizer
    shown = _band_classes(images.candidates.reshape(-1, 16, 16, 1)).round().astype(int)
    expected = np.column_stack([grid_class[f][puzzles.candidates.reshape(-1, 3)[:, f]] for f in range(3)])
    np.testing.assert_array_equal(shown, expected)
    assert GRID_SIZES == (3, 6, 8)
    context = _band_classes(images.context.reshape(-1, 16, 16, 1)).round().astype(int)
    np.testing.assert_array_equal(context[:8, 0], grid_class[0][puzzles.context[0, :, 0]])


def test_scene_panels_are_the_scene_render_of_the_bin_centres(sprites):
    puzzles = generate(sprites, 5, seed=0)
    np.testing.assert_allclose(puzzles.values[3], [1 / 6, 1 / 2, 5 / 6])  # x: centres of 3 bins over [0, 1]
    rows = puzzles.candidates[0]
    np.testing.assert_array_equal(puzzles.images().candidates[0], sprites.render(puzzles.factor_table(rows)))


def test_puzzles_are_seeded(sprites):
    a, b, c = (generate(sprites, 20, seed=s) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.candidates, b.candidates)
    assert not np.array_equal(a.candidates, c.candidates)


def test_bad_input_is_refused_before_any_work(sprites):
    pendulum = crl.scenes.load("pendulum", resolution=16)
    with pytest.raises(ValueError, match="no factor of data has at least 3 values"):
        generate(pendulum, 5, levels=2)
    with pytest.raises(ValueError, match="more than the 4 factor"):
        generate(pendulum, 5, relations=5)
    with pytest.raises(ValueError, match="more than the 1 factor"):  # only shape keeps 3 classes
        generate(sprites, 5, relations=2, levels=2)
    with pytest.raises(ValueError, match="relations must be"):
        generate(sprites, 5, relations=(3, 2))
    with pytest.raises(ValueError, match="strategy must be one of"):
        generate(sprites, 5, strategy="medium")
    with pytest.raises(ValueError, match="levels names unknown"):
        generate(sprites, 5, levels={"colour": 4})
    with pytest.raises(ValueError, match="n must be"):
        generate(sprites, 0)
