"""Grad modes: no_grad, enable_grad, set_grad_enabled and inference_mode in each form (context,
decorator with and without parentheses, on functions, generator functions and methods), nesting,
restoring after exceptions, and the modes PyTorch reports in the same situations."""
import inspect

import pytest

import neuronet as nt
from neuronet.autograd import grad_mode


@pytest.fixture(autouse=True)
def _modes_restored():
    """Each test starts with recording on, outside inference mode, and must leave it so."""
    assert nt.is_grad_enabled() and not nt.is_inference_mode_enabled()
    yield
    left = (nt.is_grad_enabled(), nt.is_inference_mode_enabled())
    grad_mode._enabled[0], grad_mode._inference[0] = True, False
    assert left == (True, False), "the test left the grad mode changed"


def _leaf():
    return nt.ones(2, requires_grad=True)


# ------------------------------------------------------------------------------------- no_grad

def test_no_grad_as_context_records_nothing():
    x = _leaf()
    with nt.no_grad():
        assert not nt.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad


@pytest.mark.parametrize("form", ["bare", "called"])
def test_no_grad_decorator_with_and_without_parentheses(form):
    def double(t):
        """Twice t."""
        return t * 2, nt.is_grad_enabled()

    wrapped = nt.no_grad(double) if form == "bare" else nt.no_grad()(double)
    y, enabled = wrapped(_leaf())
    assert not enabled and not y.requires_grad
    assert nt.is_grad_enabled()
    assert wrapped.__name__ == "double" and wrapped.__doc__ == "Twice t."
    assert wrapped.__wrapped__ is double


def test_no_grad_decorator_syntax_without_parentheses():
    @nt.no_grad
    def f(t):
        return t * 3

    assert inspect.isfunction(f) and f.__name__ == "f"
    assert not f(_leaf()).requires_grad


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError, match="inside"), nt.no_grad():
        raise ValueError("inside")
    assert nt.is_grad_enabled()

    @nt.no_grad
    def fails():
        raise KeyError("decorated")

    with pytest.raises(KeyError):
        fails()
    assert nt.is_grad_enabled()


def test_no_grad_decorated_function_called_inside_enable_grad_still_records_nothing():
    f = nt.no_grad(lambda t: t * 2)
    with nt.no_grad(), nt.enable_grad():
        assert not f(_leaf()).requires_grad
        assert nt.is_grad_enabled()


# --------------------------------------------------------------------------------- enable_grad

@pytest.mark.parametrize("form", ["context", "bare", "called"])
def test_enable_grad_records_inside_no_grad(form):
    x = _leaf()

    def double(t):
        return t * 2

    with nt.no_grad():
        if form == "context":
            with nt.enable_grad():
                assert nt.is_grad_enabled()
                y = double(x)
        elif form == "bare":
            y = nt.enable_grad(double)(x)
        else:
            y = nt.enable_grad()(double)(x)
        assert not nt.is_grad_enabled()
    assert y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_enable_grad_restores_no_grad_after_an_exception():
    with nt.no_grad():
        with pytest.raises(RuntimeError), nt.enable_grad():
            raise RuntimeError
        assert not nt.is_grad_enabled()


def test_nesting_restores_each_level():
    seen = []
    with nt.no_grad():
        seen.append(nt.is_grad_enabled())
        with nt.enable_grad():
            seen.append(nt.is_grad_enabled())
            with nt.no_grad():
                seen.append(nt.is_grad_enabled())
            seen.append(nt.is_grad_enabled())
        seen.append(nt.is_grad_enabled())
    seen.append(nt.is_grad_enabled())
    assert seen == [False, True, False, True, False, True]


# ---------------------------------------------------------------------------- set_grad_enabled

def test_set_grad_enabled_called_takes_effect_at_once():
    nt.set_grad_enabled(False)
    try:
        assert not nt.is_grad_enabled()
        assert not (_leaf() * 2).requires_grad
    finally:
        nt.set_grad_enabled(True)
    assert (_leaf() * 2).requires_grad


@pytest.mark.parametrize("mode", [False, True])
def test_set_grad_enabled_as_context_restores_the_mode_from_before_the_call(mode):
    with nt.no_grad():
        with nt.set_grad_enabled(mode):
            assert nt.is_grad_enabled() is mode
            assert (_leaf() * 2).requires_grad is mode
        assert not nt.is_grad_enabled()
    with pytest.raises(ZeroDivisionError), nt.set_grad_enabled(mode):
        1 / 0
    assert nt.is_grad_enabled()


def test_set_grad_enabled_as_decorator_does_not_leak_the_mode():
    @nt.set_grad_enabled(False)
    def f(t):
        """Doc."""
        return t * 2, nt.is_grad_enabled()

    assert nt.is_grad_enabled()
    y, enabled = f(_leaf())
    assert not enabled and not y.requires_grad
    assert nt.is_grad_enabled()
    assert f.__name__ == "f" and f.__doc__ == "Doc."


