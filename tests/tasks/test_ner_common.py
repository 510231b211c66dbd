"""What the NER tasks share: tokenising text, building the configured model."""
import pytest

from neuronet.tasks import get_task
from neuronet.tasks.ner_common import tokenize


def test_tokenize():
    assert tokenize("Museums in Paris are amazing.") == ["Museums", "in", "Paris", "are",
                                                         "amazing", "."]
    assert tokenize("U.S. troops, Smith's") == ["U.S.", "troops", ",", "Smith's"]


def test_ner_models_take_the_configured_initialisation():
    task = get_task("ner-window")
    cfg = task.config()
    cfg.init = "xavier_uniform"
    model = task.build_model(cfg, 50, None)
    assert model.hidden.bias.tolist() == [0.0] * 300  # re-initialised: zero biases
    cfg.init = "nonsense"
    with pytest.raises(ValueError, match="init: expected one of"):
        task.build_model(cfg, 50, None)
