"""Random scenes: a seeded random DAG, mechanisms that follow it, and a renderer in which every factor shows."""
import networkx as nx
import numpy as np
import pytest

from crl.scenes.random import random_scene
from crl.scenes.random.layout import MIXINGS, SUBTLE, attribute_of
from crl.scenes.random.mechanisms import EDGE, Child

FLOOR_MEAN, FLOOR_PIXEL = 0.05, 8  # the smallest effect of a factor that random_scene documents, in grey levels


@pytest.mark.parametrize("kind", ["er", "scale-free"])
@pytest.mark.parametrize("k", [2, 5, 8])
def test_graph_is_a_dag_over_the_k_factors(kind, k):
    scene = random_scene(k, n_factors=k, graph=kind, resolution=16)
    assert nx.is_directed_acyclic_graph(scene.graph)
    assert sorted(scene.graph.nodes) == sorted(scene.factor_names) and len(set(scene.factor_names)) == k
    if kind == "scale-free":  # preferential attachment with one link per new node: a tree
        assert scene.graph.number_of_edges() == k - 1 and nx.is_weakly_connected(scene.graph)


def test_k_is_drawn_from_2_to_8_when_not_given():
    counts = {len(random_scene(seed, resolution=16).factor_names) for seed in range(30)}
    assert counts <= set(range(2, 9)) and len(counts) >= 4


@pytest.mark.parametrize("seed, nonlinear", [(0, True), (1, False), (2, True), (3, False)])
def test_intervening_changes_exactly_the_descendants(seed, nonlinear):
    scene = random_scene(seed, n_factors=6, nonlinear=nonlinear, resolution=16)
    observed = scene.sample(32, seed=3).factors
    for factor in scene.factors:
        value = factor.low + 0.3 * (factor.high - factor.low)
        intervened = scene.intervene({factor.name: value}, 32, seed=3).factors  # same seed: same noise
        descendants = nx.descendants(scene.graph, factor.name)
        assert (intervened[factor.name] == value).all()
        for other in set(scene.factor_names) - {factor.name}:
            moved = (intervened[other] != observed[other]).mean()
            assert moved > 0.9 if other in descendants else moved == 0, (factor.name, other)


def test_counterfactual_keeps_non_descendants_and_sets_the_target():
    scene = random_scene(4, n_factors=7, resolution=16)
    sample = scene.sample(32, seed=1)
    for factor in scene.factors:
        value = factor.high
        twin = scene.counterfactual(sample, {factor.name: value})
        descendants = nx.descendants(scene.graph, factor.name)
        assert (twin.factors[factor.name] == value).all()
        assert twin.noise.equals(sample.noise)
        for other in set(scene.factor_names) - {factor.name}:
            moved = (twin.factors[other] != sample.factors[other]).mean()
            assert moved > 0.9 if other in descendants else moved == 0, (factor.name, other)