def test_set_grad_enabled_refuses_a_non_bool_mode_with_pytorchs_message():
    with pytest.raises(TypeError, match=r"argument 'enabled' \(position 1\) must be bool, not int"):
        nt.set_grad_enabled(1)
    with pytest.raises(TypeError, match="must be bool, not NoneType"):
        nt.set_grad_enabled(None)
    assert nt.is_grad_enabled()


def test_set_grad_enabled_repr():
    context = nt.set_grad_enabled(True)
    assert repr(context) == "neuronet.autograd.grad_mode.set_grad_enabled(mode=True)"
    assert str(context) == repr(context)


# ------------------------------------------------------------------------------ inference_mode

def test_inference_mode_is_exported_from_neuronet_and_autograd():
    assert nt.inference_mode is nt.autograd.inference_mode is grad_mode.inference_mode
    assert nt.is_inference_mode_enabled is nt.autograd.is_inference_mode_enabled
    assert "inference_mode" in nt.autograd.__all__
    assert "is_inference_mode_enabled" in nt.autograd.__all__


def test_inference_mode_as_context_records_nothing_and_restores():
    x = _leaf()
    with nt.inference_mode():
        assert nt.is_inference_mode_enabled() and not nt.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert nt.is_inference_mode_enabled() is False and nt.is_grad_enabled()


@pytest.mark.parametrize("form", ["bare", "called", "called_true"])
def test_inference_mode_decorator_forms(form):
    def double(t):
        """Twice t."""
        return t * 2, nt.is_inference_mode_enabled(), nt.is_grad_enabled()

    if form == "bare":
        wrapped = nt.inference_mode(double)
    elif form == "called":
        wrapped = nt.inference_mode()(double)
    else:
        wrapped = nt.inference_mode(True)(double)
    y, inference, enabled = wrapped(_leaf())
    assert inference and not enabled and not y.requires_grad
    assert not nt.is_inference_mode_enabled() and nt.is_grad_enabled()
    assert wrapped.__name__ == "double" and wrapped.__doc__ == "Twice t."


def test_inference_mode_decorator_syntax_without_parentheses():
    @nt.inference_mode
    def f(t):
        return t * 2

    assert inspect.isfunction(f)
    assert not f(_leaf()).requires_grad


def test_inference_mode_false_leaves_inference_and_records():
    with nt.inference_mode():
        with nt.inference_mode(False):
            assert not nt.is_inference_mode_enabled() and nt.is_grad_enabled()
            assert (_leaf() * 2).requires_grad
        assert nt.is_inference_mode_enabled() and not nt.is_grad_enabled()

    @nt.inference_mode(False)
    def f():
        return nt.is_inference_mode_enabled()

    assert f() is False


def test_inference_mode_restores_both_modes_after_an_exception():
    with nt.no_grad():
        with pytest.raises(ValueError), nt.inference_mode():
            raise ValueError
        assert not nt.is_grad_enabled() and not nt.is_inference_mode_enabled()

    @nt.inference_mode
    def fails():
        raise ValueError

    with pytest.raises(ValueError):
        fails()
    assert nt.is_grad_enabled() and not nt.is_inference_mode_enabled()


def test_tensors_made_in_inference_mode_work_in_later_recorded_computations():
    # neuronet has no inference tensors: unlike PyTorch, this does not raise
    x = _leaf()
    with nt.inference_mode():
        constant = nt.ones(2) * 3
    y = (x * constant).sum()
    y.backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_enable_grad_records_inside_inference_mode():
    # a documented difference: PyTorch records nothing inside inference mode whatever the grad mode
    with nt.inference_mode(), nt.enable_grad():
        assert nt.is_inference_mode_enabled() and nt.is_grad_enabled()
        assert (_leaf() * 2).requires_grad


# ---------------------------------------------------------------------------------- generators

def _mode_generator():
    """Yields the grad mode it sees at each step; returns what it was sent."""
    received = []
    for _ in range(3):
        received.append((yield nt.is_grad_enabled()))
    return received


@pytest.mark.parametrize("make_decorator", [
    lambda: nt.no_grad, lambda: nt.no_grad(), lambda: nt.set_grad_enabled(False),
], ids=["no_grad", "no_grad()", "set_grad_enabled(False)"])
def test_generator_keeps_the_mode_across_yields_and_gives_the_callers_back(make_decorator):
    # set_grad_enabled(False) takes effect when made, hence made here and not at collection
    wrapped = make_decorator()(_mode_generator)
    assert nt.is_grad_enabled()
    assert inspect.isgeneratorfunction(wrapped) and wrapped.__name__ == "_mode_generator"
    gen = wrapped()
    assert next(gen) is False
    assert nt.is_grad_enabled()
    assert gen.send("a") is False
    assert nt.is_grad_enabled()
    assert gen.send("b") is False
    with pytest.raises(StopIteration) as stop:
        gen.send("c")
    assert stop.value.value == ["a", "b", "c"]
    assert nt.is_grad_enabled()


