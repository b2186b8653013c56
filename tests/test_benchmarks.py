"""A smoke run of the benchmarks at tiny sizes: every workload runs, every engine agrees with the
hand-written floor, and the results file has the documented shape. No test looks at a time."""

import json
import statistics

import pytest

from benchmarks import __main__ as bench
from benchmarks import w1_training_step, w2_chain, w3_memory, w4_seed_example
from benchmarks.data import initial_weights, make_moons
from benchmarks.harness import (
    DisagreementError,
    assert_close,
    paired_ratio,
    time_back_to_back,
    time_interleaved,
)

ENGINES = ["floor", "minigrad", "micrograd", "torch 0-d", "torch batched"]


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "results" / "latest.json"
    assert bench.main(["--quick", "--output", str(output)]) == 0
    return json.loads(output.read_text(encoding="utf-8"))


def test_quick_run_reports_the_machine(quick_results):
    machine = quick_results["machine"]
    for key in ("cpu", "cores", "python", "gc_enabled", "torch_version", "micrograd_version"):
        assert key in machine
    assert machine["gc_enabled"] is True  # timed with the collector on, as a user runs


def test_quick_run_times_every_engine_on_the_training_workloads(quick_results):
    for key, extra in (("W1", ["minigrad (Value inputs)"]), ("W4", [])):
        engines = quick_results["workloads"][key]["engines"]
        assert sorted(engines) == sorted(ENGINES + extra)
        for name, result in engines.items():
            if "skipped" not in result:
                assert result["median_s"] > 0, (key, name)
                assert len(result["times_s"]) == quick_results["config"][f"{key.lower()}_repeats"]


def test_quick_run_splits_minigrads_training_step_into_its_phases(quick_results):
    phases = quick_results["workloads"]["W1"]["minigrad_phases_as_shares_of_its_step"]
    steps = ["forward", "loss", "backward", "update"]
    assert list(phases) == steps
    assert all(set(phases[step]) == {"share", "collector"} for step in steps)
    assert all(phases[step]["share"] > 0 for step in steps)
    assert 0.5 < sum(phases[step]["share"] for step in steps) < 1.5  # medians of parts, ≈ whole
    assert all(0 <= phases[step]["collector"] <= phases[step]["share"] for step in steps)


def test_quick_run_times_the_chain_at_every_length(quick_results):
    w2 = quick_results["workloads"]["W2"]
    minigrad = w2["engines"]["minigrad"]
    assert list(minigrad) == [str(n) for n in w2["lengths"]]
    for result in minigrad.values():
        assert result["per_step_s"] > 0
        assert "note" not in result  # runs at the default recursion limit
    assert "skipped" in w2["engines"]["torch batched"][str(w2["lengths"][0])]


def test_quick_run_measures_bytes_per_node(quick_results):
    w3 = quick_results["workloads"]["W3"]
    assert w3["nodes"] == 4 * quick_results["config"]["w3_pairs"] + 1
    assert w3["engines"]["minigrad"]["bytes_per_node"] > 0
    assert w3["engines"]["minigrad"]["peak_bytes"] > 0


def test_resident_memory_is_measured_in_a_fresh_process():
    growth = w3_memory._resident_growth("minigrad", pairs=5000, seed=0)
    if growth is None:
        pytest.skip("no /proc/self/statm here")
    assert 50 < growth / 20_001 < 1000  # bytes per node: a plausible size, from a real build


def test_quick_run_checks_every_target(quick_results):
    targets = quick_results["targets"]
    assert any(name.startswith("W1 minigrad (Value inputs)") for name in targets)
    assert "W3 minigrad: bytes per node" in targets
    assert "W2 minigrad: time per step at n = 20 ÷ at n = 10" in targets  # the two longest
    for target in targets.values():
        assert set(target) == {"measured", "bound", "met"}


def test_micrograd_is_compared_when_installed(quick_results):
    pytest.importorskip("micrograd")
    for key in ("W1", "W4"):
        assert "skipped" not in quick_results["workloads"][key]["engines"]["micrograd"]


