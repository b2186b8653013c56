"""Optimizers: SGD, Adam and AdamW, with exactly ``torch.optim``'s update rules, for both engines.

An optimizer holds a list of parameters (Values or Tensors) and, for each, whatever state its rule
keeps (a momentum buffer, Adam's two running averages). ``step()`` reads every ``p.grad`` and
changes ``p.data``; ``zero_grad()`` clears every ``p.grad`` (0.0 for a Value, None for a Tensor,
as PyTorch). A training step is

    loss = ...; opt.zero_grad(); loss.backward(); opt.step()

The updates are arithmetic on ``.data``, a float or an array, so they build no graph. They are
written once, with operators and the few functions below that take a float or an array alike, so
the same lines update a Value's float and a Tensor's array (elementwise).
Each rule is written in the same order of operations as PyTorch's single-tensor implementation,
so a model trained by both stays equal to rounding. As in PyTorch, a Tensor's array is updated in
place (whoever holds ``p.data`` sees the step, and it keeps its dtype), and a Tensor whose
``.grad`` is None, which the loss did not use, is skipped: no step, no weight decay, no momentum.
A Value's grad is a number (0.0 after ``zero_grad()``), so a Value the loss did not use still gets
its weight decay and momentum, with gradient 0.

Examples:
    >>> from minigrad import Value
    >>> from minigrad.optim import SGD
    >>> w = Value(3.0)
    >>> opt = SGD([w], lr=0.1)
    >>> loss = w * w
    >>> opt.zero_grad(); loss.backward(); opt.step()
    >>> w.data  # 3 - 0.1 · 2·3
    2.4
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterable
from typing import Any

from minigrad import floats
from minigrad.engine import Value
from minigrad.engines import is_tensor


class Optimizer:
    """The parameters to update, with ``zero_grad()``; subclasses define ``_update``."""

    def __init__(self, params: Iterable[Value]) -> None:
        self.params: list[Value] = _parameter_list(params)
        self._floats_only = all(type(p) is Value for p in self.params)  # (no array to mind)
        self._backend = None if self._floats_only else _backend()
        self._quiet = contextlib.nullcontext if self._floats_only else self._backend._quiet_floats

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's grad (leaves accumulate gradients across backward calls): a
        Value's becomes 0.0, a Tensor's None, or with ``set_to_none=False`` (PyTorch's option) an
        array of zeros where it had one."""
        for p in self.params:
            if type(p) is Value:
                p.grad = 0.0
            else:
                p.grad = _cleared(p.grad, set_to_none)

    def step(self) -> None:
        """Update every parameter from its ``.grad``, building no graph (a Tensor whose grad is
        None is skipped)."""
        gradients = [_gradient(p, i) for i, p in enumerate(self.params)]  # check all first
        floats_only, backend = self._floats_only, self._backend
        with self._quiet():
            for i, (p, g) in enumerate(zip(self.params, gradients)):
                if g is None:
                    continue  # a Tensor the loss did not use
                new = self._update(i, p.data, g)
                p.data = new if floats_only or type(p) is Value else backend._written(p.data, new)

    def _update(self, i: int, param: float, grad: float) -> float:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (heavy-ball or Nesterov), as torch.

    For each parameter p with gradient g, at step t:

        g ← g + weight_decay·p
        b ← g  at the first step,  else  b ← momentum·b + (1 - dampening)·g
        g ← g + momentum·b  (nesterov)  or  g ← b
        p ← p - lr·g
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        self.lr = _at_least_zero("learning rate", "lr", lr)
        self.momentum = _at_least_zero("momentum value", "momentum", momentum)
        self.dampening = _number("dampening", dampening)
        self.weight_decay = _at_least_zero("weight_decay value", "weight_decay", weight_decay)
        if nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.nesterov = bool(nesterov)
        self.maximize = bool(maximize)
        super().__init__(params)
        self.momentum_buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        """Update every parameter; without momentum, weight decay or maximize, as plainly as
        the rule reads: p ← p - lr·g (the same arithmetic as ``_update``, without its steps),
        a Tensor's array in place (``+=``, PyTorch's ``add_``)."""
        if self.momentum != 0.0 or self.weight_decay != 0.0 or self.maximize:
            super().step()
            return
        gradients = [_gradient(p, i) for i, p in enumerate(self.params)]  # check all first
        step_size, floats_only, backend = -self.lr, self._floats_only, self._backend
        with self._quiet():
            for p, g in zip(self.params, gradients):
                if floats_only or type(p) is Value:
                    p.data = p.data + step_size * g
                elif g is not None:  # (None: a Tensor the loss did not use, skipped)
                    p.data = backend._added_in_place(p.data, step_size * g)

    def _update(self, i: int, param: float, grad: float) -> float:
        if self.maximize:
            grad = -grad
        if self.weight_decay != 0.0:
            grad = grad + self.weight_decay * param
        if self.momentum != 0.0:
            buf = self.momentum_buffers[i]
            if buf is None:  # the first step starts the buffer at a copy of the gradient
                buf = _copy(grad)  # (as PyTorch's clone: the user may change .grad in place)
            else:
                buf = buf * self.momentum + (1.0 - self.dampening) * grad
            self.momentum_buffers[i] = buf
            grad = grad + self.momentum * buf if self.nesterov else buf
        return param + -self.lr * grad


