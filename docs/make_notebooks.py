"""Write the notebooks of docs/ from the cells below: ``python docs/make_notebooks.py``.

The notebooks are generated, not edited by hand, so they stay plain (no outputs, stable cell
ids) and reviewable as this one file. tests/test_notebooks.py runs both and checks that the
files in docs/ are what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

DOCS = Path(__file__).resolve().parent

ENGINE_WALKTHROUGH = [
    (
        "md",
        """# The MiniGrad engine, step by step

This notebook follows the original MiniGrad description: a `Value` that remembers how it was
computed, operators that build a graph, `backward()` that applies the chain rule through it, the
accumulation rule, drawings of the graph, and explainers that show every step of
backpropagation.""",
    ),
    ("md", "## 1. Value: a number that remembers how it was made"),
    (
        "code",
        """from minigrad import Value

a = Value(2.0, label="a")
print(a)
print("data:", a.data, " grad:", a.grad, " inputs:", a._prev, " operation:", repr(a._op))""",
    ),
    (
        "md",
        """`data` is the number, `grad` will hold the derivative of an output with respect to it,
`_prev` the Values it was computed from (none: `a` is a leaf) and `_op` the operation.""",
    ),
    ("md", "## 2. Operators build the graph"),
    (
        "code",
        """b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"

print(L)
print("L was made by", repr(L._op), "from", [x.label for x in L._prev])""",
    ),
    (
        "md",
        """A plain number on either side becomes a leaf Value, and the engine's functions are
methods:""",
    ),
    (
        "code",
        """y = 2 * a + 1
print("2*a + 1 =", y.data, "made by", repr(y._op), "from", [x.data for x in y._prev])
for value in [a.tanh(), a.exp(), a.relu(), a.sigmoid(), a**2, a / 4]:
    print(f"{value._op:8} {value.data:.4f}")""",
    ),
    ("md", "## 3. backward: the chain rule, from the output back to the leaves"),
    (
        "code",
        """from minigrad import topological_order

print("backward visits, in reverse:", [v.label for v in topological_order(L)])
L.backward()
for v in [a, b, c, e, d, f, L]:
    print(f"{v.label}: data {v.data:6.1f}  grad {v.grad:6.1f}")""",
    ),
    (
        "md",
        """Each gradient is the local derivative times the gradient of the node above:
dL/dd = f, dL/de = dL/dd · 1, dL/da = dL/de · b. Checked by hand:""",
    ),
    (
        "code",
        """assert d.grad == f.data
assert e.grad == d.grad * 1.0
assert a.grad == e.grad * b.data and b.grad == e.grad * a.data
print("dL/da =", a.grad, "= f·b =", f.data * b.data)""",
    ),
    (
        "md",
        """The README's neuron, y = tanh(Σ wᵢ·xᵢ + b), written out with Values, and its gradients
compared with a finite difference:""",
    ),
    (
        "code",
        """import math

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
bias = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + bias
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
print({v.label: round(v.grad, 4) for v in [x1, x2, w1, w2, bias]})

