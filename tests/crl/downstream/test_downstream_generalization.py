"""Schott et al.'s strong-generalization splits and the readout R^2 on their test parts."""
import itertools

import numpy as np
import pandas as pd
import pytest

from crl.downstream import KINDS, make_split, readout_r2, strong_generalization
from crl.downstream.splits import held_classes


def full_grid() -> pd.DataFrame:
    """Every combination of a 10-value factor, a 5-value factor and a 3-category one (150 rows)."""
    rows = list(itertools.product(range(10), np.linspace(0.0, 1.0, 5), ["red", "green", "blue"]))
    return pd.DataFrame(rows, columns=["a", "b", "colour"])


def test_held_out_classes_follow_the_papers_rules() -> None:
    assert held_classes("extrapolation", 10, 0.2, 2).tolist() == [8, 9]  # top ceil(10 * 0.2)
    assert held_classes("interpolation", 10, 0.2, 2).tolist() == [2, 7]  # kept: round(linspace(0, 9, 8))
    assert held_classes("interpolation", 5, 0.2, 2).tolist() == [2]
    # composition: q = 1 - (1 - 0.8^2)^(1/2) = 0.4, so the low floor(K q) classes
    assert held_classes("composition", 10, 0.2, 2).tolist() == [0, 1, 2, 3]
    assert held_classes("composition", 5, 0.2, 2).tolist() == [0, 1]


@pytest.mark.parametrize("kind", KINDS)
def test_splits_of_a_grid_are_disjoint_cover_it_and_keep_categories_in_both(kind) -> None:
    table = full_grid()
    train, test = make_split(table, kind, seed=1)
    assert not np.any(train & test) and np.all(train | test)
    assert set(table["colour"][train]) == set(table["colour"][test]) == {"red", "green", "blue"}
    assert abs(test.mean() - 0.36) < 1e-9  # 1 - 0.8^2 for every kind: the rules share one test size


def test_each_split_holds_out_what_it_claims() -> None:
    table = full_grid()
    a, b = table["a"].to_numpy(), np.rint(table["b"].to_numpy() * 4).astype(int)  # b's classes 0..4
    assert np.array_equal(make_split(table, "extrapolation")[1], (a >= 8) | (b == 4))
    assert np.array_equal(make_split(table, "interpolation")[1], np.isin(a, [2, 7]) | (b == 2))
    train, test = make_split(table, "composition")
    assert np.array_equal(test, (a >= 4) & (b >= 2))
    assert set(a[train]) == set(range(10)) and set(b[train]) == set(range(5))  # every value seen, not every combination


def test_the_random_split_is_seeded() -> None:
    table = full_grid()
    first, again, other = (make_split(table, "random", seed=s)[1] for s in (0, 0, 1))
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_bad_splits_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        make_split(full_grid(), "diagonal")
    with pytest.raises(ValueError, match="ratio"):
        make_split(full_grid(), "extrapolation", ratio=1.0)
    with pytest.raises(ValueError, match="at least 2"):  # one splittable factor: no combinations to hold out
        make_split(full_grid(), "composition", categorical=["b"])
    with pytest.raises(ValueError, match="categorical names"):
        make_split(full_grid(), "random", categorical=["size"])


def test_readout_r2_is_one_minus_mse_over_the_whole_spaces_variance() -> None:
    rng = np.random.default_rng(0)
    t = rng.random((300, 2))
    mix = np.array([[2.0, 1.0, 0.0], [0.5, -1.0, 3.0]])
    r2 = readout_r2(t[:200] @ mix, t[:200], t[200:] @ mix, t[200:], t.var(axis=0))
    assert np.allclose(r2, 1.0, atol=1e-3)  # held linearly: read back (ridge's slight shrinkage aside)
    # a representation without information: the readout predicts the training mean, and R^2 compares
    # its test error with the whole space's variance (uniform on [0, 1]: 1/12), not the test part's
    constant = np.zeros((300, 1))
    assert np.allclose(readout_r2(constant[:200], t[:200], constant[200:], t[200:], np.full(2, 1 / 12)),
                       1 - np.mean((t[200:] - t[:200].mean(0)) ** 2, axis=0) * 12)


def test_a_disentangled_grid_representation_generalizes_on_every_split(grid, disentangled, recorder) -> None:
    data = recorder(grid)
    scores = strong_generalization(disentangled, data, n_train=300, n_test=200)
    extra_train, extra_test = data.rendered[-2:]  # in the order of KINDS: extrapolation last

    def held(table):  # grid classes: scale 0.5..1.0 by 0.1 (top 2 of 6 held), x 0..1 in sevenths (top 2 of 8)
        return (np.rint(table["scale"] * 10) - 5 >= 4) | (np.rint(table["x"] * 7) >= 6)

    assert not held(extra_train).any() and held(extra_test).all()
    assert set(scores) == {f"{k}:r2" for k in KINDS} | {f"{k}:r2:{f}" for k in KINDS for f in ("shape", "scale", "x")}
    assert all(v > 0.999 for v in scores.values())


def test_scene_splits_render_the_rows_each_rule_allows(sprites, pixels, recorder) -> None:
    data = recorder(sprites)
    scores = strong_generalization(pixels, data, kinds=("extrapolation", "composition"), n_train=200, n_test=100)
    (extra_train, extra_test), (comp_train, comp_test) = data.rendered[:2], data.rendered[2:]
    continuous = [f for f in sprites.factors if f.kind == "continuous"]

    def scaled(table):  # (factors, rows) values on [0, 1]
        return np.array([(table[f.name] - f.low) / (f.high - f.low) for f in continuous])

    # extrapolation: a test row has some continuous factor in its top 2 of 10 bins; training rows never do
    assert np.all(scaled(extra_train) < 0.8) and np.all(np.any(scaled(extra_test) >= 0.8, axis=0))
    # composition over 4 factors: q = 1 - (1 - 0.8^4)^(1/4) = 0.12, the lowest 1 of 10 bins; a test row has
    # every continuous factor above it, a training row at least one in it
    assert np.all(scaled(comp_test) >= 0.1) and np.all(np.any(scaled(comp_train) < 0.1, axis=0))
    assert set(extra_test["shape"]) == set(extra_train["shape"]) == {0, 1, 2}  # categorical: never held out
    assert len(extra_train) == 200 and len(extra_test) == 100
    assert scores["extrapolation:r2"] < 1.0 and np.isfinite(list(scores.values())).all()