class Adam(Optimizer):
    """Adam (Kingma & Ba), as torch.optim.Adam; with ``decoupled_weight_decay`` it is AdamW.

    For each parameter p with gradient g, at step t = 1, 2, ...:

        g ← g + weight_decay·p           (Adam)   or   p ← p·(1 - lr·weight_decay)   (AdamW)
        m ← m + (1 - β₁)·(g - m)                   the running mean of g
        v ← β₂·v + (1 - β₂)·g²                     the running mean of g²
        v̂ ← max(v̂, v) if amsgrad, else v
        p ← p - (lr / (1 - β₁ᵗ)) · m / (√v̂ / √(1 - β₂ᵗ) + eps)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr = _at_least_zero("learning rate", "lr", lr)
        self.eps = _at_least_zero("epsilon value", "eps", eps)
        if (
            isinstance(betas, (str, bytes))
            or not isinstance(betas, (tuple, list))
            or len(betas) != 2
        ):
            raise TypeError(f"betas is a pair of numbers such as (0.9, 0.999), not {betas!r:.60}")
        for index, beta in enumerate(betas):
            if not 0.0 <= _number(f"betas[{index}]", beta) < 1.0:
                raise ValueError(
                    f"Invalid beta parameter at index {index}: {beta} (each beta is in [0, 1))"
                )
        self.betas = (float(betas[0]), float(betas[1]))
        self.weight_decay = _at_least_zero("weight_decay value", "weight_decay", weight_decay)
        self.amsgrad = bool(amsgrad)
        self.maximize = bool(maximize)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)
        super().__init__(params)
        n = len(self.params)
        self.steps = [0] * n
        self.exp_avgs = [0.0] * n  # m
        self.exp_avg_sqs = [0.0] * n  # v
        self.max_exp_avg_sqs = [0.0] * n  # v̂ (amsgrad)

    def _update(self, i: int, param: float, grad: float) -> float:
        beta1, beta2 = self.betas
        lr, weight_decay = self.lr, self.weight_decay
        if self.maximize:
            grad = -grad
        self.steps[i] += 1
        step = float(self.steps[i])
        if weight_decay != 0.0:
            if self.decoupled_weight_decay:
                param = param * (1.0 - lr * weight_decay)
            else:
                grad = grad + weight_decay * param
        self.exp_avgs[i] = exp_avg = _lerp(self.exp_avgs[i], grad, 1.0 - beta1)
        self.exp_avg_sqs[i] = exp_avg_sq = self.exp_avg_sqs[i] * beta2 + (1.0 - beta2) * grad * grad
        if self.amsgrad:
            exp_avg_sq = _maximum(self.max_exp_avg_sqs[i], exp_avg_sq)
            self.max_exp_avg_sqs[i] = exp_avg_sq
        bias_correction1 = 1.0 - floats.power(beta1, step)
        bias_correction2 = 1.0 - floats.power(beta2, step)
        step_size = floats.divide(lr, bias_correction1)
        bias_correction2_sqrt = floats.power(bias_correction2, 0.5)
        denom = _divide(_sqrt(exp_avg_sq), bias_correction2_sqrt) + self.eps
        return param + _divide(-step_size * exp_avg, denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW.

    The decay shrinks the parameter directly, p ← p·(1 - lr·weight_decay), instead of being added
    to the gradient, so Adam's scaling does not weaken it. PyTorch's default weight_decay is 0.01.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight·(end - start), computed as PyTorch's lerp does on the CPU."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


# The functions the rules use beyond operators, for a float (a Value's) or an array (a Tensor's).


def _cleared(grad: Any, set_to_none: bool) -> Any:
    """A Tensor's grad after ``zero_grad``: None, or zeros of its shape and dtype if it had one."""
    return None if set_to_none or grad is None else _namespace(grad).zeros_like(grad)


