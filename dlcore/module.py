"""Parameters and modules: the containers every layer is built from.

A :class:`Module` computes ``forward(x)`` and, given the gradient of the loss with respect to its
output, ``backward(grad_out)`` returns the gradient with respect to its input and *adds* the
gradients of its parameters into ``param.grad`` (as PyTorch accumulates them). ``zero_grad()``
clears them before the next step.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

from ._validate import check_bool
from .backend import xp

__all__ = ["Parameter", "Module", "Sequential"]


def keep_input(module, x, attr="_kept_input"):
    """A private copy of ``x`` for ``backward``, in a buffer of ``module`` reused between steps.

    A layer that needs its input again in ``backward`` (Linear, Conv2d, ...) must not keep the
    caller's array itself: a caller that refills the same buffer with the next batch before
    calling ``backward`` would silently change the weight gradient. Copying into a buffer that
    is allocated once costs one pass over ``x`` and no new memory from step to step.
    """
    buf = getattr(module, attr, None)
    if buf is None or buf.shape != x.shape or buf.dtype != x.dtype or buf is x:
        buf = xp.array(x, copy=True)
    else:
        xp.copyto(buf, x)
    setattr(module, attr, buf)
    return buf


def _guard_forward(forward):
    """Wrap a ``forward`` so that the module remembers whether the last call succeeded."""

    @functools.wraps(forward)
    def guarded(self, *args, **kwargs):
        self._forward_ok = False
        try:
            out = forward(self, *args, **kwargs)
        except BaseException:
            self._forward_ok = False
            raise
        self._forward_ok = True
        return out

    guarded._dlcore_guard = True
    return guarded


def _guard_backward(backward):
    """Wrap a ``backward`` so that it refuses to run after a ``forward`` that raised."""

    @functools.wraps(backward)
    def guarded(self, *args, **kwargs):
        if getattr(self, "_forward_ok", None) is False:
            raise RuntimeError(
                f"{type(self).__name__}.backward: expected a successful forward call first, "
                f"got a forward that raised an error (what it cached belongs to an earlier "
                f"input); call forward again before backward")
        return backward(self, *args, **kwargs)

    guarded._dlcore_guard = True
    return guarded


class Parameter:
    """A learnable array ``data`` with its gradient ``grad`` (same shape, same dtype)."""

    __slots__ = ("data", "grad", "name")

    def __init__(self, data, name=None):
        self.data = xp.asarray(data)
        self.grad = xp.zeros_like(self.data)
        self.name = name

    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return int(self.data.size)

    def zero_grad(self):
        """Set ``grad`` to zero in place (the array object stays the same)."""
        self.grad[...] = 0

    def __repr__(self):
        label = f" {self.name}" if self.name else ""
        return f"Parameter{label}(shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class of layers and networks.

    Subclasses set their parameters and sub-modules as attributes in ``__init__`` (the order of
    assignment fixes the order of :meth:`parameters`) and implement :meth:`forward` and
    :meth:`backward`.
    """

    training = True

    def __init_subclass__(cls, **kwargs):
        # every subclass's forward/backward: a backward after a failed forward raises instead
        # of silently differentiating the previous input
        super().__init_subclass__(**kwargs)
        for name, guard in (("forward", _guard_forward), ("backward", _guard_backward)):
            fn = cls.__dict__.get(name)
            if fn is not None and callable(fn) and not getattr(fn, "_dlcore_guard", False):
                setattr(cls, name, guard(fn))

    def forward(self, x):
        """Compute the output from the input ``x`` and keep what ``backward`` will need.

        Shapes are the layer's own, e.g. ``Linear``: (N, in_features) -> (N, out_features).
        """
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad_out):
        """Given ∂L/∂(output) (the output's shape), add ∂L/∂θ into each ``param.grad`` and
        return ∂L/∂(input) (the input's shape). Must follow a ``forward`` call."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def __call__(self, x):
        """Same as ``forward(x)``."""
        return self.forward(x)

    # -- traversal -----------------------------------------------------------------------
    def children(self):
        """Direct sub-modules, in the order they were assigned."""
        for value in vars(self).values():
            if isinstance(value, Module):
                yield value
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, Module):
                        yield item

    def modules(self):
        """This module and all sub-modules, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_parameters(self, prefix=""):
        """``(name, Parameter)`` pairs in a stable order (assignment order, depth first)."""
        seen = set()
        for key, value in vars(self).items():
            items = value if isinstance(value, (list, tuple)) else [value]
            for i, item in enumerate(items):
                sub = f"{key}.{i}" if isinstance(value, (list, tuple)) else key
                name = f"{prefix}{sub}"
                if isinstance(item, Parameter):
                    if id(item) not in seen:
                        seen.add(id(item))
                        yield name, item
                elif isinstance(item, Module):
                    for n, p in item.named_parameters(prefix=name + "."):
                        if id(p) not in seen:
                            seen.add(id(p))
                            yield n, p

    def parameters(self):
        """All learnable parameters as a list, in a stable order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        """Set the gradient of every parameter to zero (call before each backward pass)."""
        for p in self.parameters():
            p.zero_grad()

    def num_parameters(self):
        """Total number of learnable scalars."""
        return sum(p.size for p in self.parameters())

    # -- modes ---------------------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (dropout active, batch statistics in batch norm). Returns self.

        ``mode`` must be True or False (a string such as "False" is refused, not read as true).
        """
        mode = check_bool(mode, f"{type(self).__name__}.train", "mode")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        """Inference mode. Returns self."""
        return self.train(False)

    # -- state ---------------------------------------------------------------------------
    def buffers(self):
        """Named non-learnable state (e.g. running statistics), as ``(name, array)`` pairs.

        Subclasses with state list the attribute names in ``_buffers``.
        """
        for name, module in self._named_modules():
            for b in getattr(module, "_buffers", ()):
                yield (f"{name}.{b}" if name else b), module, b

    def _named_modules(self, prefix=""):
        yield prefix, self
        for key, value in vars(self).items():
            items = value if isinstance(value, (list, tuple)) else [value]
            for i, item in enumerate(items):
                if isinstance(item, Module):
                    sub = f"{key}.{i}" if isinstance(value, (list, tuple)) else key
                    yield from item._named_modules(f"{prefix}.{sub}" if prefix else sub)

    def state_dict(self):
        """Parameters and buffers by name (arrays, not copies)."""
        state = OrderedDict((n, p.data) for n, p in self.named_parameters())
        for name, module, attr in self.buffers():
            state[name] = getattr(module, attr)
        return state

    def load_state_dict(self, state):
        """Copy arrays into this module's parameters and buffers; names and shapes must match.

        All or nothing: every key, shape and value is checked before the first array is
        written, so a checkpoint that does not fit leaves the module exactly as it was.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not hasattr(state, "keys") or not hasattr(state, "__getitem__"):
            raise ValueError(f"{where}: expected a dict name -> array, got {type(state).__name__}")
        own = self.state_dict()
        missing = [k for k in own if k not in state]
        extra = [k for k in state if k not in own]
        if missing or extra:
            raise ValueError(f"{where}: expected keys {list(own)}, "
                             f"missing keys {missing}, unexpected keys {extra}")
        params = dict(self.named_parameters())
        bufs = {n: (m, a) for n, m, a in self.buffers()}
        values = {}
        for key, target in own.items():       # 1. check everything ...
            try:
                value = xp.asarray(state[key])
            except (TypeError, ValueError):
                raise ValueError(f"{where}: expected {key} to be a numeric array, got "
                                 f"{type(state[key]).__name__}") from None
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"{where}: expected {key} of shape {tuple(target.shape)}, "
                                 f"got {tuple(value.shape)}")
            if value.dtype.kind not in "fiub":
                raise ValueError(f"{where}: expected {key} with real numbers, got dtype "
                                 f"{value.dtype}")
            values[key] = value
        for key, value in values.items():     # 2. ... then write
            if key in params:
                params[key].data[...] = value
            else:
                module, attr = bufs[key]
                getattr(module, attr)[...] = value
        return self

    def extra_repr(self):
        return ""

    def __repr__(self):
        kids = list(vars(self).items())
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        sub = [(k, v) for k, v in kids if isinstance(v, Module)]
        if not sub:
            return lines[0] + ")"
        for k, v in sub:
            lines.append("  (" + k + "): " + repr(v).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after another; ``backward`` runs them in reverse."""

    def __init__(self, *modules):
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise ValueError(f"Sequential: expected Module instances, got "
                                 f"{type(m).__name__} at position {i}")
        self.layers = list(modules)

    def forward(self, x):
        """Apply the modules in order: x -> m1 -> m2 -> ... (shapes as each module defines)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out):
        """Chain rule through the modules in reverse order; returns ∂L/∂x (x's shape)."""
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(*self.layers[i])
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        body = "\n".join(f"  ({i}): " + repr(m).replace("\n", "\n  ")
                         for i, m in enumerate(self.layers))
        return f"Sequential(\n{body}\n)"
