"""neuronet.Generator and the library generator, as PyTorch has them: seeds, states, devices,
and ``generator=`` on every random factory."""
import numpy as np
import pytest

import neuronet as nt


def test_a_new_generator_starts_from_pytorchs_default_seed(torch):
    g = nt.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert str(g.device) == "cpu" and str(nt.Generator(device="cpu").device) == "cpu"
    assert g.manual_seed(5) is g and g.initial_seed() == 5


def test_seeds_as_pytorch_takes_them(torch):
    for s in (0, 7, -1, 2**64 - 1, -(2**63)):
        assert nt.Generator().manual_seed(s).initial_seed() == \
            torch.Generator().manual_seed(s).initial_seed()
    assert nt.manual_seed(3.7).initial_seed() == torch.manual_seed(3.7).initial_seed() == 3
    assert nt.manual_seed(True).initial_seed() == 1
    assert nt.Generator().manual_seed(np.int64(3)).initial_seed() == 3
    for bad in (3.7, True):
        with pytest.raises(TypeError, match="manual_seed: seed must be an int, got"):
            nt.Generator().manual_seed(bad)
    for s in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError, match=r"manual_seed: seed must be in \[-2\*\*63, 2\*\*64\)"):
            nt.Generator().manual_seed(s)
    with pytest.raises(TypeError, match="manual_seed: seed must be an int, got str"):
        nt.manual_seed("1")


def test_same_seed_same_draws_other_seed_other_draws():
    a = nt.rand(50, generator=nt.Generator().manual_seed(3))
    b = nt.rand(50, generator=nt.Generator().manual_seed(3))
    c = nt.rand(50, generator=nt.Generator().manual_seed(4))
    assert np.array_equal(a.numpy(), b.numpy()) and not np.array_equal(a.numpy(), c.numpy())
    assert np.array_equal(nt.Generator(3).numpy.random(4), nt.Generator().manual_seed(3).numpy.random(4))


def test_seed_draws_a_fresh_seed_and_restarts_from_it():
    g = nt.Generator()
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2**64 and g.initial_seed() == s
    assert s != nt.Generator().seed()  # 64 bits of entropy: equal with probability 2**-64
    first = nt.randn(5, generator=g)
    assert np.array_equal(nt.randn(5, generator=nt.Generator().manual_seed(s)).numpy(),
                          first.numpy())


def test_state_is_a_uint8_tensor_that_round_trips_exactly():
    g = nt.Generator().manual_seed(11)
    nt.randn(3, generator=g)
    g.numpy.integers(0, 2**32, dtype=np.uint32)  # leaves a cached half-word in the state
    state = g.get_state()
    assert isinstance(state, nt.Tensor) and state.dtype == nt.uint8 and state.dim() == 1
    after = [nt.rand(7, generator=g).numpy(), nt.randint(0, 9, (5,), generator=g).numpy()]
    other = nt.Generator().manual_seed(999)
    assert other.set_state(state) is other and other.initial_seed() == 11
    again = [nt.rand(7, generator=other).numpy(), nt.randint(0, 9, (5,), generator=other).numpy()]
    assert all(np.array_equal(x, y) for x, y in zip(after, again))
    assert np.array_equal(other.get_state().numpy(), g.get_state().numpy())


def test_set_state_refuses_what_is_not_a_state():
    g = nt.Generator()
    with pytest.raises(TypeError, match="RNG state must be a uint8"):
        g.set_state(nt.zeros(45))
    with pytest.raises(TypeError, match="RNG state must be a uint8"):
        g.set_state([0] * 45)
    with pytest.raises(RuntimeError, match="input RNG state size to be 3"):
        g.set_state(nt.zeros(3, dtype=nt.uint8))


def test_the_library_generator():
    assert nt.manual_seed(21) is nt.default_generator and nt.initial_seed() == 21
    state = nt.get_rng_state()
    first = nt.randn(4).numpy()
    nt.set_rng_state(state)
    assert np.array_equal(nt.randn(4).numpy(), first)
    s = nt.seed()
    assert nt.initial_seed() == s
    nt.manual_seed(21)
    assert np.array_equal(nt.randn(4).numpy(), first)


FACTORIES = [
    ("rand", lambda g: nt.rand(2, 3, generator=g)),
    ("randn", lambda g: nt.randn((2, 3), generator=g)),
    ("randint", lambda g: nt.randint(0, 10, (2, 3), generator=g)),
    ("randperm", lambda g: nt.randperm(9, generator=g)),
    ("rand_like", lambda g: nt.rand_like(nt.zeros(2, 3), generator=g)),
    ("randn_like", lambda g: nt.randn_like(nt.zeros(2, 3), generator=g)),
    ("randint_like", lambda g: nt.randint_like(nt.zeros(2, 3), 3, 10, generator=g)),
    ("normal", lambda g: nt.normal(0.0, 1.0, (2, 3), generator=g)),
    ("normal_tensor", lambda g: nt.normal(nt.zeros(2, 3), nt.ones(3), generator=g)),
    ("multinomial", lambda g: nt.multinomial(nt.ones(2, 5), 3, generator=g)),
    ("bernoulli", lambda g: nt.bernoulli(nt.full((2, 3), 0.5), generator=g)),
    ("poisson", lambda g: nt.poisson(nt.full((2, 3), 4.0), generator=g)),
    ("uniform_", lambda g: nt.empty(2, 3).uniform_(generator=g)),
    ("normal_", lambda g: nt.empty(2, 3).normal_(generator=g)),
    ("bernoulli_", lambda g: nt.empty(2, 3).bernoulli_(0.5, generator=g)),
    ("exponential_", lambda g: nt.empty(2, 3).exponential_(generator=g)),
    ("geometric_", lambda g: nt.empty(2, 3).geometric_(0.3, generator=g)),
    ("cauchy_", lambda g: nt.empty(2, 3).cauchy_(generator=g)),
    ("log_normal_", lambda g: nt.empty(2, 3).log_normal_(generator=g)),
    ("random_", lambda g: nt.empty(2, 3).random_(100, generator=g)),
    ("dropout", lambda g: nt.nn.functional.dropout(nt.ones(2, 3), 0.5, True, generator=g)),
]


@pytest.mark.parametrize("name, draw", FACTORIES, ids=[n for n, _ in FACTORIES])
def test_every_random_op_takes_a_generator_and_leaves_the_library_one_alone(name, draw):
    nt.manual_seed(0)
    library_state = nt.get_rng_state().numpy()
    a = draw(nt.Generator().manual_seed(8)).numpy()
    b = draw(nt.Generator().manual_seed(8)).numpy()
    assert np.array_equal(a, b)
    assert np.array_equal(nt.get_rng_state().numpy(), library_state)
    nt.manual_seed(8)
    assert np.array_equal(draw(None).numpy(), a)  # the library generator draws the same


def test_a_generator_of_another_device_or_type_is_refused():
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but "
                                           "found 'cuda'"):
        nt.rand(2, generator=nt.Generator(device="cuda"))
    with pytest.raises(TypeError, match="generator: expected a neuronet.Generator or None, got "
                                        "int"):
        nt.randn(2, generator=5)


def test_randint_range_check_matches_pytorch(torch):
    with pytest.raises(RuntimeError) as theirs:
        torch.randint(5, 2, (3,))
    with pytest.raises(RuntimeError) as ours:
        nt.randint(5, 2, (3,))
    assert str(ours.value) == str(theirs.value)