def _copy(x: Any) -> Any:
    """x itself if a float (it cannot change), else a copy of the array."""
    return x if type(x) is float else _namespace(x).asarray(x, copy=True)


def _divide(a: Any, b: Any) -> Any:
    """a / b; inf or nan for floats rather than ZeroDivisionError, as arrays give."""
    return floats.divide(a, b) if type(a) is float and type(b) is float else a / b


def _sqrt(x: Any) -> Any:
    return floats.sqrt(x) if type(x) is float else _namespace(x).sqrt(x)


def _maximum(a: Any, b: Any) -> Any:
    if type(a) is float and type(b) is float:
        return max(a, b)
    array = b if type(a) is float else a
    return _namespace(array).maximum(a, b)


def _namespace(array: Any) -> Any:
    from minigrad.tensor import _namespace

    return _namespace(array)


def _backend() -> Any:
    """minigrad.backend, for an optimizer with arrays to update: NumPy's quiet state (inf and nan
    without its warnings of overflow or of 0/0, as PyTorch gives none) and the writing of new
    numbers into a parameter's array in place. Imported only then: a Value's arithmetic gives no
    warnings (floats.py), and a step on Values loads no NumPy."""
    from minigrad import backend

    return backend


def _parameter_list(params: Iterable[Value]) -> list[Value]:
    if hasattr(params, "parameters") and not isinstance(params, (list, tuple)):
        raise TypeError(
            f"an optimizer takes a list of parameters: pass model.parameters(), not the "
            f"{type(params).__name__} itself"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"an optimizer takes an iterable of Values (e.g. model.parameters()), "
            f"not {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError("optimizer got an empty parameter list")
    seen = set()
    for i, p in enumerate(params):
        if is_tensor(p):
            if not p.requires_grad:
                raise ValueError(f"parameter {i} ({p!r:.60}) does not require a gradient")
        elif not isinstance(p, Value):
            raise TypeError(
                f"optimizer parameters are Values or Tensors, but parameter {i} is {p!r:.60}"
            )
        if p in seen:
            raise ValueError(f"parameter {i} ({p!r}) appears more than once in the list")
        seen.add(p)
    return params


def _gradient(p: Value, i: int) -> Any:
    g = p.grad
    if type(g) is float:
        return g
    if type(p) is not Value:  # a Tensor: its grad is an array of its shape, or None (skipped)
        if g is None:
            return None
        if getattr(g, "shape", None) != p.data.shape:
            raise ValueError(
                f"parameter {i} ({p!r:.60}) has a grad of shape {getattr(g, 'shape', None)}, "
                f"not its own shape {p.shape}"
            )
        return g
    if isinstance(g, numbers.Real) and not isinstance(g, bool):
        return float(g)
    raise TypeError(
        f"parameter {i} ({p!r}) has grad {g!r:.60}: an optimizer steps with number gradients, "
        "as backward() leaves them"
    )


def _number(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(x).__name__}: {x!r:.60}")
    return float(x)


def _at_least_zero(description: str, name: str, x: object) -> float:
    """PyTorch's check and message: 'Invalid learning rate: -0.1'."""
    value = _number(name, x)
    if not value >= 0.0:
        raise ValueError(f"Invalid {description}: {x} ({name} must be >= 0)")
    return value