h = 1e-6
nudged = math.tanh((2.0 + h) * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
print("do/dx1 by finite difference:", round((nudged - o.data) / h, 4))""",
    ),
    (
        "md",
        """### Backpropagation by hand, node by node

`backward()` calls each node's `_backward()`, output first: that node's step of the chain rule,
adding `node.grad × ∂node/∂input` into each input's `grad`. As in the micrograd lecture, you can
take those steps yourself, in reversed topological order:""",
    ),
    (
        "code",
        """order = topological_order(o)
for v in order:
    v.grad = 0.0
o.grad = 1.0
for node in reversed(order):
    node._backward()  # on a leaf it does nothing
print({v.label: round(v.grad, 4) for v in [x1, x2, w1, w2, bias]})""",
    ),
    (
        "md",
        """A new operation the lecture's way: make the output, then give it a `_backward` function
that reads `out.grad` and adds into its input's `grad` (`+=`, never `=`):""",
    ),
    (
        "code",
        """def softplus(x):
    out = Value(math.log1p(math.exp(x.data)), (x,), "softplus")

    def _backward():
        x.grad += 1 / (1 + math.exp(-x.data)) * out.grad  # d/dx ln(1 + e^x) = sigmoid(x)

    out._backward = _backward
    return out


z = Value(0.5, label="z")
softplus(z).backward()
print("d softplus/dz at 0.5 =", round(z.grad, 6))""",
    ),
    (
        "md",
        """`math.exp(z)` on the Value itself would raise a TypeError: it would cut `z` out of the
graph. Inside `_backward` the numbers are `x.data`; in an expression, use `z.exp()`.""",
    ),
    ("md", "## 4. The accumulation rule: a + a and a * a"),
    (
        "md",
        """When a Value is used twice, the gradient flows back along both edges and the two
contributions add up (the multivariate chain rule). That is why backward does `grad += ...`,
never `grad = ...`:""",
    ),
    (
        "code",
        """a = Value(3.0, label="a")
b = a + a
b.label = "b"
b.backward()
print("d(a+a)/da =", a.grad, "(overwriting would give 1.0)")

a = Value(3.0, label="a")
b = a * a
b.label = "b"
print("a * a has", len(b._prev), "edges to a:", b._prev[0] is b._prev[1] is a)
b.backward()
print("d(a·a)/da =", a.grad, "= 2a (overwriting would give a = 3.0)")""",
    ),
    (
        "md",
        """Leaves also accumulate across backward passes, as in PyTorch: reset them between
training steps (`p.grad = 0.0`, or `zero_grad()`).""",
    ),
    (
        "code",
        """b.backward()
print("after a second backward:", a.grad)
a.grad = 0.0
b.backward()
print("after resetting first:  ", a.grad)""",
    ),
    ("md", "## 5. Drawings"),
    (
        "md",
        """`draw_dot` returns a `graphviz.Digraph`: a notebook shows it, `.render()` writes it.
Each box holds a Value's label, data and gradient; each oval an operation. It draws left to
right, as the lecture does; `rankdir="TB"` draws top to bottom, which suits a narrow page.""",
    ),
    (
        "code",
        """from minigrad import draw_dot

draw_dot(o, rankdir="TB")""",
    ),
    (
        "md",
        """With `edge_grads=True` each edge carries the share of the gradient that flows back along
it; for `a * a` the two shares add up to a's gradient:""",
    ),
    ("code", "draw_dot(b, edge_grads=True)"),
    ("md", "## 6. Explainers"),
    ("md", "`explain_backward` lists every chain-rule step, in the order backward runs them:"),
    (
        "code",
        """from minigrad import explain_backward

for step in explain_backward(o):
    print(step)""",
    ),
    (
        "md",
        """`grad_paths` unrolls the chain rule: ∂root/∂leaf is the sum, over every path from root to
leaf, of the product of the local derivatives along it. `a * a` has two paths:""",
    ),
    (
        "code",
        """from minigrad import grad_paths

for path, product in grad_paths(b, a):
    print(" -> ".join(v.label or v._op for v in path), "  product:", product)
print("sum:", sum(product for _, product in grad_paths(b, a)), "= a.grad:", a.grad)""",
    ),
    ("md", "`backward_source` writes the whole backward pass as straight-line Python:"),
    (
        "code",
        """from minigrad import backward_source

print(backward_source(o))""",
    ),
    (
        "md",
        """`backprop_html` writes a self-contained web page that steps through the pass (Previous,
Next, Play). Open the file in a browser:""",
    ),
    (
        "code",
        """from minigrad import backprop_html

page = backprop_html(o, "neuron-backprop.html")
print("wrote", page, f"({page.stat().st_size:,} bytes)")""",
    ),
    (
        "md",
        """The same from the command line: `minigrad graph "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0
w1=-3 w2=1 b=6.88 -o neuron.svg --explain` (or `-o neuron.html` for the page).""",
    ),
]