def test_report_prints_a_table_row_per_engine(quick_results):
    report = bench.format_report(quick_results)
    for name in ENGINES:
        assert f"| {name} |" in report
    assert "Targets:" in report


def test_a_wrong_gradient_stops_the_run_before_timing(monkeypatch):
    def off_by_a_little(self):
        grads = list(self.model.parameters())
        return [p.grad + (1e-6 if i == 3 else 0.0) for i, p in enumerate(grads)]

    monkeypatch.setattr(w1_training_step.ScalarTrainer, "gradients", off_by_a_little)
    with pytest.raises(DisagreementError, match=r"minigrad: gradients\[3\]"):
        w1_training_step.run(points=4, repeats=1, back_to_back_rounds=1, back_to_back_steps=1)


def test_a_wrong_chain_gradient_is_caught(monkeypatch):
    def wrong_chain(n):
        values, forward, backward = w2_chain.floor_chain(n)
        return [values[0], values[1] * 1.001, values[2], values[3]], forward, backward

    monkeypatch.setattr(
        w2_chain, "engines", lambda: {"floor": (w2_chain.floor_chain, ""), "x": (wrong_chain, "")}
    )
    with pytest.raises(DisagreementError, match=r"x: chain of 5\[1\]"):
        w2_chain.run([5], repeats=1, scalar_engine_limit=5)


def test_a_wrong_final_loss_in_the_seed_example_is_caught(monkeypatch):
    original = w4_seed_example.ScalarTrainer.train
    monkeypatch.setattr(
        w4_seed_example.ScalarTrainer, "train", lambda self, steps: original(self, steps) + 1e-6
    )
    with pytest.raises(DisagreementError, match="final loss"):
        w4_seed_example.run(steps=2, repeats=1)


def test_close_numbers_agree_and_far_ones_do_not():
    assert_close("x", "engine", [1.0 + 1e-12, 1e-13], [1.0, 0.0], 1e-9)
    with pytest.raises(DisagreementError, match="has 1 numbers, the reference has 2"):
        assert_close("x", "engine", [1.0], [1.0, 2.0], 1e-9)
    with pytest.raises(DisagreementError, match=r"x\[0\] is 1.1"):
        assert_close("x", "engine", [1.1], [1.0], 1e-9)


def test_timing_runs_every_engine_once_per_round():
    calls = []
    timings = time_interleaved(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3
    )
    assert calls == ["a", "b"] * 3
    assert len(timings["a"].times) == len(timings["b"].times) == 3
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        time_interleaved({"a": lambda: None}, repeats=0)


def test_back_to_back_timing_runs_each_engine_in_blocks_after_an_untimed_call():
    calls = []
    timings = time_back_to_back(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, rounds=2, steps=3
    )
    assert calls == (["a"] * 4 + ["b"] * 4) * 2
    assert len(timings["a"].times) == len(timings["b"].times) == 6
    with pytest.raises(ValueError, match="at least 1"):
        time_back_to_back({"a": lambda: None}, rounds=1, steps=0)


def test_ratios_are_taken_round_by_round_so_a_slow_moment_slows_both_sides():
    # the machine is slow (×1.6) in rounds 2, 4 and 5 for the floor, but only in rounds 4 and 5
    # for the engine (it sped up before the engine's turn in round 2): the ratio of the medians
    # sets a slow floor against a fast engine; round by round, the engine is 2× the floor
    floor = [5.0, 8.0, 5.0, 8.0, 8.0]
    engine = [10.0, 10.0, 10.0, 16.0, 16.0]
    assert statistics.median(engine) / statistics.median(floor) == pytest.approx(1.25)
    assert paired_ratio(engine, floor) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="as many times each"):
        paired_ratio([1.0], [1.0, 2.0])


