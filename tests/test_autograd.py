"""Tests of dlcore.autograd: gate patterns and gradients checked against central differences."""

import math

import pytest

from dlcore.autograd import Value, maximum, topological_order, trace


def numerical(f, xs, i, h=1e-6):
    plus = list(xs)
    minus = list(xs)
    plus[i] += h
    minus[i] -= h
    return (f(*plus) - f(*minus)) / (2 * h)


def check(build, xs, tol=1e-6):
    vals = [Value(x) for x in xs]
    out = build(*vals)
    out.backward()

    def f(*raw):
        return build(*[Value(r) for r in raw]).data

    for i, v in enumerate(vals):
        assert v.grad == pytest.approx(numerical(f, xs, i), abs=tol, rel=tol)


def test_cs231n_example():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_gate_patterns():
    x, y, z, w = Value(3.0), Value(-4.0), Value(2.0), Value(-1.0)
    f = (x * y + maximum(z, w)) * 2
    f.backward()
    assert f.data == -20.0
    assert x.grad == -8.0 and y.grad == 6.0  # mul swaps
    assert z.grad == 2.0 and w.grad == 0.0   # max routes


def test_fan_out_sums():
    a, b = Value(3.0), Value(-4.0)
    h = a * b + a
    h.backward()
    assert a.grad == -3.0 and b.grad == 3.0
    sq = a * a
    sq.backward()
    assert a.grad == 6.0


@pytest.mark.parametrize("xs", [(0.3, -1.2, 2.0), (-0.7, 0.5, 1.5), (1.1, 2.2, -0.4)])
def test_against_numerical(xs):
    check(lambda a, b, c: (a * b + c).sigmoid(2.0) * (a - c) ** 2, xs)
    check(lambda a, b, c: (a.tanh() + b.relu() * c).exp() / (1 + c * c), xs)
    check(lambda a, b, c: maximum(a * c, b) - (b * b + 1).log(), xs)
    check(lambda a, b, c: 1 / (a * a + 1) + 2 - b + c * 3, xs)


def test_backward_twice_is_stable():
    a = Value(2.0)
    out = a * a * a
    out.backward()
    first = a.grad
    out.backward()
    assert a.grad == first == 12.0


def test_sigmoid_extremes_are_finite():
    for s in (-1000.0, 1000.0):
        v = Value(s).sigmoid()
        assert 0.0 <= v.data <= 1.0 and math.isfinite(v.local_grads[0])


def test_trace_and_order():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    out = a * b + a
    nodes, edges = trace(out)
    assert nodes[-1] is out
    pos = {id(n): i for i, n in enumerate(nodes)}
    for p, c, _ in edges:
        assert pos[id(p)] < pos[id(c)]
    assert sum(1 for p, _, _ in edges if p is a) == 2
    assert len(topological_order(out)) == 4


def test_deep_chain_no_recursion_error():
    v = Value(0.5)
    out = v
    for _ in range(3000):
        out = out * 1.0
    out.backward()
    assert v.grad == 1.0


def test_errors():
    with pytest.raises(ValueError, match="Value"):
        Value("abc")
    with pytest.raises(ValueError, match="log"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="constant exponent"):
        Value(2.0) ** Value(2.0)