TRAINING = [
    (
        "md",
        """# Training an MLP on the moons

A small network learns to separate two interleaving half circles. Everything is MiniGrad:
the data set, the model, the loss, the optimizer; matplotlib only draws.""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt

from minigrad import MLP, load, manual_seed, no_grad, save
from minigrad.app.data import moons
from minigrad.losses import binary_cross_entropy_with_logits
from minigrad.optim import Adam

X, y = moons(n=80, noise=0.1, seed=0)
print(len(X), "points, for example", X[0], "of class", y[0])
plt.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="coolwarm", edgecolors="black")
plt.title("moons")
plt.show()""",
    ),
    (
        "md",
        """Two inputs, two hidden layers of 16 ReLU neurons, one output: a logit, positive for
class 1. `manual_seed` makes the initial weights the same on every run.""",
    ),
    (
        "code",
        """manual_seed(0)
model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear")
print(model, "with", len(model.parameters()), "parameters")""",
    ),
    (
        "md",
        """The loop of the original MiniGrad description: forward pass, loss, zero the gradients,
backward, update (here by Adam). Each epoch uses every point.""",
    ),
    (
        "code",
        """optimizer = Adam(model.parameters(), lr=0.05)
losses, accuracies = [], []
for epoch in range(40):
    logits = [model(x) for x in X]
    loss = binary_cross_entropy_with_logits(logits, [float(label) for label in y])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    accuracy = sum((logit.data > 0) == (label == 1) for logit, label in zip(logits, y)) / len(y)
    losses.append(loss.data)
    accuracies.append(accuracy)
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1}: loss {loss.data:.4f}, accuracy {accuracy:.2f}")
assert accuracies[-1] >= 0.95""",
    ),
    (
        "code",
        """figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(losses)
left.set_title("loss")
left.set_xlabel("epoch")
right.plot(accuracies, color="tab:green")
right.set_title("accuracy")
right.set_xlabel("epoch")
plt.show()""",
    ),
    (
        "md",
        """The decision boundary: the model's class at every point of a grid. `no_grad()` skips
recording the graph, since nothing is differentiated here.""",
    ),
    (
        "code",
        """steps = 40
xs = [-1.5 + 4.0 * i / (steps - 1) for i in range(steps)]
ys = [-1.0 + 2.5 * j / (steps - 1) for j in range(steps)]
with no_grad():
    regions = [[model([gx, gy]).data > 0 for gx in xs] for gy in ys]
plt.contourf(xs, ys, regions, levels=[-0.5, 0.5, 1.5], cmap="coolwarm", alpha=0.35)
plt.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="coolwarm", edgecolors="black")
plt.title("what the model learned")
plt.show()""",
    ),
    (
        "md",
        """A checkpoint is the model's parameters by name, as JSON (no pickle). Loading it into a
fresh model of the same shape gives the same predictions:""",
    ),
    (
        "code",
        """save(model.state_dict(), "moons-model.json")
manual_seed(1)
restored = MLP(2, [16, 16, 1], activation="relu", output_activation="linear")
restored.load_state_dict(load("moons-model.json"))
with no_grad():
    assert all(restored(x).data == model(x).data for x in X)
print("restored model agrees on all", len(X), "points")""",
    ),
    (
        "md",
        """The command `minigrad demo moons` does all of this with a progress bar and writes the
pictures and the checkpoint into `minigrad-out/`.""",
    ),
]

