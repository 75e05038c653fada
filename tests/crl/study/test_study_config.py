"""crl.study's config: the schema's errors name the key, shipped studies expand to the papers' grids, ids are stable."""
import copy

import pytest
import yaml

from crl.study import load_config, shipped_names, trials
from crl.study.config import TRAINING_DEFAULTS

TINY = {
    "name": "tiny",
    "data": [{"scene": "pendulum", "resolution": 16}],
    "models": [{"objective": "beta-vae", "grid": {"beta": [1.0, 4.0]}}, {"objective": "ada-gvae"}],
    "seeds": [0, 1],
    "training": {"steps": 20, "n_images": 100, "n_pairs": 100, "latent_dim": 4, "batch_size": 16},
    "scores": {"fast": True},
}


def changed(**sections):
    config = copy.deepcopy(TINY)
    config.update(sections)
    return config


def test_a_dict_expands_to_every_grid_point_and_seed_with_readable_ids():
    planned = trials(load_config(TINY))
    assert [t.id for t in planned] == [
        "pendulum-beta-vae-beta=1-s0", "pendulum-beta-vae-beta=1-s1", "pendulum-beta-vae-beta=4-s0",
        "pendulum-beta-vae-beta=4-s1", "pendulum-ada-gvae-s0", "pendulum-ada-gvae-s1"]
    first = planned[2]
    assert first.options == {"beta": 4.0} and first.hyperparameters == {"beta": 4.0} and first.seed == 0
    assert first.training == {**TRAINING_DEFAULTS, **TINY["training"]}
    assert type(first).from_dict(first.to_dict()) == first


def test_a_yaml_file_equals_its_dict_and_the_hash_ignores_how_it_runs(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    assert load_config(path) == load_config(TINY)
    assert load_config(changed(resources={"cpu": 2, "gpu": 0.5}, max_failures=3)).hash == load_config(TINY).hash
    assert load_config(changed(seeds=[0, 2])).hash != load_config(TINY).hash


def test_shipped_studies_are_the_papers_grids():
    assert shipped_names() == ["semi", "smoke", "unsupervised", "weak"]
    counts = {name: len(trials(load_config(name))) for name in shipped_names()}
    # 4 scenes x (6 objectives x 6 strengths) x 50 seeds; x 2 objectives x 6 betas x k in {1, random} x 10 seeds;
    # x 4 regularisers x 6 strengths x {100, 1000} labels x 4 label modes x 10 seeds
    assert counts == {"unsupervised": 7200, "weak": 960, "semi": 7680, "smoke": 12}
    weak = trials(load_config("weak"))
    assert {t.training["pair_k"] for t in weak} == {1, "random"}
    assert load_config("unsupervised").training["steps"] == 300_000


@pytest.mark.parametrize("config, message", [
    (changed(models=[{"objective": "beta-vea"}]), "models[0].objective: unknown objective 'beta-vea'"),
    (changed(models=[{"objective": "beta-vae", "grid": {"gamma": [1.0]}}]),
     "models[0].grid: unknown hyperparameter 'gamma' for objective 'beta-vae'"),
    (changed(models=[{"objective": "beta-vae", "options": {"c_max": 5.0}}]),
     "models[0].options: unknown option 'c_max'"),
    (changed(data=[{"scene": "pendulm"}]), "data[0].scene: unknown scene 'pendulm'"),
    (changed(data=[{"dataset": "dsprite", "path": "x.npz"}]), "data[0].dataset: unknown data set 'dsprite'"),
    (changed(data=[{"dataset": "dsprites"}]), "data[0].path: data set 'dsprites' needs 'path'"),
    (changed(data=[{"scene": "pendulum", "resolution": 20}]), "data[0].resolution: expected a positive multiple of 16"),
    (changed(models=[{"objective": "beta-vae", "grid": {"beta": []}}]),
     "models[0].grid.beta: empty, so the study would have zero trials"),
    (changed(seeds=[]), "seeds: empty, so the study would have zero trials"),
    (changed(models=[]), "models: empty, so the study would have zero trials"),
    (changed(training={"steps": 0}), "training.steps: expected an integer >= 1, got 0"),
    (changed(training={"stepz": 10}), "training: unknown setting(s) ['stepz']"),
    (changed(models=[{"objective": "ada-gvae", "grid": {"pair_k": [0]}}]), "models[0].grid.pair_k (or 'random')"),
    (changed(scores={"families": ["metricz"]}), "scores.families: unknown score family 'metricz'"),
    (changed(resources={"cpu": 0}), "resources.cpu: expected a finite number > 0"),
    (changed(sedes=[0]), "unknown section(s) ['sedes']"),
])
def test_schema_errors_name_the_key_and_what_was_expected(config, message):
    with pytest.raises(ValueError) as error:
        trials(load_config(config))
    assert message in str(error.value)


def test_what_training_would_refuse_is_refused_before_it():
    cases = [
        (changed(models=[{"objective": "beta-vae", "grid": {"beta": [1.0], "n_labels": [50]}}],
                 training={"latent_dim": 2, "n_images": 100}), "latent_dim (2) must be >= the data's 4 factors"),
        (changed(models=[{"objective": "ada-gvae"}], training={"n_pairs": 0}), "training.n_pairs must be >= 1"),
        (changed(models=[{"objective": "causal-vae"}]), "objective 'causal-vae' needs labels"),
        (changed(models=[{"objective": "group-vae", "options": {"k": 0}}]), "objective 'group-vae' refuses options"),
        (changed(models=[{"objective": "beta-vae"}, {"objective": "beta-vae"}]), "declares trial 'pendulum-beta-vae-s0' again"),
        (changed(data=[{"scene": "pendulum"}, {"scene": "pendulum", "resolution": 32}]),
         "labels ['pendulum', 'pendulum'] repeat"),
    ]
    for config, message in cases:
        with pytest.raises(ValueError) as error:
            trials(load_config(config))
        assert message in str(error.value)


def test_a_missing_data_file_or_an_unknown_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="data\\[0\\] \\(dsprites\\)"):
        trials(load_config(changed(data=[{"dataset": "dsprites", "path": str(tmp_path / "none.npz")}])))
    with pytest.raises(ValueError, match="expected a shipped study name"):
        load_config("no-such-study")
