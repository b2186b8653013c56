"""W5 and W6: one SGD training step of a small MLP on a batch, in float32, with Tensors.

- W5: scikit-learn's 8×8 digits, MLP 64-64-10 tanh, a batch of 128 images.
- W6: random data, MLP 784-128-10 relu, a batch of 256 (the shape of an MNIST step).

A step is: zero the gradients, forward, cross-entropy with integer labels, backward, update
(learning rate 0.01). Engines: MiniGrad's Tensor engine; the **floor**, the same step written by
hand in NumPy with a hand-derived backward (what any engine on NumPy must at least do); PyTorch on
one thread; and on W5 MiniGrad's scalar MLP (fused neurons, float64, one sample at a time; fewer
repeats, it takes a thousand times longer). BLAS runs on one thread (threadpoolctl) for all.

Before anything is timed, every engine's loss is checked against the floor's at the first two
steps (the second one shows the update was right too). Each timed call is a block of steps in a
row (training goes on from step to step; the work per step does not change), reported per step.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import numpy

from benchmarks.harness import DisagreementError, optional_module, paired_ratio, time_interleaved

LEARNING_RATE = 0.01
TOLERANCE = 2e-5  # float32 engines summing in different orders; float64 scalars against float32


class Problem:
    """The batch and the initial weights of one workload (float32)."""

    def __init__(self, name: str, sizes: tuple[int, int, int], batch: int, act: str) -> None:
        self.name, self.sizes, self.batch, self.act = name, sizes, batch, act
        rng = numpy.random.default_rng(5)
        nin, hidden, classes = sizes
        if name == "W5":
            from sklearn.datasets import load_digits

            digits = load_digits()
            self.x = (digits.data[:batch] / 16.0).astype(numpy.float32)
            self.y = digits.target[:batch].astype(numpy.int64)
        else:
            self.x = rng.normal(size=(batch, nin)).astype(numpy.float32)
            self.y = rng.integers(0, classes, size=batch)
        bound1, bound2 = 1 / numpy.sqrt(nin), 1 / numpy.sqrt(hidden)
        self.weights = [
            rng.uniform(-bound1, bound1, (nin, hidden)).astype(numpy.float32),
            rng.uniform(-bound1, bound1, hidden).astype(numpy.float32),
            rng.uniform(-bound2, bound2, (hidden, classes)).astype(numpy.float32),
            rng.uniform(-bound2, bound2, classes).astype(numpy.float32),
        ]


def floor_step(problem: Problem) -> Callable[[], float]:
    """The step by hand: forward, cross-entropy, the backward pass derived on paper, update.

    Cross-entropy shifts each row of logits by that row's largest before e^z (as PyTorch and
    MiniGrad do), the step as it was defined; MiniGrad is held to the same algorithm."""
    w1, b1, w2, b2 = (w.copy() for w in problem.weights)
    x, y, n = problem.x, problem.y, problem.batch
    rows = numpy.arange(n)
    relu = problem.act == "relu"

    def step() -> float:
        z1 = x @ w1 + b1
        h = numpy.maximum(z1, 0) if relu else numpy.tanh(z1)
        z = h @ w2 + b2
        shifted = z - z.max(axis=1, keepdims=True)
        exp = numpy.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(numpy.mean(numpy.log(total[:, 0]) - shifted[rows, y]))
        dz = exp / total  # softmax - one-hot, over n
        dz[rows, y] -= 1.0
        dz /= n
        dw2, db2 = h.T @ dz, dz.sum(axis=0)
        dh = dz @ w2.T
        dz1 = dh * (z1 > 0) if relu else dh * (1.0 - h * h)
        dw1, db1 = x.T @ dz1, dz1.sum(axis=0)
        for w, g in ((w1, dw1), (b1, db1), (w2, dw2), (b2, db2)):
            w -= LEARNING_RATE * g
        return loss

    return step


def minigrad_step(problem: Problem) -> Callable[[], float]:
    from minigrad import losses, optim
    from minigrad import tensor_nn as tn
    from minigrad.tensor import Tensor

    nin, hidden, classes = problem.sizes
    act = tn.ReLU() if problem.act == "relu" else tn.Tanh()
    model = tn.Sequential(tn.Linear(nin, hidden), act, tn.Linear(hidden, classes))
    for linear, (w, b) in zip([linear for _, linear in model.linears()], _pairs(problem.weights)):
        linear.weight.data, linear.bias.data = w.copy(), b.copy()
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x, y = Tensor(problem.x), problem.y

    def step() -> float:
        optimizer.zero_grad()
        loss = losses.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    step.model = model  # type: ignore[attr-defined]  (for counting its operations)
    return step


def torch_step(problem: Problem) -> Callable[[], float]:
    torch = optional_module("torch")
    nin, hidden, classes = problem.sizes
    act = torch.nn.ReLU() if problem.act == "relu" else torch.nn.Tanh()
    model = torch.nn.Sequential(torch.nn.Linear(nin, hidden), act, torch.nn.Linear(hidden, classes))
    with torch.no_grad():
        for linear, (w, b) in zip([model[0], model[2]], _pairs(problem.weights)):
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x, y = torch.from_numpy(problem.x), torch.from_numpy(problem.y)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def scalar_step(problem: Problem) -> Callable[[], float]:
    """MiniGrad's scalar MLP (fused neurons, float64), the batch one sample at a time."""
    from minigrad import losses, optim
    from minigrad.nn import MLP

    nin, hidden, classes = problem.sizes
    model = MLP(
        nin, [hidden, classes], activation=problem.act, output_activation="linear", fused=True
    )
    for layer, (w, b) in zip(model.layers, _pairs(problem.weights)):
        for j, neuron in enumerate(layer.neurons):
            for k, wk in enumerate(neuron.w):
                wk.data = float(w[k, j])
            neuron.b.data = float(b[j])
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)
    rows = [row.tolist() for row in problem.x.astype(numpy.float64)]
    labels = [int(c) for c in problem.y]

    def step() -> float:
        optimizer.zero_grad()
        loss = losses.cross_entropy([model(row) for row in rows], labels)
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def _pairs(weights: list[numpy.ndarray]) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
    return [(weights[0], weights[1]), (weights[2], weights[3])]


