"""The makemore lectures' code, in their own words, written once and run twice: with PyTorch
(``torch``, ``F``) and with ``minigrad.torch``. tests/test_torch_makemore.py compares the two.

Each function takes the two modules a lecture imports (``torch`` and ``torch.nn.functional``)
and a list of names. Where the lectures draw random numbers, these functions take them from a
NumPy generator given to both, so that the two runs start from the same numbers (MiniGrad's
Generator is reproducible, but it is not PyTorch's stream).
"""

from __future__ import annotations

import random
from typing import Any

import numpy


def generated_names(count: int = 400, seed: int = 0) -> list[str]:
    """A small list of made-up names (syllables of common letters), for the tests."""
    rng = random.Random(seed)
    onsets = ["", "b", "d", "j", "k", "l", "m", "n", "r", "s", "t", "v", "z", "ch", "sh"]
    vowels = ["a", "e", "i", "o", "u", "ay", "ie", "y"]
    codas = ["", "", "n", "l", "r", "s", "h"]
    names = []
    for _ in range(count):
        syllables = rng.randint(1, 3)
        names.append(
            "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                    for _ in range(syllables))
        )  # fmt: skip
    return names


def vocabulary(words: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


# Part 1: the bigram model


def bigram_counts(torch: Any, words: list[str]) -> tuple[Any, Any, float, int]:
    """The counting model: N, P (smoothed) and the average negative log-likelihood, computed
    pair by pair as the lecture does."""
    stoi, itos = vocabulary(words)
    size = len(stoi)
    N = torch.zeros((size, size), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            prob = P[stoi[ch1], stoi[ch2]]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    return N, P, (nll / n).item(), n


def sample_bigrams(torch: Any, P: Any, itos: dict[int, str], seed: int, count: int) -> list[str]:
    g = torch.Generator().manual_seed(seed)
    names = []
    for _ in range(count):
        out = []
        ix = 0
        while True:
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    return names


def bigram_network(torch: Any, F: Any, words: list[str], W0: numpy.ndarray,
                   steps: int) -> tuple[list[float], Any]:  # fmt: skip
    """The one-layer network on one-hot bigrams, trained by gradient descent as in the lecture."""
    stoi, _ = vocabulary(words)
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs = torch.tensor(xs)
    ys = torch.tensor(ys)
    num = xs.nelement()
    W = torch.tensor(W0, requires_grad=True)
    losses = []
    for _ in range(steps):
        xenc = F.one_hot(xs, num_classes=W0.shape[0]).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
    return losses, W


# Parts 2-4: the MLP over character embeddings


def build_dataset(torch: Any, words: list[str], stoi: dict[str, int], block_size: int) -> Any:
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    return X, Y


def initial_mlp(vocab_size: int, block_size: int, n_embd: int, n_hidden: int,
                seed: int) -> dict[str, numpy.ndarray]:  # fmt: skip
    """Part 4's initial parameters, drawn by NumPy (float32) for both runs."""
    rng = numpy.random.default_rng(seed)

    def randn(*shape: int) -> numpy.ndarray:
        return rng.standard_normal(shape).astype(numpy.float32)

    fan_in = n_embd * block_size
    return {
        "C": randn(vocab_size, n_embd),
        "W1": randn(fan_in, n_hidden) * numpy.float32((5 / 3) / fan_in**0.5),
        "b1": randn(n_hidden) * numpy.float32(0.1),
        "W2": randn(n_hidden, vocab_size) * numpy.float32(0.1),
        "b2": randn(vocab_size) * numpy.float32(0.1),
        "bngain": randn(1, n_hidden) * numpy.float32(0.1) + numpy.float32(1.0),
        "bnbias": randn(1, n_hidden) * numpy.float32(0.1),
    }


def train_mlp(
    torch: Any, F: Any, Xtr: Any, Ytr: Any, init: dict[str, numpy.ndarray],
    batches: list[numpy.ndarray], block_size: int,
) -> tuple[list[float], list[Any]]:
    """Part 2's training loop (embedding, tanh layer, cross-entropy, SGD), on given batches."""
    C, W1, b1, W2, b2 = (torch.tensor(init[k]) for k in ("C", "W1", "b1", "W2", "b2"))
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    n_in = W1.shape[0]
    lossi = []
    for i, batch in enumerate(batches):
        ix = torch.tensor(batch)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, n_in) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < len(batches) // 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
    return lossi, parameters


def mlp_loss(torch: Any, F: Any, parameters: list[Any], X: Any, Y: Any) -> float:
    C, W1, b1, W2, b2 = parameters
    with torch.no_grad():
        emb = C[X]
        h = torch.tanh(emb.view(-1, W1.shape[0]) @ W1 + b1)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, Y).item()


