"""``minigrad demo names``: the makemore lectures' character-level MLP, trained on real names.

The data are makemore's ``names.txt`` (32,033 given names, MIT-licensed, shipped with MiniGrad
with its licence in ``minigrad/app/datasets``). Each name becomes examples "three characters →
the next one" ('.' starts and ends a name); 80 % train the model, 10 % validate it, 10 % test it.

The model is the lecture's (part 2): every character has an embedding, a row of ``C``; the
embeddings of the three previous characters, side by side, go through a tanh layer and a layer
of 27 logits, one per next character; cross-entropy, SGD. It is written exactly as the lecture
writes it, with ``minigrad.torch`` in place of PyTorch, so the same function trains with either:
``make bench`` runs it with PyTorch on the same data, the same initial weights and the same
batches, and compares the validation losses.

It prints the train, validation and test losses and 20 names sampled from the model, and draws
the loss curve and the embedding (its two principal directions: each character where the model
put it; characters used alike sit together).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from minigrad.app.arguments import bounded_int, seed_number
from minigrad.storage.files import write_all_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_STEPS = 1_000_000
MAX_BATCH = 100_000


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on; the same settings train the same model."""

    steps: int = 30_000
    batch: int = 64
    block_size: int = 3  # characters of context
    n_embd: int = 10  # numbers per character
    n_hidden: int = 200
    lr: float = 0.1  # then a tenth of it for the last quarter of the steps
    seed: int = 0


@dataclass
class Result:
    parameters: list[Any]
    lossi: list[float] = field(default_factory=list)  # log10 of each step's batch loss
    losses: dict[str, float] = field(default_factory=dict)  # train, val, test
    seconds: float = 0.0


def load_names() -> list[str]:
    """makemore's names.txt, shipped with MiniGrad: 32,033 lowercase given names."""
    text = resources.files("minigrad.app").joinpath("datasets/names.txt").read_text("utf-8")
    return text.splitlines()


def vocabulary(words: Sequence[str]) -> tuple[dict[str, int], dict[int, str]]:
    """Each character's number (1..26 for a..z) and back; '.' is 0: the start and end."""
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


def build_dataset(
    torch: Any, words: Sequence[str], stoi: dict[str, int], block_size: int
) -> tuple[Any, Any]:
    """X: every context of ``block_size`` characters (numbers); Y: the character after it."""
    X, Y = [], []  # noqa: N806 (the lecture's names)
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def splits(
    torch: Any, words: Sequence[str], settings: Settings
) -> tuple[dict[str, tuple[Any, Any]], dict[int, str]]:
    """The names shuffled (seeded), cut 80/10/10 into train, val and test examples."""
    words = list(words)
    random.Random(42).shuffle(words)  # (the lecture's seed and cut)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    stoi, itos = vocabulary(words)
    parts = {"train": words[:n1], "val": words[n1:n2], "test": words[n2:]}
    return {k: build_dataset(torch, w, stoi, settings.block_size) for k, w in parts.items()}, itos


def initial_parameters(settings: Settings, vocab_size: int) -> list[numpy.ndarray]:
    """C, W1, b1, W2, b2 drawn by NumPy (float32) from settings.seed, scaled as in part 3 (tanh
    units not saturated, first logits near zero): the same numbers for MiniGrad and PyTorch."""
    rng = numpy.random.default_rng(settings.seed)
    fan_in = settings.n_embd * settings.block_size

    def randn(*shape: int, scale: float = 1.0) -> numpy.ndarray:
        return (rng.standard_normal(shape) * scale).astype(numpy.float32)

    return [
        randn(vocab_size, settings.n_embd),
        randn(fan_in, settings.n_hidden, scale=(5 / 3) / fan_in**0.5),
        randn(settings.n_hidden, scale=0.01),
        randn(settings.n_hidden, vocab_size, scale=0.01),
        randn(vocab_size, scale=0.0),
    ]


def batches(settings: Settings, examples: int) -> numpy.ndarray:
    """The rows of every step's batch, drawn from settings.seed + 1 (the same for both engines)."""
    rng = numpy.random.default_rng(settings.seed + 1)
    return rng.integers(0, examples, (settings.steps, settings.batch))