def test_enable_grad_generator_records_while_the_caller_does_not():
    x = _leaf()

    @nt.enable_grad
    def doubles():
        while True:
            yield x * 2, nt.is_grad_enabled()

    with nt.no_grad():
        gen = doubles()
        y, enabled = next(gen)
        assert enabled and y.requires_grad
        assert not nt.is_grad_enabled()
        assert not (x * 2).requires_grad
        gen.close()
    assert nt.is_grad_enabled()


def test_inference_mode_generator():
    @nt.inference_mode
    def modes():
        yield nt.is_inference_mode_enabled(), nt.is_grad_enabled()
        yield nt.is_inference_mode_enabled(), nt.is_grad_enabled()

    assert list(modes()) == [(True, False), (True, False)]
    assert not nt.is_inference_mode_enabled()


def test_generator_throw_and_close_run_in_the_mode():
    seen = []

    @nt.no_grad
    def gen_fn():
        try:
            yield 1
        except ValueError:
            seen.append(("except", nt.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("finally", nt.is_grad_enabled()))

    gen = gen_fn()
    assert next(gen) == 1
    assert gen.throw(ValueError("from the caller")) == 2
    assert nt.is_grad_enabled()
    gen.close()
    assert nt.is_grad_enabled()
    assert seen == [("except", False), ("finally", False)]


def test_generator_exception_reaches_the_caller_and_the_mode_is_restored():
    @nt.no_grad
    def gen_fn():
        yield 1
        raise KeyError("in the generator")

    gen = gen_fn()
    next(gen)
    with pytest.raises(KeyError, match="in the generator"):
        next(gen)
    assert nt.is_grad_enabled()


def test_generator_used_with_yield_from_returns_its_value():
    @nt.no_grad
    def inner():
        yield nt.is_grad_enabled()
        return "done"

    def outer():
        result = yield from inner()
        yield result

    assert list(outer()) == [False, "done"]


# ------------------------------------------------------------------------- methods and classes

class _Model:
    def __init__(self):
        self.w = _leaf()

    @nt.no_grad
    def predict(self, t):
        """Predicts."""
        return self.w * t

    @nt.no_grad()
    def predict_called(self, t):
        return self.w * t

    @nt.inference_mode
    def infer(self, t):
        return self.w * t

    @nt.enable_grad
    def train_step(self, t):
        return self.w * t

    @nt.no_grad
    def batches(self, n):
        for i in range(n):
            yield self.w * i


def test_decorated_methods_get_self_and_keep_their_metadata():
    model = _Model()
    assert not model.predict(2).requires_grad
    assert not model.predict_called(2).requires_grad
    assert not model.infer(2).requires_grad
    with nt.no_grad():
        assert model.train_step(2).requires_grad
    assert [b.requires_grad for b in model.batches(2)] == [False, False]
    assert _Model.predict.__qualname__ == "_Model.predict"
    assert _Model.predict.__doc__ == "Predicts."
    assert nt.is_grad_enabled()


def test_decorating_a_class_warns_and_applies_the_mode_to_construction():
    class Made:
        def __init__(self):
            self.enabled = nt.is_grad_enabled()

    with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):
        make = nt.no_grad(Made)
    assert make().enabled is False
    assert isinstance(make(), Made)
    assert nt.is_grad_enabled()


# ----------------------------------------------------------------------------------- hot path

def test_the_flag_stays_a_one_element_list_changed_in_place():
    flag = grad_mode._enabled
    with nt.no_grad():
        assert grad_mode._enabled is flag and flag == [False]
    nt.set_grad_enabled(False)
    assert grad_mode._enabled is flag and flag == [False]
    nt.set_grad_enabled(True)
    with nt.inference_mode():
        assert grad_mode._enabled is flag and flag == [False]
    assert flag == [True]


def test_optimizer_step_inside_no_grad_and_inference_mode_leaves_the_mode():
    w = nt.nn.Parameter(nt.ones(2))
    opt = nt.optim.SGD([w], lr=0.5)
    (w * 2).sum().backward()
    with nt.inference_mode():
        opt.step()
        assert nt.is_inference_mode_enabled() and not nt.is_grad_enabled()
    assert w.tolist() == [0.0, 0.0]
    assert nt.is_grad_enabled()


# ---------------------------------------------------------------------- the same as PyTorch

