"""Models and Values pickle and copy, for Python's own tools (multiprocessing, copy).

MiniGrad's own files stay JSON (``minigrad.save``); this is what ``pickle.dumps(model)`` and
``copy.deepcopy`` need: every part of a model and of a graph can be saved, at any depth.
"""

from __future__ import annotations

import base64
import copy
import pickle
import threading
import zlib

import pytest

from minigrad import MLP, Layer, Neuron, Value, grad, topological_order


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("make", [lambda f: MLP(2, [3, 1], fused=f), lambda f: Layer(2, 3, fused=f),
                                  lambda f: Neuron(2, "relu", fused=f)])  # fmt: skip
def test_a_model_pickles_and_copies_and_computes_the_same(make, fused):
    model = make(fused)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert repr(twin) == repr(model) and twin.state_dict() == model.state_dict()
        assert not set(twin.parameters()) & set(model.parameters())
        out, twin_out = model([0.5, -1.0]), twin([0.5, -1.0])
        assert [o.data for o in _list(out)] == [o.data for o in _list(twin_out)]


def _list(out):
    return out if isinstance(out, list) else [out]


def test_a_graph_pickles_with_the_model_whose_parameters_it_reads():
    model = MLP(2, [3, 1], fused=True)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.label = "loss"
    twin_loss, twin_model = pickle.loads(pickle.dumps([loss, model]))
    loss.backward()
    twin_loss.backward()
    assert twin_loss.label == "loss" and twin_loss.data == loss.data
    assert [p.grad for p in twin_model.parameters()] == [p.grad for p in model.parameters()]


@pytest.mark.parametrize("save", [lambda v: pickle.loads(pickle.dumps(v)), copy.deepcopy])
def test_a_chain_of_a_hundred_thousand_values_pickles_and_copies(save):
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    twin = save(y)
    assert twin.data == y.data
    twin.backward()
    y.backward()
    assert topological_order(twin)[0].grad == x.grad


def test_a_node_with_a_hand_written_backward_says_why_it_cannot_be_pickled():
    x = Value(1.0)
    out = Value(2.0, (x,), "by_hand")
    out._backward = lambda: None
    with pytest.raises(TypeError, match="hand-written _backward.*minigrad.operation"):
        pickle.dumps(out)


def test_two_threads_pickling_at_once_each_list_their_graph_once(monkeypatch):
    """Each thread keeps its own list of the nodes being saved: one walk per graph, not one per
    node (which made two 1,500-node chains take 21 s, and 5,000-node chains never finish)."""
    from minigrad import copying

    both_started = threading.Barrier(2, timeout=60)
    walks = []
    real_walk = copying._walk

    def walk_once_both_threads_are_saving(root):
        walks.append(root)
        result = real_walk(root)
        if len(walks) <= 2:
            both_started.wait()  # each thread has walked its graph before either saves a node
        return result

    monkeypatch.setattr(copying, "_walk", walk_once_both_threads_are_saving)
    chains = []
    for start in (1.0, 2.0):
        y = Value(start)
        for _ in range(1_500):
            y = y * 1.0 + 0.0
        chains.append(y)
    copies = [None, None]

    def save(i):
        copies[i] = pickle.loads(pickle.dumps(chains[i]))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [c.data for c in copies] == [1.0, 2.0]
    assert len(walks) == 2


# pickle.dumps([loss, fused, plain, x]), zlib-compressed, made by the version whose engine.py still
# held the pickling code: there, with manual_seed(1), fused = MLP(1, [2, 1], fused=True),
# plain = Neuron(1), x = Value(0.5, label="x"), loss = (fused([x]) - plain([x])) ** 2 (labelled
# "loss"), then loss.backward(). Its file names functions of minigrad.engine that have moved.
PICKLED_BY_AN_EARLIER_VERSION = """
eNptVFtM01AYZlyGIMvM4gUiJhoNGV4mRE2IEqYJWhWcKCZGvJRWyv6G2WEvDPGCU0EuR4VQntQHfSKKRjHRKAlVHgwP
Ro3wqDjFGw8aoomGaIzntHQrkz60Pf2/7/u//qdfTyd3b09J0I+Dqhs5j/AC7xeZKg8n+HmBU5GTFjlJDopcFV3HBBRO
7VLdlPdDpnMktP4E5Z0wuCg5EJQkFWxoDh2s5URG5oMCLTBHuCpMQInLl6tN6m4Vt8CQ7JikBAy58EKtIku0EKya0h/Z
u2fo5MJOSmvTBr6+KvOhBKKdQZfr+D1KbYAAIQlDI4YDSvvS+cFR/PI7stWrYAeH0U/G51y2CXcPq+AkBO1zdddZcXMR
pdVnJNUMeHahWaV5Hl+eJ5Sngstk6NKfCivu16RNUFrLFDLVQLIWYLMhbUcZMiOAOzT4oH4Fm6u/LQFABu74TH70vGb4
KqUNNh5b4GrZAA7INMx4I+9uT4SLcijtbrfwYm+6wzCT/78Z7e2+j98W2bZS2pMpZKqBnMFMjtnZO/yr3Xfj3DrKO7m/
/Thb1Ic7O8EN65qtAznT19NweMlpyvsm62KD4/Ym7CF/xoFoD1/7rj3txwMZqej39FJbo8j8+NEN+6vtrs9AeX+O9YXO
997EbvPjR3fe6paQXjUcDd/6M0RpP8LL7gxdr8du7chmfjpR2HsTNmbAUOJ0p/OaVcNu5PHvy5siBXF6K+L0tPG/aw9k
jl6JwpDN6hJ2mnKjWntP1uRqSosN046SybZbFSuaDLh33EBZZ4+7r7JitwGHxTn9PkBIGxPMr3nwXkHa3C2nMMmyuyya
HQ2oIKgoaUdpGc5Bblg9icNrDzDHOFHSUyajlFKyMqsoVeAUMSiYVbtPX8bIyTRzWFZxZTa54ev0BJOMVRK/KKVakXCW
W1B6LN946zBN4AW1xIZsIawM2Qzsh8VYo5YRcfhlYgeWovl0iOP9gCPOC9aSzlBYOGOYgCZohbYWaIccQCU2uIDrK4li
HlyCNdChLxWWk1g4oTOgET+akZxIyG4ohI0c5hdjPkX4xhOFZSSWg2aoRC46qMj452N9aaiMt9Q6zVI5sXQISzqhHA5N
RalDL2DiPM7zDyXZKro=
"""


def test_values_and_models_pickled_by_an_earlier_version_still_load():
    saved = zlib.decompress(base64.b64decode(PICKLED_BY_AN_EARLIER_VERSION))
    loss, fused, plain, x = pickle.loads(saved)
    assert loss.label == "loss" and loss.data == 0.6279372358056459
    assert x.label == "x" and x.grad == -0.767808938899661
    again = (fused([x]) - plain([x])) ** 2
    assert again.data == loss.data
    inputs = [x, *fused.parameters(), *plain.parameters()]
    assert grad(loss, inputs) == grad(again, inputs)
