"""A tiny scalar computational graph (micrograd-like) for teaching backpropagation (3장).

Each :class:`Value` holds one number ``data``, the gradient ``grad`` of the final output with
respect to it, the values it was computed from (``parents``) and the operation that made it
(``op``). ``out.backward()`` visits the graph in reverse topological order and applies the
*gate patterns* of the chapter:

- ``+`` (add gate) hands the upstream gradient unchanged to every input (gradient distributor);
- ``*`` (mul gate) multiplies the upstream gradient by the *other* input (swap multiplier);
- ``max`` (max gate) routes the upstream gradient to the larger input only (gradient router);
- a value used several times (fan-out, copy gate) receives the *sum* of the gradients of its
  uses, because ``backward`` adds into ``grad`` (``+=``).

Only scalars are supported; the point is to see every number. Array code lives in
:mod:`dlcore.layers`.

Example::

    >>> from dlcore.autograd import Value
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)
"""

from __future__ import annotations

import math

__all__ = ["Value", "maximum", "trace", "topological_order"]


class Value:
    """One scalar node of a computational graph.

    Parameters
    ----------
    data : float
        The forward value.
    label : str
        A name shown in drawings (``viz.draw_graph``).

    Attributes
    ----------
    data : float
        Forward value.
    grad : float
        ``∂out/∂self`` after ``out.backward()`` (0.0 before).
    parents : tuple of Value
        Inputs of the operation that produced this value (empty for a leaf). A value used twice
        appears twice (``a * a`` has ``parents == (a, a)``).
    op : str
        ``""`` for a leaf, else ``"+"``, ``"*"``, ``"max"``, ``"sigmoid"``, ``"relu"``,
        ``"tanh"``, ``"exp"``, ``"log"`` or ``"**k"``.
    local_grads : tuple of float
        ``∂self/∂parent`` for each parent (the local gradients), filled in the forward pass.
    """

    __slots__ = ("data", "grad", "label", "parents", "op", "local_grads")

    def __init__(self, data, label="", parents=(), op="", local_grads=()):
        if isinstance(data, Value):
            raise ValueError("Value: expected a number for data, got a Value")
        try:
            self.data = float(data)
        except (TypeError, ValueError):
            raise ValueError(
                f"Value: expected a real number for data, got {type(data).__name__}") from None
        self.grad = 0.0
        self.label = str(label)
        self.parents = tuple(parents)
        self.op = op
        self.local_grads = tuple(float(g) for g in local_grads)
        if len(self.local_grads) != len(self.parents):
            raise ValueError(f"Value: expected one local gradient per parent "
                             f"({len(self.parents)}), got {len(self.local_grads)}")

    # -- building the graph ------------------------------------------------------------
    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Value) else Value(other, label=_fmt(other))

    def __add__(self, other):
        other = self._wrap(other)
        return Value(self.data + other.data, parents=(self, other), op="+",
                     local_grads=(1.0, 1.0))

    def __radd__(self, other):
        return self._wrap(other) + self

    def __mul__(self, other):
        other = self._wrap(other)
        # mul gate: each input's local gradient is the other input ("swap")
        return Value(self.data * other.data, parents=(self, other), op="*",
                     local_grads=(other.data, self.data))

    def __rmul__(self, other):
        return self._wrap(other) * self

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __rsub__(self, other):
        return self._wrap(other) + (-self)

    def __pow__(self, k):
        if isinstance(k, Value):
            raise ValueError("Value.__pow__: expected a constant exponent (int or float), "
                             "got a Value")
        k = float(k)
        return Value(self.data ** k, parents=(self,), op=f"**{_fmt(k)}",
                     local_grads=(k * self.data ** (k - 1.0),))

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __rtruediv__(self, other):
        return self._wrap(other) * self ** -1

    def maximum(self, other):
        """``max(self, other)``: the gradient goes to the larger input (the first on a tie)."""
        other = self._wrap(other)
        first = self.data >= other.data
        return Value(max(self.data, other.data), parents=(self, other), op="max",
                     local_grads=(1.0 if first else 0.0, 0.0 if first else 1.0))

    def sigmoid(self, a=1.0):
        """Logistic sigmoid ``1/(1+e^{-a s})``; local gradient ``a τ(1−τ)`` (표 3-1)."""
        s = a * self.data
        t = 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))
        return Value(t, parents=(self,), op="sigmoid", local_grads=(a * t * (1.0 - t),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, parents=(self,), op="tanh", local_grads=(1.0 - t * t,))

    def relu(self):
        return Value(max(self.data, 0.0), parents=(self,), op="relu",
                     local_grads=(1.0 if self.data > 0 else 0.0,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, parents=(self,), op="exp", local_grads=(e,))

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: expected a positive value, got {self.data!r}")
        return Value(math.log(self.data), parents=(self,), op="log",
                     local_grads=(1.0 / self.data,))

    # -- backward ----------------------------------------------------------------------
    def backward(self, grad=1.0):
        """Fill ``grad`` of every node reachable from here with ``∂self/∂node``.

        Gradients of earlier calls are cleared first, so calling it twice gives the same
        result. Each node passes ``upstream × local`` to each parent and parents *add* what
        they receive (the fan-out rule).
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = float(grad)
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += node.grad * local

    def __repr__(self):
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.4f}, grad={self.grad:.4f})"


def maximum(a, b):
    """``max(a, b)`` for Values or numbers (max gate)."""
    return Value._wrap(a).maximum(b)


def topological_order(root):
    """Nodes reachable from ``root``, each after all of its parents (leaves first)."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:  # iterative depth-first search, so deep graphs do not hit the recursion limit
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def trace(root):
    """``(nodes, edges)`` of the graph below ``root``.

    ``nodes`` is the topological order; ``edges`` is a list of ``(parent, child, local_grad)``
    with one entry per use (a value used twice gives two edges).
    """
    nodes = topological_order(root)
    edges = [(p, n, g) for n in nodes for p, g in zip(n.parents, n.local_grads)]
    return nodes, edges


def _fmt(x):
    x = float(x)
    return f"{x:g}"