def test_timing_calls_each_runs_before_function_ahead_of_every_call():
    calls = []
    runs = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    before = {"a": lambda: calls.append("restart a")}  # b has none
    time_interleaved(runs, repeats=2, before=before)
    assert calls == ["restart a", "a", "b"] * 2
    calls.clear()
    time_back_to_back(runs, rounds=1, steps=2, before=before)
    assert calls == ["restart a", "a"] * 3 + ["b"] * 3


def test_every_training_step_timed_is_the_first_step_again():
    weights, xs, ys = w1_training_step.problem(points=6)
    for name, trainer in w1_training_step.trainers(weights, xs, ys).items():
        if isinstance(trainer, dict):
            continue  # skipped: not installed
        first_loss, first_gradients = trainer.step(), trainer.gradients()
        second_loss = trainer.step()  # from the updated weights: another loss
        assert second_loss != pytest.approx(first_loss, rel=1e-6, abs=0.0), name
        trainer.restart()
        assert trainer.step() == pytest.approx(first_loss, rel=1e-12, abs=0.0), name
        assert trainer.gradients() == pytest.approx(first_gradients, rel=1e-12, abs=1e-15), name


def test_quick_run_times_the_training_step_back_to_back_too(quick_results):
    config = quick_results["config"]
    engines = quick_results["workloads"]["W1"]["back_to_back"]["engines"]
    assert sorted(engines) == sorted([*ENGINES, "minigrad (Value inputs)"])
    for result in engines.values():
        if "skipped" not in result:
            assert len(result["times_s"]) == (
                config["w1_back_to_back_rounds"] * config["w1_back_to_back_steps"]
            )
    assert any("back to back" in name for name in quick_results["targets"])


def test_moons_are_two_balanced_labelled_halves():
    points, labels = make_moons(9, seed=3)
    assert len(points) == 9 and all(len(p) == 2 for p in points)
    assert labels.count(-1.0) == 4 and labels.count(1.0) == 5
    assert make_moons(9, seed=3) == (points, labels)  # seeded: identical every time
    with pytest.raises(ValueError, match="at least 2 points"):
        make_moons(1)


def test_initial_weights_have_one_row_per_neuron():
    weights = initial_weights(2, [3, 1], seed=0, zero_bias=True)
    assert [len(layer) for layer in weights] == [3, 1]
    assert all(len(w) == 2 and b == 0.0 for w, b in weights[0])
    assert all(-1.0 <= v <= 1.0 for layer in weights for w, _ in layer for v in w)


