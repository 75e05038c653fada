"""The stages of CausalModel.fit: each image encoded once, stages run one by one, edge confidence's one meaning."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch

import crl
from crl import pipeline
from crl.discovery import annotate_stability
from crl.notes import model_notes_of
from crl.scene_data import scene_training_data
from encoders.model import Encoder


@pytest.fixture(scope="module")
def data():
    torch.set_num_threads(1)
    return scene_training_data(crl.scenes.load("pendulum", resolution=16), n_images=300, n_pairs=300, n_labels=60, seed=0)


def test_fit_encodes_each_image_once(data, monkeypatch):
    calls = []
    encode = Encoder.encode

    def counting(self, images):
        calls.append(images)
        return encode(self, images)

    monkeypatch.setattr(Encoder, "encode", counting)
    x1, x2 = data.pairs.x1, data.pairs.x2
    crl.CausalModel(latent_dim=6, steps=20, lr=1e-3, mechanisms="linear", bootstrap=2, progress=False).fit(
        data.sample.images, pairs=(x1, x2), labels=data.labels)
    for array in (data.sample.images, x1, x2):
        touching = [images for images in calls if np.shares_memory(images, array)]
        assert len(touching) == 1 and len(touching[0]) == len(array)


def test_stages_one_by_one_with_a_users_graph(data):
    images, pairs = data.sample.images, (data.pairs.x1, data.pairs.x2)
    split = pipeline.split_labels(data.labels, seed=0)
    encoder = pipeline.train_encoder("ada-gvae", images, pairs=pairs, labels=split.train, latent_dim=6, steps=20,
                                     lr=1e-3, progress=False)
    encoded = pipeline.encode(encoder, images, pairs)
    assert encoded.images.shape == (300, 6) and encoded.pairs[0].shape == (300, 6)
    calibrated = pipeline.calibrate(encoder, encoded, split)
    assert calibrated.concepts.names == data.labels.columns.tolist()
    assert set(calibrated.checks.fit) == set(calibrated.concepts.names)  # measured on the held-out fifth
    dag = nx.DiGraph([("pendulum", "shadow_length"), ("light", "shadow_length"), ("pendulum", "shadow_position"),
                      ("light", "shadow_position")])  # the user's own graph, no discovery
    mechanisms = pipeline.fit_mechanisms(dag, calibrated.concept_table, mechanisms="linear")
    model = crl.CausalModel.from_stages(encoder, calibrated, dag, mechanisms)
    assert model.graph is dag and model_notes_of(model.graph).method == "given"
    result = model.counterfactual(images[:4], {"light": 90.0})
    assert result.images.shape == (4, 16, 16, 3) and np.allclose(result.latents["light"], 90.0)
    assert model.intervene({"pendulum": crl.Shift(1.0)}, 5, seed=0).images.shape == (5, 16, 16, 3)
    with pytest.raises(ValueError, match=r"dag must have a node for every concept; missing \['light'"):
        crl.CausalModel.from_stages(encoder, calibrated, nx.DiGraph([("pendulum", "shadow_length")]), mechanisms)


def test_unfitted_model_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    model = crl.CausalModel(latent_dim=4)
    for use in (lambda: model.graph, lambda: model.encode(np.zeros((1, 16, 16, 3), np.uint8))):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            use()
        with pytest.raises(RuntimeError):
            use()
    assert model.set_params(seed=3).get_params()["seed"] == 3 and "seed" in crl.CausalModel().get_params()


def test_confidence_of_observational_edges_is_the_share_with_their_orientation():
    graph = nx.DiGraph()
    graph.add_edge("a", "b", confidence=0.9)  # the pair route's own confidence stays
    graph.add_edge("c", "b", confidence=np.nan, source="observational")
    graph.add_edge("c", "d", confidence=np.nan, undirected=True)
    graph.add_edge("d", "c", confidence=np.nan, undirected=True)
    frequencies = pd.DataFrame(
        [("a", "b", 0.5, 0.0, 0.75), ("b", "a", 0.25, 0.0, 0.75), ("c", "b", 0.6, 0.1, 0.8), ("b", "c", 0.1, 0.1, 0.8),
         ("c", "d", 0.2, 0.3, 0.7), ("d", "c", 0.2, 0.3, 0.7)], columns=["u", "v", "directed", "undirected", "adjacency"])
    annotate_stability(graph, frequencies)
    assert graph.edges["a", "b"]["confidence"] == 0.9 and graph.edges["a", "b"]["bootstrap_frequency"] == 0.75
    assert graph.edges["c", "b"]["confidence"] == 0.6 and graph.edges["c", "b"]["bootstrap_frequency"] == 0.8
    assert graph.edges["c", "d"]["confidence"] == graph.edges["d", "c"]["confidence"] == 0.3
