"""Scalars and tensors agree: the training loop of the original MiniGrad description, run with
Values and with float64 Tensors from the same initial weights, gives the same losses and
gradients (within 1e-12) at every one of its 20 steps."""

from __future__ import annotations

import numpy as np

from minigrad import MLP, manual_seed
from minigrad import tensor_nn as tn
from minigrad.tensor import Tensor

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def scalar_steps(steps: int = 20):
    """The loop exactly as the original description writes it; (loss, gradients) per step."""
    manual_seed(0)
    n = MLP(3, [4, 4, 1])
    history = []
    for _ in range(steps):
        ypred = [n(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        history.append((loss.data, [p.grad for p in n.parameters()]))
        for p in n.parameters():
            p.data += -0.1 * p.grad
    return history


def tensor_steps(steps: int = 20):
    """The same loop with one matrix per layer: the four samples are one batch."""
    manual_seed(0)
    n = tn.MLP(3, [4, 4, 1], dtype="float64")
    xs, ys = Tensor(XS, dtype="float64"), Tensor(YS, dtype="float64").reshape(4, 1)
    history = []
    for _ in range(steps):
        loss = ((n(xs) - ys) ** 2).sum()
        n.zero_grad()
        loss.backward()
        # the gradients in the scalar MLP's order: neuron by neuron, its weights then its bias
        grads = np.concatenate(
            [np.concatenate([layer.weight.grad.T, layer.bias.grad[:, None]], 1).ravel()
             for layer in n.layers]  # fmt: skip
        )
        history.append((loss.item(), grads.tolist()))
        for p in n.parameters():
            p.data = p.data + -0.1 * p.grad
    return history


def test_scalar_and_tensor_training_agree_for_twenty_steps():
    scalar, tensor = scalar_steps(), tensor_steps()
    assert len(scalar) == len(tensor) == 20
    for step, ((scalar_loss, scalar_grads), (tensor_loss, tensor_grads)) in enumerate(
        zip(scalar, tensor)
    ):
        assert abs(scalar_loss - tensor_loss) <= 1e-12, step
        assert len(scalar_grads) == len(tensor_grads) == 41
        assert max(abs(a - b) for a, b in zip(scalar_grads, tensor_grads)) <= 1e-12, step
    assert scalar[-1][0] < scalar[0][0] / 10  # and it did learn: the loss fell