def train(
    torch: Any, F: Any, settings: Settings, data: dict[str, tuple[Any, Any]],  # noqa: N803
    on_step: Callable[[int, float], None] | None = None,
) -> Result:  # fmt: skip
    """The lecture's training loop: minibatch, embedding, tanh layer, logits, cross-entropy,
    backward, SGD; then the loss of each split. ``torch`` and ``F`` are minigrad.torch and its
    functional module, or PyTorch's."""
    Xtr, Ytr = data["train"]  # noqa: N806
    vocab_size = int(Ytr.max().item()) + 1
    C, W1, b1, W2, b2 = (torch.tensor(p) for p in initial_parameters(settings, vocab_size))  # noqa: N806
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    fan_in = settings.n_embd * settings.block_size
    result = Result(parameters)
    start = time.perf_counter()
    for i, rows in enumerate(batches(settings, Xtr.shape[0])):
        ix = torch.tensor(rows)
        emb = C[Xtr[ix]]  # (batch, block_size, n_embd)
        h = torch.tanh(emb.view(-1, fan_in) @ W1 + b1)  # (batch, n_hidden)
        logits = h @ W2 + b2  # (batch, vocab_size)
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = settings.lr if i < 3 * settings.steps // 4 else settings.lr / 10
        for p in parameters:
            p.data += -lr * p.grad
        result.lossi.append(loss.log10().item())
        if on_step is not None:
            on_step(i + 1, result.lossi[-1])
    result.seconds = time.perf_counter() - start
    result.losses = {name: split_loss(torch, F, parameters, *xy) for name, xy in data.items()}
    return result


def split_loss(torch: Any, F: Any, parameters: list[Any], X: Any, Y: Any) -> float:  # noqa: N803
    """The mean cross-entropy of the model on every example of a split."""
    C, W1, b1, W2, b2 = parameters  # noqa: N806
    with torch.no_grad():
        emb = C[X]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, Y).item()


def sample(
    torch: Any, F: Any, parameters: list[Any], itos: dict[int, str], block_size: int,  # noqa: N803
    count: int, seed: int,
) -> list[str]:  # fmt: skip
    """Names drawn from the model, character by character, until it draws the end ('.')."""
    C, W1, b1, W2, b2 = parameters  # noqa: N806
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
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names


# ---------------------------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------------------------


