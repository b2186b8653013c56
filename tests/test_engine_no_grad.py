"""no_grad(): operations inside record no graph, in this thread only, until the block ends."""

from __future__ import annotations

import threading

import pytest

from minigrad import Value, is_grad_enabled, no_grad


def test_no_grad_records_no_graph():
    x = Value(3.0)
    with no_grad():
        y = x * 2.0 + x.exp() - 1
        assert not is_grad_enabled()
    assert y._prev == () and y._op == ""
    assert y.data == 3.0 * 2.0 + x.exp().data - 1
    y.backward()  # a leaf now: only itself gets a gradient
    assert y.grad == 1.0 and x.grad == 0.0


def test_recording_resumes_after_the_block():
    x = Value(3.0)
    with no_grad():
        pass
    assert is_grad_enabled()
    y = x * x
    assert y._prev == (x, x) and y._op == "*"


def test_no_grad_is_thread_local():
    x = Value(2.0)
    inside, done = threading.Event(), threading.Event()
    recorded = {}

    def other_thread() -> None:
        inside.wait()  # the main thread is inside no_grad now
        recorded["enabled"] = is_grad_enabled()
        recorded["y"] = x * x
        done.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with no_grad():
        inside.set()
        assert done.wait(timeout=30)
        z = x * x
    worker.join()
    assert recorded["enabled"] is True
    assert recorded["y"]._prev == (x, x)
    assert z._prev == ()


def test_no_grad_in_another_thread_leaves_this_one_recording():
    entered, release = threading.Event(), threading.Event()

    def other_thread() -> None:
        with no_grad():
            entered.set()
            release.wait(timeout=30)

    worker = threading.Thread(target=other_thread)
    worker.start()
    assert entered.wait(timeout=30)
    x = Value(1.0)
    y = x + x
    release.set()
    worker.join()
    assert y._prev == (x, x)


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        1 / 0  # noqa: B018
    assert is_grad_enabled()
    assert (Value(1.0) * 2)._prev


def test_no_grad_nests():
    x = Value(1.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # leaving the inner block keeps the outer one's state
        assert (x * 2)._prev == ()
    assert is_grad_enabled()


def test_no_grad_is_for_parameter_updates():
    w = Value(0.5)
    loss = (w * 3.0 - 1.0) ** 2
    loss.backward()
    with no_grad():
        w_new = w - 0.1 * w.grad  # an update that builds nothing
    assert w_new._prev == ()
    assert w_new.data == 0.5 - 0.1 * (2 * (0.5 * 3.0 - 1.0) * 3.0)
