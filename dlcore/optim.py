"""Optimisers: how the gradient turns into a parameter update (PyTorch's ``torch.optim`` names).

All optimisers share the same loop::

    opt = Adam(model.parameters(), lr=1e-3)
    for xb, yb in batches:
        opt.zero_grad()          # grads start at 0 (backward *adds* into p.grad)
        loss = ...forward...     # then backward fills p.grad
        opt.step()               # θ ← θ − (update computed from p.grad)

Each ``step`` first forms the gradient of the regularised objective
J(θ) + λ₂/2 ‖θ‖² + λ₁ ‖θ‖₁ (가중치 감쇠, weight decay, and the L1 penalty)::

    g = ∂J/∂θ + weight_decay · θ + l1 · sign(θ)

and then applies the optimiser's rule to g. The formulas follow PyTorch's implementations term by
term (the tests compare trajectories with ``torch.optim`` to 1e-10), so what a reader learns
here carries over unchanged.

Speed: the elementwise arithmetic of the update is a large share of a small network's training
step, so every update runs in place (``xp.multiply(a, b, out=...)``, ``+=``) on state buffers
that are allocated once, in the constructor; the hot loop allocates no arrays. ``p.grad`` itself
is never modified (weight decay is added into a scratch buffer), as in PyTorch.
"""

from __future__ import annotations

import math

from ._validate import FLOAT16_HINT, check_bool, is_real
from .backend import xp
from .module import Module, Parameter

__all__ = ["Optimizer", "SGD", "AdaGrad", "Adagrad", "RMSprop", "Adam"]


# -- validation ----------------------------------------------------------------------------------
def _check_params(params, where):
    """Return ``params`` as a list of distinct floating-point Parameters, in the given order."""
    hint = "pass model.parameters() (a list of Parameter)"
    if isinstance(params, Module):
        raise ValueError(f"{where}: expected a list of Parameter, got a {type(params).__name__} "
                         f"module; {hint}")
    if isinstance(params, Parameter):
        raise ValueError(f"{where}: expected a list of Parameter, got a single Parameter; "
                         f"wrap it in a list: [{params.name or 'p'}]")
    if isinstance(params, (set, frozenset)):
        raise ValueError(f"{where}: expected a list of Parameter, got a {type(params).__name__}; "
                         "sets have no stable order, so the optimiser state could not be matched "
                         f"to the parameters reproducibly; {hint}")
    if isinstance(params, dict):
        raise ValueError(f"{where}: expected a list of Parameter, got a dict (parameter groups "
                         f"are not supported); {hint}")
    if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise ValueError(f"{where}: expected a list of Parameter, got {type(params).__name__}; "
                         f"{hint}")
    items = list(params)
    if not items:
        raise ValueError(f"{where}: expected a non-empty list of Parameter, got an empty one "
                         "(does the model have any learnable parameters?)")
    seen = set()
    for i, p in enumerate(items):
        if not isinstance(p, Parameter):
            raise ValueError(f"{where}: expected a list of Parameter, got {type(p).__name__} at "
                             f"position {i}; {hint} (arrays must be wrapped in Parameter)")
        if id(p) in seen:
            raise ValueError(f"{where}: expected each Parameter once, got a duplicate at "
                             f"position {i} ({p!r})")
        seen.add(id(p))
        if p.data.dtype.kind != "f":
            raise ValueError(f"{where}: expected floating-point parameters, got dtype "
                             f"{p.data.dtype} at position {i} ({p!r})")
        if p.data.dtype.itemsize < 4:
            raise ValueError(f"{where}: expected float32 or float64 parameters, got "
                             f"{p.data.dtype} at position {i} ({p!r}); {FLOAT16_HINT}")
    return items


def _is_real(value):
    """Python or NumPy real number (``0.1``, ``np.float32(0.1)``), finite, not a bool."""
    return is_real(value) and math.isfinite(float(value))


