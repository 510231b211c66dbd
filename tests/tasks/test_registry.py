"""The registry of tasks: one entry per --task name, and a clear error for any other name."""
import pytest

from neuronet.cli import main
from neuronet.tasks import DEFAULT_TASK, TASKS, Task, get_task
from neuronet.training.config import ConfigError


def test_the_registry_holds_the_tasks():
    assert list(TASKS) == ["classify", "ner-window", "ner-scorer", "ner-bilstm", "char-lm"]
    assert DEFAULT_TASK in TASKS
    for name, task in TASKS.items():
        assert isinstance(task, Task) and task.name == name and get_task(name) is task


@pytest.mark.parametrize("name", ["tagger", "", None, ["classify"]])
def test_an_unknown_task_names_the_accepted_ones(name):
    with pytest.raises(ConfigError, match=r"^task: expected one of classify, ner-window, "
                                          r"ner-scorer, ner-bilstm, char-lm; got "):
        get_task(name)


def test_an_unknown_task_on_the_command_line_is_one_line(tmp_path, capsys):
    assert main(["train", "--task", "tagger", "--run-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == ("neuronet: error: task: expected one of classify, "
                                       "ner-window, ner-scorer, ner-bilstm, char-lm; got 'tagger'\n")
