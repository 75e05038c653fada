"""The generality suite (benchmarks/generality.py): its rows hold what they promise, and its spread is right; the
pair-change diagnostic (benchmarks/pair_changes.py) counts what it claims."""
from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import crl
from crl.evaluation.generality import distribution, edge_changes


def _load_benchmark(name: str):
    """benchmarks/<name>.py by its path: `benchmarks` is not a package on pytest's path."""
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark",
                                                  Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark("generality")
HELD_OUT, ROW_COLUMNS, TUNING, Settings = bench.HELD_OUT, bench.ROW_COLUMNS, bench.TUNING, bench.Settings
DISCOVERY_TUNING = bench.DISCOVERY_TUNING
graph_kind, parse_scenes, read_rows, run_scene, write_rows = (bench.graph_kind, bench.parse_scenes, bench.read_rows,
                                                              bench.run_scene, bench.write_rows)
parse_args, training_data = bench.parse_args, bench.training_data


def test_distribution_on_hand_made_rows():
    nan = float("nan")
    rows = [{"shd": 0, "cf_intervened": 0.1, "cf_descendants": nan, "cf_nondescendants": 0.0},
            {"shd": 1, "cf_intervened": 0.2, "cf_descendants": nan, "cf_nondescendants": 0.0},
            {"shd": 2, "cf_intervened": nan, "cf_descendants": None, "cf_nondescendants": 0.0},
            {"shd": 0, "cf_intervened": 0.4, "cf_descendants": nan, "cf_nondescendants": 0.0},
            {"shd": 5, "cf_intervened": 0.3, "cf_descendants": nan, "cf_nondescendants": 1.0}]
    out = distribution(rows)
    assert out["scenes"] == 5
    assert out["shd_median"] == 1 and out["shd_p90"] == pytest.approx(3.8)  # 2 + 0.6 * (5 - 2)
    assert out["share_shd_0"] == pytest.approx(0.4) and out["share_shd_le_1"] == pytest.approx(0.6)
    assert out["cf_intervened_median"] == pytest.approx(0.25)  # the NaN row is left out
    assert out["cf_intervened_p90"] == pytest.approx(0.37)
    assert math.isnan(out["cf_descendants_median"]) and math.isnan(out["cf_descendants_p90"])
    assert out["cf_nondescendants_median"] == 0 and out["cf_nondescendants_p90"] == pytest.approx(0.6)


def test_edge_changes_names_each_mistake():
    true = nx.DiGraph([("a", "b"), ("b", "c")])
    learned = nx.DiGraph([("b", "a"), ("a", "c"), ("d", "c")])
    true.add_node("d")
    assert edge_changes(true, learned) == {"extra": ["a->c", "d->c"], "extra_from_roots": ["a->c", "d->c"],
                                           "reversed": ["b->a"], "missing": ["b->c"]}


def test_scene_lists_are_fixed_disjoint_and_mix_graph_kinds():
    assert len(HELD_OUT) >= 30 and not (set(TUNING) | set(DISCOVERY_TUNING)) & set(HELD_OUT)
    assert not set(TUNING) & set(DISCOVERY_TUNING)
    kinds = [{graph_kind(s) for s in seeds} for seeds in (TUNING, DISCOVERY_TUNING, HELD_OUT)]
    assert kinds == [{"er", "scale-free"}] * 3
    assert parse_scenes("held-out") == list(HELD_OUT) and parse_scenes("3,17") == [3, 17]
    assert parse_scenes("discovery-tuning") == list(DISCOVERY_TUNING)
    with pytest.raises(Exception, match="seeds"):
        parse_scenes("3,x")


def test_json_rows_resume_only_under_the_same_settings(tmp_path):
    path, settings = tmp_path / "rows.json", Settings(resolution=32)
    assert read_rows(path, settings) == []
    write_rows(path, settings, [{"seed": 3, "shd": 1}])
    assert read_rows(path, settings) == [{"seed": 3, "shd": 1}]
    with pytest.raises(SystemExit, match="other settings"):
        read_rows(path, Settings(resolution=64))