@pytest.mark.parametrize("mixing", MIXINGS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_factor_visibly_changes_the_image(mixing, seed):
    """Each factor alone (its descendants held fixed, so the effect is its own) moved from low to high changes every image."""
    scene = random_scene(seed, mixing=mixing, resolution=32)
    sample = scene.sample(8, seed=5)
    for factor in scene.factors:
        low, high = sample.factors.copy(), sample.factors.copy()
        low[factor.name], high[factor.name] = factor.low, factor.high
        difference = np.abs(scene.render(low).astype(int) - scene.render(high).astype(int))
        assert (difference.mean(axis=(1, 2, 3)) > FLOOR_MEAN).all(), factor.name
        assert (difference.max(axis=(1, 2, 3)) >= FLOOR_PIXEL).all(), factor.name


@pytest.mark.parametrize("resolution", [32, 64])
def test_objects_stay_inside_their_quadrant_over_the_whole_range(resolution):
    """Moving, turning, growing or recolouring an object changes only pixels inside its quadrant, off its 1-px rim."""
    half = resolution // 2
    for seed in range(6):
        scene = random_scene(seed, n_factors=8, resolution=resolution)
        cells = {o.label: o.cell for o in scene.spec.layout.objects}
        sample = scene.sample(4, seed=2)
        for factor in scene.factors:
            targets = [d.target for d in scene.spec.layout.drives if d.factor == factor.name]
            if not all("." in target for target in targets):  # background, stripes and light reach every quadrant
                continue
            low, high = sample.factors.copy(), sample.factors.copy()
            low[factor.name], high[factor.name] = factor.low, factor.high
            changed = (scene.render(low) != scene.render(high)).any(axis=(0, 3))
            allowed = np.zeros_like(changed)
            for target in targets:
                cell = cells[target.split(".")[0]]
                row, col = (cell // 2) * half, (cell % 2) * half
                allowed[row + 1 : row + half - 1, col + 1 : col + half - 1] = True
            assert changed.any() and not (changed & ~allowed).any(), (seed, factor.name)


def test_mixing_modes_decide_how_factors_reach_pixels():
    for mixing in MIXINGS:
        scene = random_scene(7, n_factors=6, mixing=mixing, resolution=16)
        drives = scene.spec.layout.drives
        primaries = {d.factor: d for d in drives if d.role == "primary"}
        secondaries = [d for d in drives if d.role == "secondary"]
        assert sorted(primaries) == sorted(scene.factor_names) and scene.spec.mixing == mixing
        fractions = {d.factor: (d.high - d.low) / (attribute_of(d.target).high - attribute_of(d.target).low)
                     for d in primaries.values()}
        if mixing == "mixed":  # a factor also tints or moves another object
            assert secondaries
            for second in secondaries:
                assert second.target.split(".")[0] != primaries[second.factor].target.split(".")[0]
        else:
            assert not secondaries
        if mixing == "subtle":
            small = [f for f, fraction in fractions.items() if fraction < 1]
            assert small and all(SUBTLE[0] - 1e-2 <= fractions[f] <= SUBTLE[1] + 1e-2 for f in small)
        else:
            assert all(fraction == 1 for fraction in fractions.values())


def test_linear_mechanisms_are_affine_in_a_single_parent():
    scene = random_scene(2, n_factors=8, nonlinear=False, resolution=16)
    children = [m for m in scene.spec.mechanisms.values() if isinstance(m, Child) and len(m.parents) == 1]
    assert children
    for child in children:
        parent = child.parents[0]
        values = [parent.low + t * (parent.high - parent.low) for t in (0.3, 0.5, 0.7)]
        outcome = [scene.intervene({parent.name: v}, 200, seed=0).factors[child.factor.name].to_numpy() for v in values]
        position = [(o - child.factor.low) / (child.factor.high - child.factor.low) for o in outcome]
        inside = np.all([(p > EDGE) & (p < 1 - EDGE) for p in position], axis=0)  # squash is the identity there
        assert inside.sum() > 50
        np.testing.assert_allclose((outcome[1] - outcome[0])[inside], (outcome[2] - outcome[1])[inside], rtol=1e-9)


def test_same_seed_same_scene_and_different_seeds_different_scenes():
    first, second = random_scene(3, resolution=32), random_scene(3, resolution=32)
    assert first.describe() == second.describe()
    assert np.array_equal(first.sample(16, seed=0).images, second.sample(16, seed=0).images)
    shapes = set()
    for seed in range(10):
        scene = random_scene(seed, resolution=16)
        order = {name: i for i, name in enumerate(scene.factor_names)}
        shapes.add((len(order), tuple(sorted((order[a], order[b]) for a, b in scene.graph.edges))))
    assert len(shapes) >= 8  # graphs differ as unlabelled DAGs, not only in their factor names
    zero, one = (random_scene(seed, 4, resolution=32).sample(4).images for seed in (0, 1))
    assert not np.array_equal(zero, one)


@pytest.mark.parametrize("resolution", [32, 64])
def test_images_pairs_and_labels(resolution):
    scene = random_scene(5, resolution=resolution)
    sample = scene.sample(6, seed=0)
    assert sample.images.dtype == np.uint8 and sample.images.shape == (6, resolution, resolution, 3)
    pairs = scene.sample_pairs(10, k=1, seed=0)
    assert pairs.x1.shape == pairs.x2.shape == (10, resolution, resolution, 3)
    assert (pairs.changed.sum(axis=1) == 1).all()
    for row in range(10):
        touched = pairs.changed.columns[pairs.changed.iloc[row]][0]
        still = set(scene.factor_names) - {touched} - nx.descendants(scene.graph, touched)
        assert all(pairs.factors1.at[row, name] == pairs.factors2.at[row, name] for name in still)
    labels = scene.labels(sample, n=4, seed=0)
    assert len(labels) == 4 and list(labels.columns) == scene.factor_names
    assert np.allclose(labels.to_numpy(), sample.factors.loc[labels.index, scene.factor_names].to_numpy())


def test_describe_records_the_choices():
    scene = random_scene(6, n_factors=5, graph="scale-free", nonlinear=True, mixing="mixed", resolution=16)
    text = scene.describe()
    assert "K=5" in text and "scale-free graph" in text and "nonlinear mechanisms" in text and "mixed mixing" in text
    assert all(f"{a}->{b}" in text for a, b in scene.graph.edges)
    assert all(f"  {name} [" in text for name in scene.factor_names)


@pytest.mark.parametrize(
    "options, named",
    [
        ({"n_factors": 1}, "n_factors"),
        ({"n_factors": 9}, "n_factors"),
        ({"n_factors": 3.0}, "n_factors"),
        ({"graph": "tree"}, "graph"),
        ({"mixing": "blend"}, "mixing"),
        ({"nonlinear": "yes"}, "nonlinear"),
        ({"seed": -1}, "seed"),
        ({"resolution": 30}, "resolution"),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_them(options, named):
    with pytest.raises(ValueError, match=named):
        random_scene(**{"seed": 0, **options})