SCALARS_TO_TENSORS = [
    (
        "md",
        """# From scalars to tensors

The same network, the same numbers: the training loop of the original MiniGrad description run
twice, once with `Value`s (one node per number, one line of arithmetic per neuron) and once with
`Tensor`s (one node per array, one matrix product per layer). With float64 tensors and the same
initial weights, the two agree to about 1e-15 at every step.""",
    ),
    ("md", "## 1. The same network in both engines"),
    (
        "code",
        """from minigrad import MLP, manual_seed
from minigrad import tensor_nn
from minigrad.tensor import Tensor

manual_seed(0)
scalar_net = MLP(3, [4, 4, 1])
manual_seed(0)
tensor_net = tensor_nn.MLP(3, [4, 4, 1], dtype="float64")

print(scalar_net)
print(tensor_net)
print("same weights:", scalar_net.state_dict() == tensor_net.state_dict())""",
    ),
    (
        "md",
        """Both constructors draw the initial weights in the same order from the generator that
`manual_seed` seeds, and both name them the same way in `state_dict()`. What differs is where the
numbers live: 41 `Value`s in the scalar network, six arrays in the tensor one (a weight matrix of
shape (nin, nout) and a bias vector per layer).""",
    ),
    (
        "code",
        """for i, layer in enumerate(tensor_net.layers):
    print(f"layer {i}: W {layer.weight.shape}, b {layer.bias.shape}")
print("scalar parameters:", len(scalar_net.parameters()))""",
    ),
    ("md", "## 2. One line per neuron versus one line per layer"),
    (
        "md",
        """A scalar neuron computes `act(w·x + b)` with one Value operation per product and sum;
a tensor layer computes `act(X @ W + b)` for every neuron and every sample at once. The four
samples become one batch `X` of shape (4, 3):""",
    ),
    (
        "code",
        """xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
X = Tensor(xs, dtype="float64")
Y = Tensor(ys, dtype="float64").reshape(4, 1)

print("scalar:", [round(scalar_net(x).data, 12) for x in xs])
print("tensor:", [round(v, 12) for v in tensor_net(X).numpy().ravel().tolist()])""",
    ),
    ("md", "## 3. The training loop, side by side"),
    (
        "code",
        """import numpy as np

scalar_losses, tensor_losses = [], []
for k in range(20):
    # scalars: the loop of the original MiniGrad description
    ypred = [scalar_net(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in scalar_net.parameters():
        p.grad = 0.0
    loss.backward()
    scalar_grads = np.array([p.grad for p in scalar_net.parameters()])
    for p in scalar_net.parameters():
        p.data += -0.1 * p.grad

    # tensors: the same loop, one batch
    tensor_loss = ((tensor_net(X) - Y) ** 2).sum()
    tensor_net.zero_grad()
    tensor_loss.backward()
    tensor_grads = np.concatenate([
        np.concatenate([layer.weight.grad.T, layer.bias.grad[:, None]], axis=1).ravel()
        for layer in tensor_net.layers
    ])
    for p in tensor_net.parameters():
        p.data = p.data + -0.1 * p.grad

    scalar_losses.append(loss.data)
    tensor_losses.append(tensor_loss.item())
    print(f"step {k:2d} | loss {loss.data:.10f} {tensor_loss.item():.10f} | "
          f"largest gradient difference {np.max(np.abs(scalar_grads - tensor_grads)):.1e}")""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(scalar_losses, "o", markersize=8, label="Values (one node per number)")
ax.plot(tensor_losses, "-", linewidth=2, label="float64 Tensors (one node per array)")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.set_title("The same training, two engines")
ax.legend()
plt.show()""",
    ),
    (
        "md",
        """The gradients are laid out the same way (neuron by neuron: its weights, then its bias),
so they can be compared number by number. They differ only in the last bits, because a matrix
product adds the same products in another order.""",
    ),
    ("md", "## 4. Where broadcasting shows up in backward"),
    (
        "md",
        """In `X @ W + b` the bias of shape (4,) is added to every row of a (batch, 4) matrix:
broadcasting copies it once per sample. Backward must add the copies' gradients back up, and one
helper, `sum_to`, does that for every operation:""",
    ),
    (
        "code",
        """from minigrad.tensor import sum_to

h = Tensor(np.ones((128, 4)), requires_grad=True)
b = Tensor(np.zeros(4), requires_grad=True)
(h + b).sum().backward()
print("b.grad:", b.grad, " = sum_to(ones((128, 4)), (4,)):", sum_to(np.ones((128, 4)), (4,)))""",
    ),
    (
        "md",
        """Next: `minigrad demo digits` trains a tensor MLP on real handwritten digits in a few
seconds, and `docs/tensors.md` describes the Tensor engine.""",
    ),
]