def test_pair_mode_reaches_the_training_pairs():
    # --pair-mode intervention: each pair sets one factor to a draw from its marginal and keeps x1's noise
    scene = crl.scenes.load("random", seed=1, resolution=16, graph=graph_kind(1))  # K=2: disk3_x -> disk3_size
    settings = Settings(resolution=16, n_images=50, n_pairs=400, n_labels=10, pair_mode="intervention")
    pairs = training_data(scene, settings).pairs
    expected = scene.sample_pairs(400, k=1, seed=settings.seed + 1, mode="intervention")
    np.testing.assert_array_equal(pairs.x2, expected.x2)
    child_set = pairs.changed["disk3_size"].to_numpy()
    after, before = pairs.factors2, pairs.factors1
    assert np.allclose(after["disk3_x"][child_set], before["disk3_x"][child_set])  # the parent stays
    # the child's new value is a fresh marginal draw, unrelated to its old one; resampled noise keeps its parent's part
    assert abs(np.corrcoef(after["disk3_size"][child_set], before["disk3_size"][child_set])[0, 1]) < 0.2
    noise = training_data(scene, replace(settings, pair_mode="noise")).pairs
    resampled = noise.changed["disk3_size"].to_numpy()
    assert np.corrcoef(noise.factors2["disk3_size"][resampled], noise.factors1["disk3_size"][resampled])[0, 1] > 0.5
    assert parse_args(["--pair-mode", "intervention"]).pair_mode == "intervention"


@pytest.mark.slow
def test_rows_of_two_small_random_scenes(tmp_path, one_thread):
    settings = Settings(resolution=32, n_images=1_000, n_pairs=1_000, n_labels=100, steps=150, eval_n=100,
                        oracle_n=400, oracle_steps=80)
    rows = [run_scene(seed, settings, oracle_cache=str(tmp_path)) for seed in (1, 4)]  # K=2 scale-free, K=3 er
    assert {row["graph"] for row in rows} == {"er", "scale-free"}
    for row in rows:
        assert set(ROW_COLUMNS) <= set(row)
        k = row["K"]
        assert isinstance(row["shd"], int) and 0 <= row["shd_measured"] <= row["shd"] <= k * (k - 1) // 2
        assert isinstance(row["sid"], int) and 0 <= row["sid"] <= k * (k - 1)
        assert np.isfinite(row["cf_intervened"]) and row["cf_intervened"] >= 0
        assert set(row["readback"]) == set(row["concept_fit"]) and row["readback_min"] == min(row["readback"].values())
        assert row["fit_s"] > 0 and row["eval_s"] > 0
    assert distribution(rows)["scenes"] == 2


def test_pair_change_calls_against_the_pairs_truth():
    # benchmarks/pair_changes.py: exact readings are called exactly; a concept read with error 0.3 of its
    # spread is called changed in pairs where it stood still, which the table shows as false calls
    change_calls = _load_benchmark("pair_changes").change_calls
    scene = crl.scenes.load("random", seed=3, resolution=16, graph="scale-free")
    pairs, sample = scene.sample_pairs(600, k=1, seed=1), scene.sample(200, seed=0)
    names = [factor.name for factor in scene.factors]
    exact = change_calls(pairs.factors1[names], pairs.factors2[names], pairs.factors1, pairs.factors2,
                         sample.factors[names], sample.factors[names]).set_index("concept")
    assert (exact["false_calls"] == 0).all() and (exact["hits"] == 1).all() and (exact["reading_error_std"] == 0).all()
    rng = np.random.default_rng(0)
    noisy = [table[names].copy() for table in (pairs.factors1, pairs.factors2)]
    for table in noisy:
        table["light_angle"] += 0.3 * table["light_angle"].std() * rng.standard_normal(len(table))
    calls = change_calls(*noisy, pairs.factors1, pairs.factors2, sample.factors[names],
                         sample.factors[names]).set_index("concept")
    assert calls.loc["light_angle", "false_calls"] > 0.2
    assert calls.loc["light_angle", "unchanged_q50"] > 0.1 > exact.loc["light_angle", "unchanged_q50"]
