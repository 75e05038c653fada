"""Labels at the CausalModel boundary: numbers written as text, empty labels, duplicated columns."""
import numpy as np
import pandas as pd
import pytest

import crl
from crl.labels import label_kinds
from crl.model_io import check_labels


def test_numbers_written_as_text_become_numbers_with_a_warning():
    labels = pd.DataFrame({"light": ["0.5", "1e-3", None, "-2"], "shape": ["heart", "2", "3", None],
                           "count": ["0", "1", "2", "1"]})
    with pytest.warns(UserWarning, match=r"\['light', 'count'\]"):
        checked = check_labels(labels, n_images=10)
    assert checked["light"].tolist()[:2] == [0.5, 0.001] and np.isnan(checked["light"][2])
    assert checked["shape"].tolist()[:3] == ["heart", "2", "3"]  # not every value is a number: categories
    assert label_kinds(checked) == {"light": "continuous", "shape": "categorical", "count": "categorical"}
    assert labels["light"][0] == "0.5"  # the user's frame is untouched


def test_numeric_labels_pass_without_a_warning():
    import warnings

    labels = pd.DataFrame({"light": [0.5, 1.0], "shape": ["a", "b"], "inf": ["1", "inf"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checked = check_labels(labels, n_images=2)
    assert checked is labels  # "inf" is not a finite number: that column stays categories


@pytest.mark.parametrize("labels, message", [
    (pd.DataFrame({"light": pd.Series([], dtype=float)}), "labels has no rows"),
    (pd.DataFrame({"light": [1.0, 2.0], "shape": [None, np.nan]}), r"labels column\(s\) \['shape'\] hold no value"),
    (pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["light", "light"]), r"duplicated column name\(s\) \['light'\]"),
    (pd.DataFrame(index=[0, 1]), "one column per concept"),
])
def test_empty_and_duplicated_labels_are_refused_by_name(labels, message):
    with pytest.raises(ValueError, match=message):
        check_labels(labels, n_images=10)


def test_fit_refuses_empty_labels_before_training():
    images = np.zeros((8, 16, 16, 3), np.uint8)
    model = crl.CausalModel(steps=10_000, latent_dim=2)  # would take minutes if the check came after training
    with pytest.raises(ValueError, match="labels has no rows"):
        model.fit(images, labels=pd.DataFrame({"light": pd.Series([], dtype=float)}))