def test_instruction_counting_takes_the_difference_of_two_runs_per_step(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from benchmarks import instructions

    counted = []

    def fake_count(engine, steps, *options):
        counted.append((engine, steps, *options))
        # set-up, 20 a restart of the weights, and 300 a step unless the steps are left out
        return 1_000_000 + 20 * steps + (0 if "--set-up-only" in options else 300 * steps)

    monkeypatch.setattr(instructions, "instructions", fake_count)
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert instructions.per_step("floor", 4, pool) == 300
    assert sorted(counted) == [("floor", 4), ("floor", 4, "--set-up-only")]


@pytest.mark.parametrize("engine", ["floor", "minigrad", "minigrad (Value inputs)"])
def test_the_counted_child_process_runs_each_engines_steps_and_unfreezes_the_heap(engine):
    import gc

    from benchmarks import instructions

    assert instructions.main(["--child", engine, "1"]) == 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert instructions.main(["--child", engine, "1", "--set-up-only"]) == 0


@pytest.mark.parametrize("phase", ["forward", "loss", "backward"])
def test_the_counted_child_can_stop_minigrads_step_after_a_phase(phase):
    from benchmarks import instructions

    assert instructions.main(["--child", "minigrad", "1", "--until", phase]) == 0
    assert instructions.main(["--child", "minigrad", "1", "--no-collector"]) == 0


def test_the_counted_child_refuses_an_unknown_engine():
    from benchmarks import instructions

    with pytest.raises(SystemExit):
        instructions.main(["--child", "mikrograd", "1"])


def test_phase_counts_are_differences_of_cut_short_steps_in_floors(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from benchmarks import instructions

    # set-up 1000; the floor's step 100; MiniGrad's step ends its phases at 150, 200, 340 and 350
    # instructions, and takes 310 without the collector
    minigrad = {("--until", "forward"): 150, ("--until", "loss"): 200, ("--until", "backward"): 340}
    minigrad |= {(): 350, ("--no-collector",): 310}

    def fake_count(engine, steps, *options):
        if options[-1:] == ("--set-up-only",):
            return 1000 + 20 * steps
        step = 100 if engine == "floor" else minigrad[options]
        return 1000 + (20 + step) * steps

    monkeypatch.setattr(instructions, "instructions", fake_count)
    with ThreadPoolExecutor(max_workers=2) as pool:
        floors = instructions.phases(pool)
    assert floors == pytest.approx(
        {
            "forward": 1.5,
            "loss": 0.5,
            "backward": 1.4,
            "update": 0.1,
            "whole step": 3.5,
            "of which the collector": 0.4,
        }
    )


def test_counting_instructions_without_valgrind_says_what_to_install(monkeypatch, capsys):
    from benchmarks import instructions

    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    assert instructions.main([]) == 1
    assert "apt-get install valgrind" in capsys.readouterr().err


def test_quick_run_times_the_tensor_step_against_the_floor_and_torch(quick_results):
    for key in ("W5", "W6"):
        workload = quick_results["workloads"][key]
        engines = workload["engines"]
        expected = ["floor (NumPy by hand)", "minigrad Tensor", "torch (1 thread)"]
        if key == "W5":
            expected.append("minigrad scalar MLP")  # the scalar engine on W5 only
        assert sorted(engines) == sorted(expected)
        assert all(result["median_s"] > 0 for result in engines.values())
        # forward: linear, activation, linear, cross-entropy; backward: 3 + 1 + 2 (no x) + 1 rules;
        # updates: 4
        assert workload["minigrad_operations_per_step"]["total"] == 15
        assert f"{key} minigrad Tensor: × the floor's time" in quick_results["targets"]


def test_quick_run_times_the_torch_spelling_and_trains_the_names_demo_with_both(quick_results):
    for key in ("W5", "W6"):
        engines = quick_results["workloads"]["W7a"][key]["engines"]
        assert sorted(engines) == ["minigrad.Tensor", "minigrad.torch"]
        assert f"W7a {key} minigrad.torch: × minigrad.Tensor's time" in quick_results["targets"]
    names = quick_results["workloads"]["W7b"]
    assert sorted(names["engines"]) == ["minigrad (minigrad.torch)", "torch (1 thread)"]
    assert names["val_loss_difference"] < 1e-4  # 20 steps: float32 apart, no more
    assert "| torch (1 thread) | " in bench.format_report(quick_results)


def test_a_wrong_tensor_update_is_caught_before_timing(monkeypatch):
    from benchmarks import w5_w6_tensor_step as w

    monkeypatch.setattr(w, "LEARNING_RATE", 0.01)
    original = w.minigrad_step

    def with_a_wrong_learning_rate(problem):
        w.LEARNING_RATE = 0.02  # the second step's loss then differs from the floor's
        try:
            return original(problem)
        finally:
            w.LEARNING_RATE = 0.01

    monkeypatch.setattr(w, "minigrad_step", with_a_wrong_learning_rate)
    with pytest.raises(DisagreementError, match="minigrad Tensor: the loss at step 2 of W5"):
        w.run(w.Problem("W5", (64, 64, 10), 128, "tanh"), 1, 1, None)


def test_the_engines_stay_within_their_budgets_of_code_lines():
    from benchmarks.code_lines import engine_sizes

    for name, size in engine_sizes().items():
        assert size["code_lines"] <= size["budget"], (
            f"{name} has {size['code_lines']} code lines, over its budget of {size['budget']}: "
            "move machinery that is not the lesson into a module named for it"
        )


def test_code_lines_leave_out_blank_lines_comments_and_docstrings():
    from benchmarks.code_lines import code_lines

    source = (
        '"""Module."""\n\n# a comment\ndef f(x):\n'
        '    """f(x) = x\n\n    more\n    """\n    return x  # kept\n'
    )
    assert code_lines(source) == 2  # def f(x): and return x


def test_w5_instruction_count_takes_real_training_steps():
    """The step callgrind counts is W5's training step: its loss falls as it steps."""
    from benchmarks.w5_instructions import steps_in_child

    assert steps_in_child(30) < steps_in_child(0)


def test_quick_run_measures_the_peak_memory_of_both_engines_on_the_deep_mlp(quick_results):
    w8 = quick_results["workloads"]["W8"]
    if "skipped" in w8:
        pytest.skip(w8["skipped"])
    minigrad, torch = w8["engines"]["minigrad Tensor"], w8["engines"]["torch (1 thread)"]
    assert minigrad["tracemalloc_peak_bytes"] > 0
    assert minigrad["peak_bytes"] >= 0 and torch["peak_bytes"] >= 0
    assert abs(minigrad["loss"] - torch["loss"]) < 1e-4
    assert "W8" in bench.format_report(quick_results)


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_the_lean_engine_takes_the_floors_steps(act):
    from benchmarks.w5_lean_engine import lean_step
    from benchmarks.w5_w6_tensor_step import Problem, floor_step

    problem = Problem("small", (8, 5, 3), 16, act)
    lean, floor = lean_step(problem), floor_step(problem)
    for _ in range(3):
        assert lean() == pytest.approx(floor(), rel=1e-5)


def test_every_knocked_out_minigrad_still_computes_the_step_and_is_timed():
    from benchmarks.w5_lean_engine import run
    from benchmarks.w5_w6_tensor_step import Problem

    rows = run(Problem("small", (8, 5, 3), 16, "tanh"), repeats=1, block=1, knockouts=True)
    names = list(rows["engines"])
    assert names[:3] == ["floor (NumPy by hand)", "lean engine (no checks)", "minigrad Tensor"]
    assert "minigrad Tensor, all of the above" in names and len(names) == 3 + 9
    assert all(row["median_s"] > 0 and row["times_floor"] > 0 for row in rows["engines"].values())


def test_the_four_graph_designs_compute_minigrads_gradients_of_w8s_pass():
    import numpy as np

    from benchmarks.w8_graph_designs import DESIGNS, one_pass_of
    from benchmarks.w8_tensor_memory import _batch, weights
    from minigrad import losses
    from minigrad import tensor_nn as tn
    from minigrad.tensor import Tensor

    layers, width, batch = 3, 6, 5
    modules = []
    for w, b in weights(layers, width):
        linear = tn.Linear(*w.shape)
        linear.weight.data, linear.bias.data = w, b
        modules += [linear, tn.Tanh()]
    x, classes = _batch(width, batch)
    loss = losses.cross_entropy(tn.Sequential(*modules[:-1])(Tensor(x)), classes)
    loss.backward()
    expected = [p.grad for m in modules[::2] for p in (m.weight, m.bias)]
    for design in DESIGNS:
        one_pass, leaves = one_pass_of(design, layers, width, batch)
        assert one_pass() == pytest.approx(loss.item(), rel=1e-6)
        for leaf, gradient in zip(leaves, expected, strict=True):
            np.testing.assert_allclose(leaf.grad, gradient, rtol=1e-5, atol=1e-7)


def test_the_graph_designs_are_measured_in_fresh_processes():
    from benchmarks.w8_graph_designs import DESIGNS, run

    result = run(layers=2, width=16, batch=8, repeats=1)
    if "skipped" in result:
        pytest.skip(result["skipped"])
    assert list(result["designs"]) == list(DESIGNS)
    assert all(d["peak_bytes"] >= 0 for d in result["designs"].values())
