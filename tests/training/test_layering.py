"""training/ is task-agnostic: none of its modules imports neuronet.tasks."""
import ast
from pathlib import Path

import neuronet.training

TRAINING = Path(neuronet.training.__file__).parent


def _imported(path: Path, package: str) -> set[str]:
    """The absolute names of the modules (and of the names in them) that ``path``, a module of
    ``package``, imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_no_training_module_imports_tasks():
    modules = sorted(TRAINING.rglob("*.py"))
    assert len(modules) > 5
    for path in modules:
        package = ".".join(["neuronet", *path.relative_to(TRAINING.parent).parent.parts])
        bad = [n for n in _imported(path, package) if n == "neuronet.tasks" or
               n.startswith("neuronet.tasks.")]
        assert not bad, f"{path.name} imports {bad}"


def test_the_check_sees_relative_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from ..tasks import get_task\nfrom .. import tasks\n"
                     "def f():\n    from ..tasks.run import train_run\n")
    assert {"neuronet.tasks", "neuronet.tasks.run"} <= _imported(probe, "neuronet.training")