def run(
    problem: Problem, repeats: int, block: int, scalar_repeats: int | None
) -> dict[str, Any]:
    """Check the engines agree, then time them in rounds; per-step times and the ratios."""
    from threadpoolctl import threadpool_limits

    makers = {"floor (NumPy by hand)": floor_step, "minigrad Tensor": minigrad_step}
    if optional_module("torch") is not None:
        makers["torch (1 thread)"] = torch_step
    if scalar_repeats:
        makers["minigrad scalar MLP"] = scalar_step
    with threadpool_limits(limits=1, user_api="blas"):
        _check_agreement(problem, makers)
        steps = {name: make(problem) for name, make in makers.items()}
        fast = {name: s for name, s in steps.items() if name != "minigrad scalar MLP"}
        timings = time_interleaved({name: _block(s, block) for name, s in fast.items()}, repeats)
        engines = {
            name: {"median_s": t.median / block, "times_s": [x / block for x in t.times]}
            for name, t in timings.items()
        }
        if scalar_repeats:
            scalar = time_interleaved({"scalar": steps["minigrad scalar MLP"]}, scalar_repeats)
            engines["minigrad scalar MLP"] = scalar["scalar"].to_json()
        operations = _operations_per_step(steps["minigrad Tensor"])
    floor = engines["floor (NumPy by hand)"]["times_s"]
    mine = engines["minigrad Tensor"]["times_s"]
    overhead = (statistics.median(mine) - statistics.median(floor)) / operations["total"]
    return {
        "description": (
            f"{problem.name}: MLP {'-'.join(map(str, problem.sizes))} {problem.act}, batch "
            f"{problem.batch}, float32, one SGD step (zero grad, forward, cross-entropy, "
            "backward, update); the floor shifts each row of logits by its own largest"
        ),
        "engines": engines,
        "minigrad_operations_per_step": operations,
        "minigrad_overhead_per_operation_s": overhead,
        "minigrad_times_floor": paired_ratio(mine, floor),
    }


def _block(step: Callable[[], float], block: int) -> Callable[[], None]:
    def run_block() -> None:
        for _ in range(block):
            step()

    return run_block


def _check_agreement(problem: Problem, makers: dict[str, Callable[..., Any]]) -> None:
    """Every engine's loss at steps 1 and 2 must be the floor's."""
    reference = floor_step(problem)
    expected = [reference(), reference()]
    for name, make in makers.items():
        step = make(problem)
        got = [step(), step()]
        for i, (g, e) in enumerate(zip(got, expected)):
            if abs(g - e) > TOLERANCE * max(1.0, abs(e)):
                raise DisagreementError(
                    f"{name}: the loss at step {i + 1} of {problem.name} is {g!r}, the floor's "
                    f"{e!r}; they differ by {abs(g - e):.3g}, more than {TOLERANCE:g}"
                )


def _operations_per_step(step: Any) -> dict[str, int]:
    """How many Tensor operations a step runs: forward nodes, backward rules, parameter updates."""
    from minigrad import losses
    from minigrad.tensor import Tensor, topological_order

    model = step.model
    nin = [linear for _, linear in model.linears()][0].nin
    batch = Tensor(numpy.zeros((2, nin), dtype=numpy.float32))
    loss = losses.cross_entropy(model(batch), numpy.zeros(2, dtype=numpy.int64))
    nodes = [node for node in topological_order(loss) if node._prev]
    rules = sum(1 for node in nodes for x in node._prev if x.requires_grad)
    updates = len(model.parameters())
    return {"forward": len(nodes), "backward": rules, "updates": updates,
            "total": len(nodes) + rules + updates}  # fmt: skip
