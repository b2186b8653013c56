"""Optimizers on Tensors against torch.optim, by hypothesis: random settings, parameters of any
shape (one number, none, a strided view) holding 0, -0, ordinary and huge numbers, inf and nan,
and steps where some parameters have no gradient. After every step each parameter holds
torch.optim's numbers, in the array it held before, of its dtype.

"torch.optim's numbers" means equal to rounding: PyTorch computes ``p + α·g`` with one rounding
(a fused multiply-add), NumPy with two, so the results may differ by a rounding of the terms,
which is all of the result where the terms cancel (p = -α·g). Each number is therefore compared
to the largest magnitude its parameter has had, not to its own.

The numbers are not smaller than 1e-100 (float32: 1e-15), so that no square or product inside a
step is subnormal: there a rounding is no longer relative, and the two libraries' orders of
operations give results further apart than a rounding of the result (p = 2.2e-308 with Adam's
weight decay of 0.01: MiniGrad -2.2250516077688653e-303, PyTorch -2.2250516077683712e-303, each
within 2.5e-316 of the exact step)."""

from __future__ import annotations

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minigrad.optim import SGD, Adam, AdamW
from minigrad.tensor import Tensor

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan]
RTOL = {np.float64: 1e-13, np.float32: 1e-6}  # (PyTorch's vectorised float32 loops round apart)
SHAPES = st.sampled_from([(), (0,), (3,), (2, 3)])


SMALLEST = {np.float64: 1e-100, np.float32: float(np.float32(1e-15))}  # (squares stay normal)


def numbers(dtype: type) -> st.SearchStrategy[float]:
    """Floats of ``dtype``: ordinary ones (from SMALLEST to 1000, either sign), 0, -0, huge ones
    (a quarter of the largest float), inf and nan."""
    width = 32 if dtype == np.float32 else 64
    smallest, huge = SMALLEST[dtype], float(np.finfo(dtype).max) / 4
    ordinary = st.floats(smallest, 1e3, width=width)
    return st.one_of(ordinary, ordinary.map(lambda x: -x), st.sampled_from([*SPECIAL, huge, -huge]))


@st.composite
def sgd_settings(draw) -> tuple[type, dict]:
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
    dampening = draw(st.sampled_from([0.0, 0.3]))
    return SGD, {
        "lr": draw(st.sampled_from([0.0, 0.01, 0.1, 1.0])),
        "momentum": momentum,
        "dampening": dampening,
        "weight_decay": draw(st.sampled_from([0.0, 0.01, 0.5])),
        "nesterov": momentum > 0.0 and dampening == 0.0 and draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }


@st.composite
def adam_settings(draw) -> tuple[type, dict]:
    return draw(st.sampled_from([Adam, AdamW])), {
        "lr": draw(st.sampled_from([0.0, 0.001, 0.1, 1.0])),
        "betas": draw(st.sampled_from([(0.9, 0.999), (0.5, 0.9), (0.0, 0.0)])),
        "eps": draw(st.sampled_from([1e-8, 1e-3, 0.0])),
        "weight_decay": draw(st.sampled_from([0.0, 0.01, 0.5])),
        "amsgrad": draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }


@st.composite
def parameters(draw, dtype: type) -> list[np.ndarray]:
    """One to three arrays; a (2, 3) one may be a strided view of a larger array."""
    arrays = []
    for shape in draw(st.lists(SHAPES, min_size=1, max_size=3)):
        if shape == (2, 3) and draw(st.booleans()):
            base = draw(hnp.arrays(dtype, (2, 6), elements=numbers(dtype)))
            arrays.append(base[:, ::2])
        else:
            arrays.append(draw(hnp.arrays(dtype, shape, elements=numbers(dtype))))
    return arrays


@st.composite
def gradients(draw, params: list[np.ndarray], steps: int) -> list[list[np.ndarray | None]]:
    """For each step, each parameter's gradient, or None (the loss did not use it)."""
    return [
        [
            draw(st.none() | hnp.arrays(p.dtype, p.shape, elements=numbers(p.dtype.type)))
            for p in params
        ]
        for _ in range(steps)
    ]


@st.composite
def programs(draw):
    make, options = draw(st.one_of(sgd_settings(), adam_settings()))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    params = draw(parameters(dtype))
    steps = draw(st.integers(1, 4))
    zero_in_place = draw(st.lists(st.booleans(), min_size=steps, max_size=steps))
    return make, options, params, draw(gradients(params, steps)), zero_in_place


@settings(max_examples=300)
@given(programs())
@example(  # SGD's momentum started as the gradient array itself, which was then zeroed in place
    (SGD, {"lr": 0.1, "momentum": 0.9}, [np.array([1.0, 2.0])],
     [[np.array([1.0, 1.0])], [np.array([2.0, 2.0])]], [True, False])
)  # fmt: skip
@example(  # the second step cancels the first: PyTorch keeps the first product's rounding error
    (SGD, {"lr": 0.01}, [np.array(0.0)],
     [[np.array(4.49423284e307)], [np.array(-4.49423284e307)]], [False, False])
)  # fmt: skip
def test_random_steps_on_tensors_equal_torch_optims(program):
    make, options, params, steps, zero_in_place = program
    dtype = params[0].dtype.type
    ours = [Tensor(p, requires_grad=True) for p in params]
    held = [t.data for t in ours]
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    opt = make(ours, **options)
    torch_opt = getattr(torch.optim, make.__name__)(theirs, **options)
    scales = [_finite_magnitude(p) for p in params]
    for grads, zero in zip(steps, zero_in_place):
        for mine, their, g in zip(ours, theirs, grads):
            mine.grad = None if g is None else g.copy()
            their.grad = None if g is None else torch.from_numpy(g.copy())
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # inf and nan are numbers here, as in PyTorch
            opt.step()
        torch_opt.step()
        for mine, their, array, scale in zip(ours, theirs, held, scales):
            assert mine.data is array and mine.dtype == dtype
            expected = their.detach().numpy()
            scale[...] = np.fmax(scale, _finite_magnitude(expected))
            _assert_equal_to_rounding(mine.data, expected, RTOL[dtype] * scale)
            if zero and mine.grad is not None:  # the gradients zeroed in place after the step
                mine.grad[...] = 0.0
                their.grad.zero_()


def _finite_magnitude(x: np.ndarray) -> np.ndarray:
    """|x|, with 0 for inf and nan."""
    return np.where(np.isfinite(x), np.abs(x), 0.0)


def _assert_equal_to_rounding(ours: np.ndarray, theirs: np.ndarray, tolerance: np.ndarray) -> None:
    """NaN where theirs is, the same infinities, the same zeros (0 or -0), and elsewhere within
    ``tolerance``."""
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    zeros = (ours == 0) & (theirs == 0)
    np.testing.assert_array_equal(np.signbit(ours[zeros]), np.signbit(theirs[zeros]))
    infinite = np.isinf(theirs)
    np.testing.assert_array_equal(ours[infinite], theirs[infinite])
    finite = np.isfinite(theirs)
    difference = np.abs(ours[finite].astype(np.float64) - theirs[finite])
    assert np.all(difference <= tolerance[finite]), (ours, theirs, tolerance)
