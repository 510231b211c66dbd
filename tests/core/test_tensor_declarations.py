"""The names ``Tensor`` declares to the type checker are exactly those ``bind()`` sets."""
import ast
import importlib
import inspect

from neuronet import tensor_methods


def _declared_names() -> set:
    """The names assigned or annotated in the ``if TYPE_CHECKING:`` block of ``Tensor``."""
    module = importlib.import_module("neuronet.tensor")  # (``neuronet.tensor`` is the factory)
    tree = ast.parse(inspect.getsource(module))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    block = next(n for n in cls.body
                 if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    names = set()
    for stmt in block.body:
        if isinstance(stmt, ast.Assign):
            names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.add(stmt.target.id)
    return names


def test_declared_methods_are_the_bound_ones():
    """Every method and operator of the tables is declared, and nothing else is."""
    bound = set(tensor_methods.METHODS) | set(tensor_methods.OPERATORS) | set(
        tensor_methods.ADAPTERS)
    assert _declared_names() == bound