def _scenario_contexts(lib):
    seen = [lib.is_grad_enabled()]
    with lib.no_grad():
        seen.append(lib.is_grad_enabled())
        with lib.enable_grad():
            seen.append(lib.is_grad_enabled())
            with lib.set_grad_enabled(False):
                seen.append(lib.is_grad_enabled())
            seen.append(lib.is_grad_enabled())
        seen.append(lib.is_grad_enabled())
    seen.append(lib.is_grad_enabled())
    return seen


def _scenario_decorators(lib):
    def probe():
        return lib.is_grad_enabled()

    seen = [lib.no_grad(probe)(), lib.no_grad()(probe)(), lib.set_grad_enabled(False)(probe)()]
    seen.append(lib.is_grad_enabled())
    with lib.no_grad():
        seen += [lib.enable_grad(probe)(), lib.enable_grad()(probe)(),
                 lib.set_grad_enabled(True)(probe)()]
        seen.append(lib.is_grad_enabled())
    seen.append(lib.is_grad_enabled())
    return seen


def _scenario_set_grad_enabled_calls(lib):
    seen = []
    context = lib.set_grad_enabled(False)  # takes effect here
    seen.append(lib.is_grad_enabled())
    lib.set_grad_enabled(True)
    seen.append(lib.is_grad_enabled())
    with context:  # entering sets the mode again; exit restores the mode from before the call
        seen.append(lib.is_grad_enabled())
    seen.append(lib.is_grad_enabled())
    with lib.no_grad():
        lib.set_grad_enabled(True)
        seen.append(lib.is_grad_enabled())
    seen.append(lib.is_grad_enabled())
    return seen


def _scenario_exceptions(lib):
    seen = []
    for make in (lib.no_grad, lambda: lib.set_grad_enabled(False), lib.inference_mode):
        try:
            with make():
                raise ValueError
        except ValueError:
            seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
    with lib.no_grad():
        try:
            with lib.enable_grad():
                raise ValueError
        except ValueError:
            seen.append(lib.is_grad_enabled())
    return seen


def _scenario_generators(lib):
    def gen_fn():
        for _ in range(2):
            yield lib.is_grad_enabled()

    seen = []
    for wrapped in (lib.no_grad(gen_fn), lib.no_grad()(gen_fn),
                    lib.set_grad_enabled(False)(gen_fn)):
        for value in wrapped():
            seen += [value, lib.is_grad_enabled()]
    with lib.no_grad():
        for value in lib.enable_grad(gen_fn)():
            seen += [value, lib.is_grad_enabled()]
    for value in lib.inference_mode(gen_fn)():
        seen += [value, lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
    return seen


def _scenario_inference_mode(lib):
    def probe():
        return lib.is_grad_enabled(), lib.is_inference_mode_enabled()

    seen = [probe()]
    with lib.inference_mode():
        seen.append(probe())
        with lib.inference_mode(False):
            seen.append(probe())
        with lib.enable_grad():
            seen.append(probe())
        with lib.no_grad():
            seen.append(probe())
        seen.append(probe())
    with lib.no_grad():
        with lib.inference_mode(False):
            seen.append(probe())
        seen.append(probe())
    seen += [lib.inference_mode(probe)(), lib.inference_mode()(probe)(),
             lib.inference_mode(False)(probe)()]
    with lib.no_grad():
        seen.append(lib.inference_mode(False)(probe)())
    seen.append(probe())
    return seen


class _Methods:
    def __init__(self, lib):
        self.lib = lib

    def probe(self):
        return self.lib.is_grad_enabled()


def _scenario_methods(lib):
    obj = _Methods(lib)
    return [lib.no_grad(_Methods.probe)(obj), lib.no_grad()(_Methods.probe)(obj),
            lib.inference_mode(_Methods.probe)(obj), lib.is_grad_enabled()]


@pytest.mark.parametrize("scenario", [
    _scenario_contexts, _scenario_decorators, _scenario_set_grad_enabled_calls,
    _scenario_exceptions, _scenario_generators, _scenario_inference_mode, _scenario_methods,
], ids=lambda f: f.__name__.removeprefix("_scenario_"))
def test_modes_match_pytorch(scenario, torch):
    expected = scenario(torch)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    assert scenario(nt) == expected


def test_no_grad_and_inference_mode_results_match_pytorch_requires_grad(torch):
    def results(lib):
        x = lib.ones(2, requires_grad=True)
        out = []
        with lib.no_grad():
            out.append((x * 2).requires_grad)
            with lib.enable_grad():
                out.append((x * 2).requires_grad)
        with lib.inference_mode():
            out.append((x * 2).requires_grad)
            with lib.inference_mode(False):
                out.append((x * 2).requires_grad)
        out.append(lib.no_grad(lambda: (x * 2).requires_grad)())
        out.append(lib.inference_mode(lambda: (x * 2).requires_grad)())
        return out

    assert results(nt) == results(torch)