def draw_loss_curve(result: Result, settings: Settings) -> Figure:
    """The batch loss step by step (faint), its mean over every 1 % of the steps, and the
    final loss of each split."""
    from matplotlib.figure import Figure

    lossi = numpy.power(10.0, numpy.asarray(result.lossi))
    figure = Figure(figsize=(8, 4))
    axes = figure.subplots()
    axes.plot(numpy.arange(1, len(lossi) + 1), lossi, color="tab:blue", alpha=0.15, lw=0.5,
              label="batch loss")  # fmt: skip
    chunk = max(1, len(lossi) // 100)
    whole = len(lossi) // chunk * chunk
    if whole:
        means = lossi[:whole].reshape(-1, chunk).mean(axis=1)
        axes.plot(numpy.arange(chunk, whole + 1, chunk), means, color="tab:blue",
                  label=f"mean of every {chunk:,} steps")  # fmt: skip
    styles = [("tab:green", "--"), ("tab:orange", "-."), ("tab:red", ":")]
    for (name, loss), (color, style) in zip(result.losses.items(), styles):
        axes.axhline(loss, color=color, ls=style, lw=1.2, label=f"{name} loss {loss:.3f}")
    low = min(result.losses.values()) - 0.3
    axes.set_ylim(low, min(4.0, float(lossi.max())) + 0.1)
    axes.set_xlim(0, len(lossi))
    decay = 3 * settings.steps // 4
    axes.axvline(decay, color="gray", lw=0.8, ls=":")
    axes.text(decay, low + 0.02, " learning rate ÷ 10", va="bottom", fontsize=8, color="gray")
    axes.set_xlabel("training step")
    axes.set_ylabel("cross-entropy (nats per character)")
    axes.set_title("names: the character-level MLP learning")
    axes.legend(loc="upper right", fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def draw_embedding(result: Result, itos: dict[int, str]) -> Figure:
    """Each character's embedding (a row of C) seen along C's two principal directions."""
    from matplotlib.figure import Figure

    C = numpy.asarray(result.parameters[0].detach().numpy(), dtype=numpy.float64)  # noqa: N806
    centred = C - C.mean(axis=0)
    _, singular, directions = numpy.linalg.svd(centred, full_matrices=False)
    points = centred @ directions[:2].T
    share = singular[:2] ** 2 / (singular**2).sum()
    figure = Figure(figsize=(6.5, 6))
    axes = figure.subplots()
    vowels = set("aeiouy")
    for i, (x, y) in enumerate(points):
        ch = itos[i]
        color = "tab:red" if ch in vowels else ("black" if ch == "." else "tab:blue")
        axes.scatter(x, y, s=320, color=color, alpha=0.85)
        axes.text(x, y, ch, ha="center", va="center", color="white", fontsize=11,
                  fontweight="bold")  # fmt: skip
    axes.set_xlabel(f"first principal direction ({100 * share[0]:.0f} % of the spread)")
    axes.set_ylabel(f"second principal direction ({100 * share[1]:.0f} % of the spread)")
    axes.set_title("the learned character embedding (vowels in red, '.' in black)")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="minigrad demo names",
        description=(
            "Train the makemore lectures' character-level MLP (an embedding table, a tanh layer, "
            "27 logits) on 32,033 real names with MiniGrad's Tensor engine, written as the "
            "lecture writes it through minigrad.torch; print the train/val/test losses and 20 "
            "names sampled from it; write the loss curve and the learned embedding (PNG) into "
            "--out."
        ),
        epilog="The names are makemore's names.txt (MIT licence, Andrej Karpathy), shipped with "
        "MiniGrad. BLAS is held to one thread while training (faster on matrices this small).",
    )
    parser.add_argument("--steps", type=bounded_int(MAX_STEPS), default=defaults.steps,
                        help=f"training steps (at most {MAX_STEPS:,})")  # fmt: skip
    parser.add_argument("--batch", type=bounded_int(MAX_BATCH), default=defaults.batch,
                        help=f"examples per step (at most {MAX_BATCH:,})")  # fmt: skip
    parser.add_argument("--seed", type=seed_number, default=defaults.seed,
                        help="seed of the initial weights, batches and samples")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("minigrad-out"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str]) -> int:
    import minigrad.torch as torch
    import minigrad.torch.nn.functional as F  # noqa: N812 (the lecture's name)

    args = build_parser().parse_args(argv)
    prog = "minigrad demo names"
    settings = Settings(steps=args.steps, batch=args.batch, seed=args.seed)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"{prog}: error: cannot create {args.out}: {error}", file=sys.stderr)
        return 1
    words = load_names()
    data, itos = splits(torch, words, settings)
    sizes = ", ".join(f"{len(y):,} {name}" for name, (_, y) in data.items())
    print(f"names: {len(words):,} names, {sizes} examples ({settings.block_size} characters → "
          "the next)")  # fmt: skip
    from threadpoolctl import threadpool_limits

    with _progress(settings.steps, args.quiet) as on_step, threadpool_limits(1, "blas"):
        result = train(torch, F, settings, data, on_step)
    print(f"trained in {result.seconds:.1f} s: {settings.steps:,} steps of {settings.batch} "
          f"examples, {1e6 * result.seconds / settings.steps:.0f} µs a step")  # fmt: skip
    for name, loss in result.losses.items():
        print(f"{name} loss: {loss:.4f}")
    names = sample(torch, F, result.parameters, itos, settings.block_size, 20, settings.seed)
    print("20 names sampled from the model:\n  " + "\n  ".join(names))
    pictures = {
        "names-loss-curve.png": draw_loss_curve(result, settings),
        "names-embedding.png": draw_embedding(result, itos),
    }
    write_all_atomically(
        {args.out / n: lambda f, fig=figure: fig.savefig(f, format="png", dpi=110)
         for n, figure in pictures.items()}
    )  # fmt: skip
    print("wrote " + ", ".join(str(args.out / name) for name in pictures))
    return 0


class _progress:  # noqa: N801 (a context manager used like a function)
    """A tqdm bar over the steps on a terminal; a few plain lines otherwise; none with --quiet."""

    def __init__(self, steps: int, quiet: bool) -> None:
        self.steps, self.quiet, self.bar = steps, quiet, None
        self.every = max(1, steps // 200)

    def __enter__(self) -> Callable[[int, float], None] | None:
        if self.quiet:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=self.steps, desc="training", unit="step", file=sys.stderr,
                        disable=None)  # fmt: skip
        return self._update

    def _update(self, step: int, log10_loss: float) -> None:
        if step % self.every and step != self.steps:
            return
        self.bar.update(step - self.bar.n)
        self.bar.set_postfix(loss=f"{10**log10_loss:.3f}", refresh=False)
        if self.bar.disable and (step % max(1, self.steps // 5) == 0 or step == self.steps):
            print(f"step {step:,}/{self.steps:,}  batch loss {10**log10_loss:.4f}",
                  file=sys.stderr)  # fmt: skip

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()