def _check_number(value, where, name, low, high=math.inf, low_open=False, high_open=True):
    """Raise unless ``value`` is a finite real number in the interval given by low/high."""
    lo_ok = _is_real(value) and (value > low if low_open else value >= low)
    hi_ok = _is_real(value) and (value < high if high_open else value <= high)
    if not (lo_ok and hi_ok):
        left = "(" if low_open else "["
        right = ")" if high_open or high == math.inf else "]"
        hi = "inf" if high == math.inf else f"{high:g}"
        raise ValueError(f"{where}: expected {name} to be a real number in {left}{low:g}, {hi}"
                         f"{right}, got {value!r}")
    return float(value)


# -- base class ----------------------------------------------------------------------------------
_SMALL_PARAMETER = 4096   # parameters up to this many numbers are updated in groups


class Optimizer:
    """Base class: holds the parameters, the step count and the per-parameter state buffers.

    Subclasses implement :meth:`_update` for one parameter; :meth:`step` forms the regularised
    gradient and calls it for every parameter in order.

    Parameters
    ----------
    params : list of Parameter
        Usually ``model.parameters()``; the order fixes the order of the state.
    lr : float > 0
        Learning rate η (학습률).
    weight_decay : float >= 0
        λ₂ of the L2 penalty (λ₂/2)‖θ‖² (the notes' γ in ½γ‖θ‖²), added to the gradient as
        λ₂θ (PyTorch's meaning).
    l1 : float >= 0
        λ₁ of the L1 penalty λ₁‖θ‖₁, added to the gradient as λ₁·sign(θ).
    """

    _state_names: tuple = ()  # names of the per-parameter state buffers, e.g. ("exp_avg", ...)

    def __init__(self, params, lr, weight_decay=0.0, l1=0.0):
        where = type(self).__name__
        self.params = _check_params(params, where)
        self.lr = _check_number(lr, where, "lr", 0.0, low_open=True)
        self.weight_decay = _check_number(weight_decay, where, "weight_decay", 0.0)
        self.l1 = _check_number(l1, where, "l1", 0.0)
        eps = getattr(self, "eps", None)
        if eps is not None:
            # ε keeps the adaptive step finite where the squared-gradient average is 0; it must
            # survive rounding to the parameters' dtype (1e-50 is 0 in float32)
            for i, p in enumerate(self.params):
                if p.data.dtype.type(eps) == 0:
                    raise ValueError(f"{where}: expected eps > 0 in the parameters' dtype "
                                     f"{p.data.dtype}, got eps={eps!r}, which rounds to 0 "
                                     f"there (parameter {i})")
        self.t = 0  # number of steps taken so far
        # Per parameter: the optimiser's state buffers, plus scratch space for the update
        # ("tmp"). Allocated once, reused every step.
        self.state = []
        for p in self.params:
            s = {name: xp.zeros_like(p.data) for name in self._state_names}
            s["tmp"] = xp.empty_like(p.data)
            self.state.append(s)
        self._group_small_parameters()

    #: Whether small parameters are updated together (optimisers with many passes per update)
    _groups_small = False

    def _group_small_parameters(self):
        """Put the state of the small parameters (biases, batch-norm γ and β) of each dtype
        side by side in flat arrays, so that one update runs over all of them at once.

        An update is a dozen elementwise operations, each a NumPy call of about a microsecond
        however small the array: for a network's many small parameters the calls, not the
        arithmetic, are the cost. ``step`` copies their values and gradients into flat
        arrays, updates those, and copies the values back; every number is computed exactly
        as in a separate update. ``self.state[i]`` holds views of the flat arrays.
        """
        self._groups, grouped = [], set()
        if self._groups_small:
            by_dtype = {}
            for i, p in enumerate(self.params):
                if p.data.size <= _SMALL_PARAMETER:
                    by_dtype.setdefault(p.data.dtype.str, []).append(i)
            for members in by_dtype.values():
                if len(members) < 2:
                    continue
                sizes = [self.params[i].data.size for i in members]
                offsets = [sum(sizes[:k]) for k in range(len(sizes))]
                dtype = self.params[members[0]].data.dtype
                flat = {name: xp.zeros(sum(sizes), dtype=dtype) for name in self._state_names}
                for name in ("tmp", "theta", "g"):
                    flat[name] = xp.empty(sum(sizes), dtype=dtype)
                for i, o, n in zip(members, offsets, sizes, strict=True):
                    shape = self.params[i].data.shape
                    for name in (*self._state_names, "tmp"):
                        self.state[i][name] = flat[name][o:o + n].reshape(shape)
                self._groups.append((members, offsets, sizes, flat))
                grouped.update(members)
        self._solo = [i for i in range(len(self.params)) if i not in grouped]

    def zero_grad(self):
        """Set every parameter's gradient to 0 (call before each backward pass)."""
        for p in self.params:
            p.zero_grad()

    def step(self):
        """Update every parameter once from its current ``grad``."""
        for p in self.params:   # every check first: a refused step changes nothing
            if p.grad.shape != p.data.shape or p.grad.dtype != p.data.dtype:
                raise ValueError(
                    f"{type(self).__name__}.step: expected grad of shape {tuple(p.data.shape)} "
                    f"and dtype {p.data.dtype} for {p!r}, got shape {tuple(p.grad.shape)} and "
                    f"dtype {p.grad.dtype}")
        self.t += 1
        for i in self._solo:
            p, s = self.params[i], self.state[i]
            self._update(p.data, self._regularised_grad(p.data, p.grad, s), s)
        for members, offsets, sizes, flat in self._groups:   # see _group_small_parameters
            theta, g = flat["theta"], flat["g"]
            for i, o, n in zip(members, offsets, sizes, strict=True):
                theta[o:o + n] = self.params[i].data.reshape(-1)
                g[o:o + n] = self.params[i].grad.reshape(-1)
            self._update(theta, self._regularised_grad(theta, g, flat), flat)
            for i, o, n in zip(members, offsets, sizes, strict=True):
                self.params[i].data[...] = theta[o:o + n].reshape(self.params[i].data.shape)

    def _regularised_grad(self, theta, grad, s):
        """g = ∂J/∂θ + weight_decay·θ + l1·sign(θ); ``grad`` itself when both are 0."""
        if self.weight_decay == 0.0 and self.l1 == 0.0:
            return grad
        if "grad" not in s:  # scratch for g, allocated at the first regularised step
            s["grad"] = xp.empty_like(theta)
        g, tmp = s["grad"], s["tmp"]
        xp.copyto(g, grad)
        if self.weight_decay != 0.0:
            xp.multiply(theta, self.weight_decay, out=tmp)
            g += tmp
        if self.l1 != 0.0:
            xp.sign(theta, out=tmp)
            tmp *= self.l1
            g += tmp
        return g

    def _update(self, theta, g, s):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- state ---------------------------------------------------------------------------
    def state_dict(self):
        """The step count and copies of the state buffers (one dict per parameter, in order)."""
        return {
            "t": self.t,
            "state": [{k: s[k].copy() for k in self._state_names} for s in self.state],
        }

    def load_state_dict(self, state_dict):
        """Restore what :meth:`state_dict` returned (same optimiser class, same parameters)."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"t", "state"}:
            raise ValueError(f"{where}: expected a dict with keys 't' and 'state', got "
                             f"{sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__}")
        states = state_dict["state"]
        if len(states) != len(self.state):
            raise ValueError(f"{where}: expected state for {len(self.state)} parameters, "
                             f"got {len(states)}")
        for i, (own, new) in enumerate(zip(self.state, states, strict=True)):
            if set(new) != set(self._state_names):
                raise ValueError(f"{where}: expected state keys {list(self._state_names)} for "
                                 f"parameter {i}, got {sorted(new)}")
            for k in self._state_names:
                if tuple(new[k].shape) != tuple(own[k].shape):
                    raise ValueError(f"{where}: expected {k} of shape {tuple(own[k].shape)} for "
                                     f"parameter {i}, got {tuple(new[k].shape)}")
        for own, new in zip(self.state, states, strict=True):
            for k in self._state_names:
                own[k][...] = xp.asarray(new[k])  # CuPy cannot assign a host array directly
        self.t = int(state_dict["t"])
        return self

    def _hyper_repr(self):
        return f"lr={self.lr:g}"

    def __repr__(self):
        reg = ""
        if self.weight_decay:
            reg += f", weight_decay={self.weight_decay:g}"
        if self.l1:
            reg += f", l1={self.l1:g}"
        return (f"{type(self).__name__}({self._hyper_repr()}{reg}, "
                f"{len(self.params)} parameters, t={self.t})")


# -- the optimisers ------------------------------------------------------------------------------
class SGD(Optimizer):
    """Stochastic gradient descent (경사 하강법), optionally with momentum (Polyak, 1964) or
    Nesterov momentum (Nesterov, 1983) — PyTorch's ``torch.optim.SGD`` (dampening 0).

    Plain SGD:            θ ← θ − η g
    Momentum μ:           b ← μ b + g,            θ ← θ − η b
    Nesterov:             b ← μ b + g,            θ ← θ − η (g + μ b)

    The notes write momentum with a velocity v ← αv − η g, θ ← θ + v; with a constant η this is
    the same sequence of θ, with v = −η b and α = μ. Their Nesterov form evaluates the gradient at
    the look-ahead point θ + αv; PyTorch's form above is the same method rewritten so that the
    gradient is taken at the stored parameters (Sutskever et al., 2013).

    Weight decay: with g = ∂J/∂θ + λθ, plain SGD gives θ ← θ − η(∂J/∂θ + λθ) = θ(1 − ηλ) − η∂J/∂θ:
    every step shrinks the weights by the factor (1 − ηλ), hence the name 가중치 감쇠.

    Parameters: ``params``, ``lr`` (η > 0), ``momentum`` (μ in [0, 1), default 0), ``nesterov``
    (bool, needs μ > 0), ``weight_decay`` (λ₂ >= 0), ``l1`` (λ₁ >= 0).
    Shapes: each update has the shape of its parameter.
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0, l1=0.0):
        where = "SGD"
        self.momentum = _check_number(momentum, where, "momentum", 0.0, 1.0)
        nesterov = check_bool(nesterov, where, "nesterov")
        if nesterov and self.momentum == 0.0:
            raise ValueError(f"{where}: nesterov=True needs momentum > 0, got momentum={momentum!r}")
        self.nesterov = bool(nesterov)
        self._state_names = ("momentum_buffer",) if self.momentum > 0.0 else ()
        super().__init__(params, lr, weight_decay, l1)

    def _update(self, theta, g, s):
        tmp = s["tmp"]
        if self.momentum == 0.0:
            step = g
        else:
            b = s["momentum_buffer"]
            b *= self.momentum  # b ← μ b + g   (b starts at 0, so the first b is g)
            b += g
            if self.nesterov:  # look ahead: g + μ b
                xp.multiply(b, self.momentum, out=tmp)
                tmp += g
                step = tmp
            else:
                step = b
        xp.multiply(step, self.lr, out=tmp)  # θ ← θ − η · step
        theta -= tmp

    def _hyper_repr(self):
        extra = f", momentum={self.momentum:g}" if self.momentum else ""
        return f"lr={self.lr:g}{extra}" + (", nesterov=True" if self.nesterov else "")