BACKPROP_NINJA = [
    (
        "md",
        """# Becoming a backprop ninja, on MiniGrad

The fourth makemore lecture cuts the forward pass of a character-level MLP into small steps and
asks you to write the backward pass by hand, tensor by tensor, then checks each of your gradients
against the engine's. Here the engine is MiniGrad's: the lecture's code runs as it is written,
with `minigrad.torch` in place of PyTorch, and MiniGrad's explainers show the steps the engine
took, next to yours.""",
    ),
    ("md", "## 1. The data: names, and three characters before each next one"),
    (
        "code",
        """import random

import minigrad.torch as torch
import minigrad.torch.nn.functional as F
from minigrad.app import makemore

words = makemore.load_names()  # makemore's names.txt, shipped with MiniGrad
print(len(words), words[:8])

chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 3

def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)

random.seed(42)
random.shuffle(words)
Xtr, Ytr = build_dataset(words[: int(0.8 * len(words))])
print(Xtr.shape, Xtr.dtype, Ytr.shape)""",
    ),
    ("md", "## 2. The parameters and a batch, as in the lecture"),
    (
        "code",
        """n_embd, n_hidden = 10, 64
g = torch.Generator().manual_seed(2147483647)  # MiniGrad's stream: other numbers than PyTorch's
C = torch.randn((vocab_size, n_embd), generator=g)
fan_in = n_embd * block_size
W1 = torch.randn((fan_in, n_hidden), generator=g) * (5 / 3) / fan_in**0.5
b1 = torch.randn(n_hidden, generator=g) * 0.1
W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.1
b2 = torch.randn(vocab_size, generator=g) * 0.1
bngain = torch.randn((1, n_hidden)) * 0.1 + 1.0
bnbias = torch.randn((1, n_hidden)) * 0.1
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
for p in parameters:
    p.requires_grad = True
print(sum(p.nelement() for p in parameters), "parameters")

batch_size = n = 32
ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
Xb, Yb = Xtr[ix], Ytr[ix]""",
    ),
    ("md", "## 3. The forward pass, cut into steps that are easy to differentiate"),
    (
        "code",
        """emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

steps = dict(C=C, W1=W1, b1=b1, W2=W2, b2=b2, bngain=bngain, bnbias=bnbias, emb=emb,
             embcat=embcat, hprebn=hprebn, bnmeani=bnmeani, bndiff=bndiff, bndiff2=bndiff2,
             bnvar=bnvar, bnvar_inv=bnvar_inv, bnraw=bnraw, hpreact=hpreact, h=h, logits=logits,
             logit_maxes=logit_maxes, norm_logits=norm_logits, counts=counts,
             counts_sum=counts_sum, counts_sum_inv=counts_sum_inv, probs=probs,
             logprobs=logprobs, loss=loss)
for name, t in steps.items():
    t.label = name  # the explainers call each tensor by its name in the lecture

for t in steps.values():
    t.retain_grad()  # as in the lecture: backward keeps only the leaves' .grad unless asked
loss.backward()
print("loss:", loss.item())""",
    ),
    (
        "md",
        """## 4. What the engine did, step by step (explain_backward)

One line per chain-rule step, output first: which gradient grows, by what, with the shapes that
meet. Where the forward pass broadcast a tensor (`b1` over the batch, `bnmeani` over the rows),
the line says which axes backward summed over: the sums you must remember to write by hand.""",
    ),
    (
        "code",
        """from minigrad import explain_backward

for step in explain_backward(loss):
    print(step)""",
    ),
    (
        "md",
        """## 5. The whole backward pass as Python (backward_source)

The lecture's exercise 1, written out by the engine: one NumPy statement per chain-rule step, in
the order `backward()` runs them, with the broadcast sums (`sum_to`) and the scattered embedding
gradient (`np.add.at`) where they belong. Running it gives the engine's gradients to the bit.""",
    ),
    (
        "code",
        """import numpy as np
from minigrad import backward_source
from minigrad.teaching.tensor_viz import backward_namespace

source = backward_source(loss)
chain_rule = source.split("# The chain rule")[1].split("gradients = {")[0]
print("# The chain rule" + chain_rule)

namespace = backward_namespace(loss)  # the forward pass's arrays, by name
exec(source, namespace)
print("the same as backward():",
      all(np.array_equal(namespace["gradients"][name], t.grad) for name, t in steps.items()))""",
    ),
    (
        "md",
        """## 6. Exercise 1: the backward pass by hand, checked against the engine

The lecture's solution, line by line. `cmp` compares each manual gradient with the one MiniGrad's
`backward()` left in `.grad`: exactly, and within floating-point tolerance.""",
    ),
    (
        "code",
        """def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f"{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}")

dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0 / n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h**2) * dh
dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
dbnraw = bngain * dhpreact
dbnbias = dhpreact.sum(0, keepdim=True)
dbndiff = bnvar_inv * dbnraw
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
dbndiff += (2 * bndiff) * dbndiff2
dhprebn = dbndiff.clone()
dbnmeani = (-dbndiff).sum(0)
dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
dembcat = dhprebn @ W1.T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.view(emb.shape)
dC = torch.zeros_like(C)
for k in range(Xb.shape[0]):
    for j in range(Xb.shape[1]):
        ix = Xb[k, j]
        dC[ix] += demb[k, j]

manual = dict(logprobs=dlogprobs, probs=dprobs, counts_sum_inv=dcounts_sum_inv,
              counts_sum=dcounts_sum, counts=dcounts, norm_logits=dnorm_logits,
              logit_maxes=dlogit_maxes, logits=dlogits, h=dh, W2=dW2, b2=db2,
              hpreact=dhpreact, bngain=dbngain, bnbias=dbnbias, bnraw=dbnraw,
              bnvar_inv=dbnvar_inv, bnvar=dbnvar, bndiff2=dbndiff2, bndiff=dbndiff,
              bnmeani=dbnmeani, hprebn=dhprebn, embcat=dembcat, W1=dW1, b1=db1, emb=demb, C=dC)
for name, d in manual.items():
    cmp(name, d, steps[name])""",
    ),
    (
        "md",
        """## 7. Exercise 2: cross-entropy in one go

The gradient of the mean cross-entropy with respect to the logits is softmax minus one-hot,
over n: three lines instead of eight. Each row of `dlogits` pulls the right character's logit up
(the dark cell) and pushes every other one down in proportion to its probability.""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt

loss_fast = F.cross_entropy(logits, Yb)
print(loss_fast.item(), "diff:", (loss_fast - loss).item())

dlogits = F.softmax(logits, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n
cmp("logits", dlogits, logits)

plt.figure(figsize=(4, 4))
plt.imshow(dlogits.detach(), cmap="gray")
plt.title("dlogits: one row per example")
plt.show()""",
    ),
    (
        "md",
        """## 8. A mistake, found by gradcheck

Exercise 3 asks for batch normalisation's backward pass in one formula. Write it as a MiniGrad
operation (its forward rule and your backward rule side by side) and `gradcheck` compares your
rule with finite differences. Here is the formula with a classic slip, `n` where Bessel's
correction needs `n - 1`; gradcheck names the node and the input whose rule is wrong.""",
    ),
    (
        "code",
        """from minigrad import gradcheck
from minigrad.gradcheck import GradcheckError
from minigrad.tensor import operation

def batchnorm_forward(x):
    mean = x.mean(0, keepdims=True)
    var = x.var(0, ddof=1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5)

def batchnorm_backward_with_a_slip(g, out, x):
    m = x.shape[0]
    var_inv = (x.var(0, ddof=1, keepdims=True) + 1e-5) ** -0.5
    return var_inv / m * (m * g - g.sum(0) - out * (g * out).sum(0))  # should be m/(m-1)*out*...

batchnorm = operation("batchnorm", batchnorm_forward, batchnorm_backward_with_a_slip)

x = np.random.default_rng(0).standard_normal((8, 3))
weights = np.arange(24.0).reshape(8, 3)  # so that each output counts differently
try:
    gradcheck(lambda x: (batchnorm(x) * weights).sum(), [x])
except GradcheckError as error:
    print(error)""",
    ),
    (
        "md",
        """Fix the rule (`m / (m - 1) * out * (g * out).sum(0)`) and gradcheck returns True: the
rule is then exactly exercise 3's `dhprebn`.""",
    ),
    (
        "code",
        """def batchnorm_backward(g, out, x):
    m = x.shape[0]
    var_inv = (x.var(0, ddof=1, keepdims=True) + 1e-5) ** -0.5
    return var_inv / m * (m * g - g.sum(0) - m / (m - 1) * out * (g * out).sum(0))

batchnorm = operation("batchnorm", batchnorm_forward, batchnorm_backward)  # defined again
print(gradcheck(lambda x: (batchnorm(x) * weights).sum(), [x]))""",
    ),
]


NOTEBOOKS = {    "engine-walkthrough.ipynb": ENGINE_WALKTHROUGH,
    "training.ipynb": TRAINING,
    "scalars-to-tensors.ipynb": SCALARS_TO_TENSORS,
    "backprop-ninja.ipynb": BACKPROP_NINJA,
}


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook of the given (kind, source) cells, without outputs, with stable cell ids."""
    made = new_notebook(
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    for number, (kind, source) in enumerate(cells, start=1):
        cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
        cell["id"] = f"cell-{number}"
        made.cells.append(cell)
    return made


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(notebook(cells), DOCS / name)
        print(f"wrote {DOCS / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