def sample_mlp(torch: Any, F: Any, parameters: list[Any], itos: dict[int, str],
               block_size: int, seed: int, count: int) -> list[str]:  # fmt: skip
    C, W1, b1, W2, b2 = parameters
    g = torch.Generator().manual_seed(seed)
    names = []
    for _ in range(count):
        out = []
        context = [0] * block_size
        while True:
            emb = C[torch.tensor([context])]
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            logits = h @ W2 + b2
            probs = F.softmax(logits, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            out.append(ix)
            if ix == 0:
                break
        names.append("".join(itos[i] for i in out))
    return names


# Part 3: batch normalisation, the lecture's own layers, and the statistics it plots


class Linear:
    def __init__(self, torch: Any, weight: numpy.ndarray, bias: bool = True) -> None:
        self.weight = torch.tensor(weight)
        self.bias = torch.zeros(weight.shape[1]) if bias else None

    def __call__(self, x: Any) -> Any:
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self) -> list[Any]:
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, torch: Any, dim: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.torch = torch
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x: Any) -> Any:
        torch = self.torch
        if self.training:
            if x.ndim == 2:
                dim = 0
            elif x.ndim == 3:
                dim = (0, 1)
            xmean = x.mean(dim, keepdim=True)
            xvar = x.var(dim, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self) -> list[Any]:
        return [self.gamma, self.beta]


class Tanh:
    def __init__(self, torch: Any) -> None:
        self.torch = torch

    def __call__(self, x: Any) -> Any:
        self.out = self.torch.tanh(x)
        return self.out

    def parameters(self) -> list[Any]:
        return []


class Embedding:
    def __init__(self, torch: Any, weight: numpy.ndarray) -> None:
        self.weight = torch.tensor(weight)

    def __call__(self, IX: Any) -> Any:
        self.out = self.weight[IX]
        return self.out

    def parameters(self) -> list[Any]:
        return [self.weight]


class FlattenConsecutive:
    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, x: Any) -> Any:
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        self.out = x
        return self.out

    def parameters(self) -> list[Any]:
        return []


class Sequential:
    def __init__(self, layers: list[Any]) -> None:
        self.layers = layers

    def __call__(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for p in layer.parameters()]


def deep_batchnorm_network(
    torch: Any, F: Any, Xtr: Any, Ytr: Any, weights: list[numpy.ndarray], C0: numpy.ndarray,
    batches: list[numpy.ndarray],
) -> dict[str, Any]:
    """Part 3's deeper network of Linear, BatchNorm1d and Tanh layers, with the statistics the
    lecture prints and the histograms it plots (of activations and of their gradients)."""
    C = torch.tensor(C0)
    n = len(weights)
    layers: list[Any] = []
    for i, w in enumerate(weights):
        layers += [Linear(torch, w, bias=False), BatchNorm1d(torch, w.shape[1])]
        if i < n - 1:
            layers.append(Tanh(torch))
    with torch.no_grad():
        layers[-1].gamma *= 0.1
    parameters = [C] + [p for layer in layers for p in layer.parameters()]
    for p in parameters:
        p.requires_grad = True
    lossi, ud = [], []
    for batch in batches:
        ix = torch.tensor(batch)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        x = emb.view(emb.shape[0], -1)
        for layer in layers:
            x = layer(x)
        loss = F.cross_entropy(x, Yb)
        for layer in layers:
            layer.out.retain_grad()
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
        with torch.no_grad():
            ud.append([
                (torch.as_tensor(lr * p.grad).std() / torch.as_tensor(p.data).std()).log10().item()
                for p in parameters
            ])  # fmt: skip
    activations, gradients = [], []
    for layer in layers[:-1]:
        if isinstance(layer, Tanh):
            t = layer.out
            saturated = (t.abs() > 0.97).float().mean() * 100
            hy, hx = torch.histogram(t.detach(), density=True)
            activations.append((t.mean().item(), t.std().item(), saturated.item(), hy, hx))
            tg = torch.as_tensor(layer.out.grad)
            hy, hx = torch.histogram(tg, density=True)
            gradients.append((tg.mean().item(), tg.std().item(), hy, hx))
    for layer in layers:
        layer.training = False
    with torch.no_grad():
        x = C[Xtr].view(Xtr.shape[0], -1)
        for layer in layers:
            x = layer(x)
        eval_loss = F.cross_entropy(x, Ytr).item()
    return {"lossi": lossi, "ud": ud, "activations": activations, "gradients": gradients,
            "eval_loss": eval_loss}  # fmt: skip


# Part 4: becoming a backprop ninja


def cmp(torch: Any, s: str, dt: Any, t: Any) -> tuple[str, bool, bool, float]:
    """The lecture's check of a manual gradient dt against the engine's t.grad."""
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    return s, ex, app, maxdiff