def _adaptive_step(theta, g, r, tmp, lr, eps):
    """θ ← θ − η g / (√r + ε), in place; ``tmp`` is scratch of θ's shape (AdaGrad, RMSprop)."""
    xp.sqrt(r, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    tmp *= lr
    theta -= tmp


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al., 2011): a per-weight learning rate that shrinks with the sum of the
    squared gradients seen so far — PyTorch's ``torch.optim.Adagrad`` (no lr decay)::

        r ← r + g ⊙ g
        θ ← θ − η g / (√r + ε)

    Parameters: ``params``, ``lr`` (η, default 0.01), ``eps`` (ε > 0, default 1e-10),
    ``weight_decay``, ``l1``. State: ``sum`` (r), shape of the parameter.
    """

    _state_names = ("sum",)
    _groups_small = True

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0, l1=0.0):
        self.eps = _check_number(eps, "AdaGrad", "eps", 0.0, low_open=True)
        super().__init__(params, lr, weight_decay, l1)

    def _update(self, theta, g, s):
        r, tmp = s["sum"], s["tmp"]
        xp.multiply(g, g, out=tmp)  # r ← r + g²
        r += tmp
        _adaptive_step(theta, g, r, tmp, self.lr, self.eps)  # θ ← θ − η g / (√r + ε)

    def _hyper_repr(self):
        return f"lr={self.lr:g}, eps={self.eps:g}"


Adagrad = AdaGrad  # PyTorch's spelling


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, 2012): AdaGrad with an exponentially decaying average of the
    squared gradients, so that old gradients fade — PyTorch's ``torch.optim.RMSprop``
    (no momentum, not centred)::

        r ← α r + (1 − α) g ⊙ g
        θ ← θ − η g / (√r + ε)

    Parameters: ``params``, ``lr`` (η, default 0.01), ``alpha`` (α in [0, 1), default 0.99),
    ``eps`` (ε > 0, default 1e-8), ``weight_decay``, ``l1``. State: ``square_avg`` (r).
    """

    _state_names = ("square_avg",)
    _groups_small = True

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, l1=0.0):
        self.alpha = _check_number(alpha, "RMSprop", "alpha", 0.0, 1.0)
        self.eps = _check_number(eps, "RMSprop", "eps", 0.0, low_open=True)
        super().__init__(params, lr, weight_decay, l1)

    def _update(self, theta, g, s):
        r, tmp = s["square_avg"], s["tmp"]
        r *= self.alpha  # r ← α r + (1 − α) g²
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.alpha
        r += tmp
        _adaptive_step(theta, g, r, tmp, self.lr, self.eps)  # θ ← θ − η g / (√r + ε)

    def _hyper_repr(self):
        return f"lr={self.lr:g}, alpha={self.alpha:g}, eps={self.eps:g}"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on the gradient plus RMSprop's scaling, both with a
    bias correction for their zero start — PyTorch's ``torch.optim.Adam`` (no amsgrad)::

        m ← β₁ m + (1 − β₁) g                 (first moment: a running mean of g)
        v ← β₂ v + (1 − β₂) g ⊙ g             (second moment: a running mean of g²)
        θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    i.e. θ ← θ − η m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), written the way PyTorch
    evaluates it (ε is added after the correction of √v).

    Parameters: ``params``, ``lr`` (η, default 1e-3), ``betas`` ((β₁, β₂), each in [0, 1),
    default (0.9, 0.999)), ``eps`` (ε > 0, default 1e-8), ``weight_decay``, ``l1``.
    State: ``exp_avg`` (m) and ``exp_avg_sq`` (v), each of the parameter's shape.
    """

    _state_names = ("exp_avg", "exp_avg_sq")
    _groups_small = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, l1=0.0):
        where = "Adam"
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{where}: expected betas to be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_number(betas[0], where, "betas[0]", 0.0, 1.0),
                      _check_number(betas[1], where, "betas[1]", 0.0, 1.0))
        self.eps = _check_number(eps, where, "eps", 0.0, low_open=True)
        super().__init__(params, lr, weight_decay, l1)

    def step(self):
        # the scalars of this step, shared by every parameter
        beta1, beta2 = self.betas
        t = self.t + 1
        self._step_size = self.lr / (1.0 - beta1 ** t)  # η / (1 − β₁ᵗ)
        self._bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** t)  # √(1 − β₂ᵗ)
        super().step()

    def _update(self, theta, g, s):
        beta1, beta2 = self.betas
        m, v, tmp = s["exp_avg"], s["exp_avg_sq"], s["tmp"]
        m *= beta1  # m ← β₁ m + (1 − β₁) g
        xp.multiply(g, 1.0 - beta1, out=tmp)
        m += tmp
        v *= beta2  # v ← β₂ v + (1 − β₂) g²
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v += tmp
        xp.sqrt(v, out=tmp)  # tmp ← √v / √(1 − β₂ᵗ) + ε
        tmp /= self._bias_correction2_sqrt
        tmp += self.eps
        xp.divide(m, tmp, out=tmp)  # θ ← θ − η/(1 − β₁ᵗ) · m / tmp
        tmp *= self._step_size
        theta -= tmp

    def _hyper_repr(self):
        return f"lr={self.lr:g}, betas=({self.betas[0]:g}, {self.betas[1]:g}), eps={self.eps:g}"
