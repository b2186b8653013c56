"""The makemore lectures run on minigrad.torch and print PyTorch's numbers: the same code
(tests/makemore_lectures.py) run with PyTorch and with MiniGrad, on a small generated names list."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as torch_F

import minigrad.torch as mg
import minigrad.torch.nn.functional as mg_F
from tests.makemore_lectures import (
    backprop_ninja,
    bigram_counts,
    bigram_network,
    build_dataset,
    deep_batchnorm_network,
    generated_names,
    initial_mlp,
    mlp_loss,
    sample_bigrams,
    sample_mlp,
    train_mlp,
    vocabulary,
    wavenet,
)

WORDS = generated_names(300)
STOI, ITOS = vocabulary(WORDS)
VOCAB = len(STOI)


def test_the_counting_models_negative_log_likelihood_equals_pytorchs_exactly():
    N_mine, P_mine, nll_mine, n_mine = bigram_counts(mg, WORDS)
    N_theirs, P_theirs, nll_theirs, n_theirs = bigram_counts(torch, WORDS)
    assert N_mine.dtype == np.int32 and n_mine == n_theirs
    assert np.array_equal(np.asarray(N_mine), N_theirs.numpy())
    assert np.array_equal(np.asarray(P_mine), P_theirs.numpy())
    assert nll_mine == nll_theirs


def test_sampling_from_the_counts_is_reproducible_and_makes_names():
    _, P, _, _ = bigram_counts(mg, WORDS)
    first = sample_bigrams(mg, P, ITOS, 2147483647, 5)
    assert first == sample_bigrams(mg, P, ITOS, 2147483647, 5)
    assert first != sample_bigrams(mg, P, ITOS, 42, 5)
    assert all(name.endswith(".") and set(name) <= set(STOI) for name in first)


def test_the_bigram_network_trains_as_pytorchs():
    W0 = np.random.default_rng(0).standard_normal((VOCAB, VOCAB)).astype(np.float32)
    mine, W_mine = bigram_network(mg, mg_F, WORDS, W0, steps=5)
    theirs, W_theirs = bigram_network(torch, torch_F, WORDS, W0, steps=5)
    np.testing.assert_allclose(mine, theirs, rtol=1e-5)
    assert mine[-1] < mine[0]
    np.testing.assert_allclose(np.asarray(W_mine), W_theirs.detach().numpy(), atol=1e-4)


def datasets(block_size: int):
    import random

    words = WORDS[:]
    random.Random(42).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    splits = [words[:n1], words[n1:n2]]
    return (
        [build_dataset(mg, w, STOI, block_size) for w in splits],
        [build_dataset(torch, w, STOI, block_size) for w in splits],
    )


def batches(count: int, high: int, size: int = 32, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, high, size) for _ in range(count)]


def test_the_mlp_trains_as_pytorchs_and_samples_names():
    mine, theirs = datasets(3)
    (Xtr, Ytr), (Xdev, Ydev) = mine
    assert Xtr.dtype == np.int64 and Xtr.shape == tuple(theirs[0][0].shape)
    init = initial_mlp(VOCAB, 3, 10, 64, seed=2)
    steps = batches(40, Xtr.shape[0])
    lossi_mine, params_mine = train_mlp(mg, mg_F, Xtr, Ytr, init, steps, 3)
    lossi_theirs, params_theirs = train_mlp(torch, torch_F, *theirs[0], init, steps, 3)
    np.testing.assert_allclose(lossi_mine, lossi_theirs, rtol=1e-4)
    dev_mine = mlp_loss(mg, mg_F, params_mine, Xdev, Ydev)
    dev_theirs = mlp_loss(torch, torch_F, params_theirs, *theirs[1])
    assert dev_mine == pytest.approx(dev_theirs, rel=1e-4)
    names = sample_mlp(mg, mg_F, params_mine, ITOS, 3, 2147483647 + 10, 20)
    assert len(names) == 20 and all(name.endswith(".") for name in names)
    assert names == sample_mlp(mg, mg_F, params_mine, ITOS, 3, 2147483647 + 10, 20)


def test_batch_normalisation_layers_statistics_and_histograms_agree_with_pytorchs():
    mine, theirs = datasets(3)
    rng = np.random.default_rng(3)
    C0 = rng.standard_normal((VOCAB, 10)).astype(np.float32)
    sizes = [30, 40, 40, VOCAB]
    weights = [(rng.standard_normal((m, k)) / m**0.5).astype(np.float32)
               for m, k in zip(sizes, sizes[1:])]  # fmt: skip
    steps = batches(6, mine[0][0].shape[0])
    a = deep_batchnorm_network(mg, mg_F, *mine[0], weights, C0, steps)
    b = deep_batchnorm_network(torch, torch_F, *theirs[0], weights, C0, steps)
    np.testing.assert_allclose(a["lossi"], b["lossi"], rtol=1e-4)
    np.testing.assert_allclose(a["ud"], b["ud"], rtol=1e-3, atol=1e-4)
    assert a["eval_loss"] == pytest.approx(b["eval_loss"], rel=1e-4)
    for ours, pytorchs in zip(a["activations"] + a["gradients"], b["activations"] + b["gradients"]):
        np.testing.assert_allclose(ours[:-2], pytorchs[:-2], rtol=1e-3, atol=1e-7)
        hist, edges = ours[-2:]
        assert hist.shape == (100,) and edges.shape == (101,)
        np.testing.assert_allclose(np.asarray(edges), pytorchs[-1].numpy(), rtol=1e-4, atol=1e-6)


@pytest.fixture(scope="module")
def ninja():
    mine, theirs = datasets(3)
    init = initial_mlp(VOCAB, 3, 10, 64, seed=4)
    ix = np.random.default_rng(5).integers(0, mine[0][0].shape[0], 32)
    a = backprop_ninja(mg, mg_F, mine[0][0][mg.tensor(ix)], mine[0][1][mg.tensor(ix)], init)
    b = backprop_ninja(torch, torch_F, theirs[0][0][ix], theirs[0][1][ix], init)
    return a, b


def test_part_4s_manual_backward_pass_agrees_with_minigrads_gradients_line_by_line(ninja):
    mine, _ = ninja
    for name, _exact, approximate, maxdiff in mine["checks"]:
        assert approximate, (name, maxdiff)
        assert maxdiff < 1e-6, name
    exact = {name for name, exact, _, _ in mine["checks"] if exact}
    assert {"logprobs", "probs", "counts_sum_inv", "h", "W2", "b2", "emb"} <= exact


def test_part_4s_numbers_agree_with_pytorchs(ninja):
    mine, theirs = ninja
    assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-6)
    assert abs(mine["loss_diff"]) < 1e-6 and mine["bn_diff"] < 1e-5
    for name in mine["grads"]:
        np.testing.assert_allclose(mine["grads"][name], theirs["grads"][name], atol=1e-6,
                                   err_msg=name)  # fmt: skip
    for ours, pytorchs in zip(mine["checks"], theirs["checks"]):
        assert ours[0] == pytorchs[0] and ours[2] == pytorchs[2]


def test_the_wavenet_trains_as_pytorchs():
    mine, theirs = datasets(4)
    rng = np.random.default_rng(6)
    weights = {
        "C": rng.standard_normal((VOCAB, 6)).astype(np.float32),
        "W1": (rng.standard_normal((12, 16)) / 12**0.5).astype(np.float32),
        "W2": (rng.standard_normal((32, 16)) / 32**0.5).astype(np.float32),
        "W3": (rng.standard_normal((16, VOCAB)) / 16**0.5).astype(np.float32),
    }
    steps = batches(6, mine[0][0].shape[0])
    a = wavenet(mg, mg_F, *mine[0], weights, steps)
    b = wavenet(torch, torch_F, *theirs[0], weights, steps)
    np.testing.assert_allclose(a["lossi"], b["lossi"], rtol=1e-4)
    np.testing.assert_allclose(a["curve"], b["curve"], rtol=1e-4)
    assert a["eval_loss"] == pytest.approx(b["eval_loss"], rel=1e-4)
    np.testing.assert_allclose(a["logits"], b["logits"], rtol=1e-4, atol=1e-5)