def backprop_ninja(torch: Any, F: Any, Xb: Any, Yb: Any,
                   init: dict[str, numpy.ndarray]) -> dict[str, Any]:  # fmt: skip
    """Part 4: the forward pass cut into small steps, the engine's backward pass, exercise 1's
    manual backward pass line by line, exercises 2 and 3 in one go; every check of ``cmp``."""
    C, W1, b1, W2, b2, bngain, bnbias = (
        torch.tensor(init[k]) for k in ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")
    )
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    n = Xb.shape[0]

    emb = C[Xb]
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

    for p in parameters:
        p.grad = None
    for t in [logprobs, probs, counts, counts_sum, counts_sum_inv,
              norm_logits, logit_maxes, logits, h, hpreact, bnraw,
              bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
              embcat, emb]:  # fmt: skip
        t.retain_grad()
    loss.backward()

    # Exercise 1
    dlogprobs = torch.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-(counts_sum**-2)) * dcounts_sum_inv
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

    checks = [cmp(torch, *row) for row in [
        ("logprobs", dlogprobs, logprobs), ("probs", dprobs, probs),
        ("counts_sum_inv", dcounts_sum_inv, counts_sum_inv),
        ("counts_sum", dcounts_sum, counts_sum),
        ("counts", dcounts, counts), ("norm_logits", dnorm_logits, norm_logits),
        ("logit_maxes", dlogit_maxes, logit_maxes), ("logits", dlogits, logits), ("h", dh, h),
        ("W2", dW2, W2), ("b2", db2, b2), ("hpreact", dhpreact, hpreact),
        ("bngain", dbngain, bngain), ("bnbias", dbnbias, bnbias), ("bnraw", dbnraw, bnraw),
        ("bnvar_inv", dbnvar_inv, bnvar_inv), ("bnvar", dbnvar, bnvar),
        ("bndiff2", dbndiff2, bndiff2), ("bndiff", dbndiff, bndiff), ("bnmeani", dbnmeani, bnmeani),
        ("hprebn", dhprebn, hprebn), ("embcat", dembcat, embcat), ("W1", dW1, W1), ("b1", db1, b1),
        ("emb", demb, emb), ("C", dC, C),
    ]]  # fmt: skip

    # Exercise 2: cross-entropy in one go
    loss_fast = F.cross_entropy(logits, Yb)
    loss_diff = (loss_fast - loss).item()
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    checks.append(cmp(torch, "logits (fast)", dlogits, logits))

    # Exercise 3: batch normalisation in one go
    hpreact_fast = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / torch.sqrt(
        hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias  # fmt: skip
    bn_diff = (hpreact_fast - hpreact).abs().max().item()
    dhprebn = bngain * bnvar_inv / n * (
        n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0)
    )
    checks.append(cmp(torch, "hprebn (fast)", dhprebn, hprebn))
    return {"loss": loss.item(), "loss_diff": loss_diff, "bn_diff": bn_diff, "checks": checks,
            "grads": {name: numpy.asarray(p.grad) for name, p in zip(
                ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias"), parameters)}}  # fmt: skip


# Part 5: the WaveNet-like model


def wavenet(torch: Any, F: Any, Xtr: Any, Ytr: Any, weights: dict[str, numpy.ndarray],
            batches: list[numpy.ndarray]) -> dict[str, Any]:  # fmt: skip
    """Part 5's hierarchical network (Embedding, FlattenConsecutive, Linear, BatchNorm1d over
    3-d batches), trained a few steps; the loss curve averaged as the lecture plots it."""
    model = Sequential([
        Embedding(torch, weights["C"]),
        FlattenConsecutive(2), Linear(torch, weights["W1"], bias=False),
        BatchNorm1d(torch, weights["W1"].shape[1]), Tanh(torch),
        FlattenConsecutive(2), Linear(torch, weights["W2"], bias=False),
        BatchNorm1d(torch, weights["W2"].shape[1]), Tanh(torch),
        Linear(torch, weights["W3"]),
    ])  # fmt: skip
    with torch.no_grad():
        model.layers[-1].weight *= 0.1
    parameters = model.parameters()
    for p in parameters:
        p.requires_grad = True
    lossi = []
    for batch in batches:
        ix = torch.tensor(batch)
        Xb, Yb = Xtr[ix], Ytr[ix]
        logits = model(Xb)
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -0.1 * p.grad
        lossi.append(loss.log10().item())
    curve = torch.tensor(lossi).view(-1, 2).mean(1)
    for layer in model.layers:
        layer.training = False
    with torch.no_grad():
        eval_loss = F.cross_entropy(model(Xtr), Ytr).item()
        logits = torch.zeros(4, weights["W3"].shape[1])
        for i in range(4):
            logits[i] = model(Xtr[[7 + i]])
    return {"lossi": lossi, "curve": curve.tolist(), "eval_loss": eval_loss,
            "logits": numpy.asarray(logits)}  # fmt: skip
