"""Run every workload in this one process, print the tables and write the results as JSON.

python -m benchmarks                 # the full run (about two minutes)
python -m benchmarks --quick         # tiny sizes: checks that everything runs and agrees
python -m benchmarks --output PATH   # somewhere other than benchmarks/results/latest.json
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks import (
    w1_training_step,
    w2_chain,
    w3_memory,
    w4_seed_example,
    w5_w6_tensor_step,
    w7_makemore,
    w8_tensor_memory,
)
from benchmarks.code_lines import engine_sizes
from benchmarks.harness import (
    machine_info,
    paired_ratio,
    prepare_process,
    write_json_atomically,
)

FULL: dict[str, Any] = {
    "w1_points": 100,
    "w1_repeats": 11,
    "w1_back_to_back_rounds": 4,
    "w1_back_to_back_steps": 2,
    "w2_lengths": [10**3, 10**5, 10**6],
    "w2_repeats": 3,
    "w2_scalar_engine_limit": 10**5,
    "w3_pairs": 25_000,
    "w3_resident_memory": True,
    "w4_steps": 100,
    "w4_repeats": 5,
    "w5_w6_repeats": 21,
    "w5_w6_block": 20,
    "w5_scalar_repeats": 3,
    "w7_names_steps": 30_000,
    "w8_sizes": [20, 1024, 1024],  # layers, width, batch
    "w8_repeats": 3,
}
QUICK: dict[str, Any] = {
    "w1_points": 5,
    "w1_repeats": 1,
    "w1_back_to_back_rounds": 1,
    "w1_back_to_back_steps": 2,
    "w2_lengths": [10, 20],
    "w2_repeats": 1,
    "w2_scalar_engine_limit": 10,
    "w3_pairs": 50,
    "w3_resident_memory": False,  # a fresh process per engine: seconds just to import torch
    "w4_steps": 3,
    "w4_repeats": 1,
    "w5_w6_repeats": 1,
    "w5_w6_block": 1,
    "w5_scalar_repeats": 1,
    "w7_names_steps": 20,
    "w8_sizes": [2, 16, 8],
    "w8_repeats": 1,
}
DEFAULT_OUTPUT = Path(__file__).parent / "results" / "latest.json"

# The targets of issue 6, checked (never asserted) on every run.
W1_SPEEDUP_OVER_MICROGRAD = 50.0
W1_MAX_TIMES_FLOOR = 3.0
MAX_BYTES_PER_NODE = 150.0
# Linear time: the time per step at the longest chain ÷ at the next longest (10⁶ and 10⁵ steps).
# The shortest chain is left out: its graph fits in the CPU's caches, so each step is cheaper.
W2_MAX_PER_STEP_GROWTH = 1.5
# The Tensor engine's step, at most this many times the hand-written NumPy step's time (the floor
# shifts each row of logits by its own largest, as MiniGrad's cross-entropy does).
W5_MAX_TIMES_FLOOR = 1.2
W6_MAX_TIMES_FLOOR = 1.1
# The peak memory of a forward and backward pass through a deep MLP, at most this many times
# PyTorch's.
W8_MAX_TIMES_TORCH = 1.1


def run_all(config: dict[str, Any]) -> dict[str, Any]:
    """Every workload at the sizes in ``config``; raises DisagreementError if engines disagree."""
    prepare_process()
    try:
        workloads = {
            "W1": w1_training_step.run(
                config["w1_points"],
                config["w1_repeats"],
                config["w1_back_to_back_rounds"],
                config["w1_back_to_back_steps"],
            ),
            "W2": w2_chain.run(
                config["w2_lengths"], config["w2_repeats"], config["w2_scalar_engine_limit"]
            ),
            "W3": w3_memory.run(config["w3_pairs"], config["w3_resident_memory"]),
            "W4": w4_seed_example.run(config["w4_steps"], config["w4_repeats"]),
            "W5": w5_w6_tensor_step.run(
                w5_w6_tensor_step.Problem("W5", (64, 64, 10), 128, "tanh"),
                config["w5_w6_repeats"],
                config["w5_w6_block"],
                config["w5_scalar_repeats"],
            ),
            "W6": w5_w6_tensor_step.run(
                w5_w6_tensor_step.Problem("W6", (784, 128, 10), 256, "relu"),
                config["w5_w6_repeats"],
                config["w5_w6_block"],
                None,
            ),
            "W8": w8_tensor_memory.run(*config["w8_sizes"], repeats=config["w8_repeats"]),
        }
        workloads["W7a"] = {
            key: w7_makemore.run_spelling(
                w5_w6_tensor_step.Problem(key, sizes, batch, act),
                config["w5_w6_repeats"],
                config["w5_w6_block"],
            )
            for key, sizes, batch, act in (
                ("W5", (64, 64, 10), 128, "tanh"), ("W6", (784, 128, 10), 256, "relu")
            )
        }
        workloads["W7b"] = w7_makemore.run_names(config["w7_names_steps"])
    finally:
        gc.unfreeze()
    sizes = engine_sizes()
    return {
        "machine": machine_info(),
        "config": config,
        "workloads": workloads,
        "code_lines": sizes,
        "targets": {**check_targets(workloads), **_size_targets(sizes)},
    }


def check_targets(workloads: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of issue 6: the measured number, the bound, and whether it was met."""
    targets: dict[str, dict[str, Any]] = {}
    for timing, w1 in (
        ("from a collected heap", workloads["W1"]["engines"]),
        ("back to back", workloads["W1"]["back_to_back"]["engines"]),
    ):
        for name in ("minigrad", "minigrad (Value inputs)"):
            mine = w1[name]["times_s"]
            if "times_s" in w1["micrograd"]:
                speedup = paired_ratio(w1["micrograd"]["times_s"], mine)
                targets[f"W1 {name}, {timing}: × faster than micrograd"] = _target(
                    speedup,
                    f">= {W1_SPEEDUP_OVER_MICROGRAD:g}",
                    speedup >= W1_SPEEDUP_OVER_MICROGRAD,
                )
            times_floor = paired_ratio(mine, w1["floor"]["times_s"])
            targets[f"W1 {name}, {timing}: × the floor's time"] = _target(
                times_floor, f"<= {W1_MAX_TIMES_FLOOR:g}", times_floor <= W1_MAX_TIMES_FLOOR
            )
    bytes_per_node = workloads["W3"]["engines"]["minigrad"]["bytes_per_node"]
    targets["W3 minigrad: bytes per node"] = _target(
        bytes_per_node, f"<= {MAX_BYTES_PER_NODE:g}", bytes_per_node <= MAX_BYTES_PER_NODE
    )
    by_length = workloads["W2"]["engines"]["minigrad"]
    shorter, longest = sorted(by_length, key=int)[-2:]
    growth = by_length[longest]["per_step_s"] / by_length[shorter]["per_step_s"]
    targets[f"W2 minigrad: time per step at n = {longest} ÷ at n = {shorter}"] = _target(
        growth, f"<= {W2_MAX_PER_STEP_GROWTH:g} (linear)", growth <= W2_MAX_PER_STEP_GROWTH
    )
    for key, bound in (("W5", W5_MAX_TIMES_FLOOR), ("W6", W6_MAX_TIMES_FLOOR)):
        times_floor = workloads[key]["minigrad_times_floor"]
        targets[f"{key} minigrad Tensor: × the floor's time"] = _target(
            times_floor, f"<= {bound:g}", times_floor <= bound
        )
    times_torch = workloads["W8"].get("minigrad_times_torch")
    if times_torch is not None:
        targets["W8 minigrad Tensor: peak memory × PyTorch's"] = _target(
            times_torch, f"<= {W8_MAX_TIMES_TORCH:g}", times_torch <= W8_MAX_TIMES_TORCH
        )
    for key, workload in workloads["W7a"].items():
        ratio = workload["torch_spelling_times_tensor"]
        bound = w7_makemore.MAX_TORCH_SPELLING_OVERHEAD
        targets[f"W7a {key} minigrad.torch: × minigrad.Tensor's time"] = _target(
            ratio, f"<= {bound:g}", ratio <= bound
        )
    if "val_loss_difference" in workloads["W7b"]:
        difference = workloads["W7b"]["val_loss_difference"]
        bound = w7_makemore.MAX_NAMES_VAL_LOSS_DIFFERENCE
        targets["W7b names: |val loss, MiniGrad - PyTorch|"] = _target(
            difference, f"<= {bound:g}", difference <= bound
        )
    return targets


def _size_targets(sizes: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    """Each engine file within its budget of code lines (see benchmarks/code_lines.py)."""
    return {
        f"{name}: code lines (no blank, comment or docstring lines)": _target(
            size["code_lines"], f"<= {size['budget']}", size["code_lines"] <= size["budget"]
        )
        for name, size in sizes.items()
    }


def _target(measured: float, bound: str, met: bool) -> dict[str, Any]:
    return {"measured": measured, "bound": bound, "met": met}


# ---------------------------------------------------------------------------------------------
# Tables (Markdown, so they can be pasted into the README as they are)
# ---------------------------------------------------------------------------------------------


def format_report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}, "
        f"{m['platform']}; torch {m['torch_version']}, micrograd {m['micrograd_version']}; "
        f"MiniGrad {m['minigrad_commit']}; {m['date_utc']} UTC",
        "",
    ]
    w = results["workloads"]
    lines += _timing_table("W1", w["W1"])
    lines += _timing_table("W1 back to back", w["W1"]["back_to_back"])
    lines += _phases_line(w["W1"]["minigrad_phases_as_shares_of_its_step"])
    lines += _chain_table(w["W2"])
    lines += _memory_table(w["W3"])
    lines += _timing_table("W4", w["W4"])
    lines += _tensor_table(w["W5"])
    lines += _tensor_table(w["W6"])
    lines += w7_makemore.format_tables(w["W7a"], w["W7b"])
    lines += _tensor_memory_table(w["W8"])
    lines += ["Code lines a learner reads (no blank, comment or docstring lines):", ""]
    for name, size in results["code_lines"].items():
        lines.append(f"- {name}: {size['code_lines']} (budget {size['budget']})")
    lines += ["", "Targets:", ""]
    for name, target in results["targets"].items():
        verdict = "met" if target["met"] else "MISSED"
        lines.append(f"- {name}: {target['measured']:.3g} (target {target['bound']}): {verdict}")
    return "\n".join(lines)


def _timing_table(key: str, workload: dict[str, Any]) -> list[str]:
    """Medians, and ratios as medians of the ratios round by round (see harness.paired_ratio)."""
    engines = workload["engines"]
    micrograd = engines["micrograd"].get("times_s")
    floor = engines["floor"]["times_s"]
    lines = [
        f"{key}: {workload['description']} (median of {len(floor)}; ratios: medians of the "
        "ratios round by round)",
        "",
        "| engine | median | × faster than micrograd | × the floor's time |",
        "|---|---:|---:|---:|",
    ]
    for name, result in engines.items():
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} | | |")
            continue
        times = result["times_s"]
        speedup = f"{paired_ratio(micrograd, times):.1f}" if micrograd else "n/a"
        times_floor = paired_ratio(times, floor)
        lines.append(f"| {name} | {_seconds(result['median_s'])} | {speedup} | {times_floor:.2f} |")
    return [*lines, ""]


def _tensor_table(workload: dict[str, Any]) -> list[str]:
    """Per-step medians and ratios to the floor and to PyTorch, round by round."""
    engines = workload["engines"]
    floor = engines["floor (NumPy by hand)"]["times_s"]
    torch_times = engines.get("torch (1 thread)", {}).get("times_s")
    lines = [
        f"{workload['description']} (per step, median of {len(floor)} blocks)",
        "",
        "| engine | per step | × the floor's time | × faster than torch |",
        "|---|---:|---:|---:|",
    ]
    for name, result in engines.items():
        times = result["times_s"]
        paired = len(times) == len(floor)
        times_floor = (
            f"{paired_ratio(times, floor):.2f}"
            if paired
            else f"{result['median_s'] / statistics.median(floor):.0f}"
        )
        faster = f"{paired_ratio(torch_times, times):.2f}" if torch_times and paired else "n/a"
        lines.append(f"| {name} | {_seconds(result['median_s'])} | {times_floor} | {faster} |")
    ops = workload["minigrad_operations_per_step"]
    lines.append("")
    lines.append(
        f"- MiniGrad's step runs {ops['forward']} forward operations, {ops['backward']} backward "
        f"rules and {ops['updates']} updates; beyond the floor's time it spends "
        f"{_seconds(workload['minigrad_overhead_per_operation_s'])} per operation"
    )
    return [*lines, ""]


def _tensor_memory_table(workload: dict[str, Any]) -> list[str]:
    lines = [workload["description"], ""]
    if "skipped" in workload:
        return [*lines, f"- skipped: {workload['skipped']}", ""]
    lines += [
        "| engine | peak (resident) | tracemalloc peak | × PyTorch's |",
        "|---|---:|---:|---:|",
    ]
    torch_peak = workload["engines"]["torch (1 thread)"].get("peak_bytes")
    for name, result in workload["engines"].items():
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} | | |")
            continue
        traced = result.get("tracemalloc_peak_bytes")
        ratio = f"{result['peak_bytes'] / torch_peak:.2f}" if torch_peak else "n/a"
        lines.append(
            f"| {name} | {result['peak_bytes'] / 1e6:.1f} MB | "
            f"{'n/a' if traced is None else f'{traced / 1e6:.1f} MB'} | {ratio} |"
        )
    return [*lines, ""]


def _phases_line(phases: dict[str, dict[str, float]]) -> list[str]:
    shares = [
        f"{phase} {part['share']:.0%} (collector {part['collector']:.0%})"
        for phase, part in phases.items()
    ]
    return [f"MiniGrad's step by phase, as shares of the step (medians): {', '.join(shares)}", ""]


def _chain_table(workload: dict[str, Any]) -> list[str]:
    lengths = workload["lengths"]
    header = " | ".join(f"n = {n:,}: total, per step" for n in lengths)
    lines = [
        f"W2: {workload['description']} (median; default recursion limit "
        f"{workload['default_recursion_limit']})",
        "",
        f"| engine | {header} |",
        "|---|" + "---:|" * len(lengths),
    ]
    notes = []
    for name, by_length in workload["engines"].items():
        cells = []
        for n in lengths:
            result = by_length[str(n)]
            if "skipped" in result:
                cells.append("skipped")
                notes.append(f"{name}, n = {n:,}: skipped, {result['skipped']}")
                continue
            cells.append(f"{_seconds(result['median_s'])}, {result['per_step_s'] * 1e6:.2f} µs")
            if "note" in result:
                notes.append(f"{name}, n = {n:,}: {result['note']}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, "", *(f"- {note}" for note in dict.fromkeys(notes)), ""]


def _memory_table(workload: dict[str, Any]) -> list[str]:
    lines = [
        f"W3: {workload['description']}",
        "",
        "| engine | bytes/node | bytes/node after backward | peak | resident growth/node |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, result in workload["engines"].items():
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} | | | |")
            continue
        resident = result["resident_bytes_per_node"]
        lines.append(
            f"| {name} | {result['bytes_per_node']:.0f} | "
            f"{result['bytes_per_node_after_backward']:.0f} | "
            f"{result['peak_bytes'] / 1e6:.1f} MB | "
            f"{'n/a' if resident is None else f'{resident:.0f}'} |"
        )
    return [*lines, "", f"- {workload['note']}", ""]


def _seconds(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON file")
    args = parser.parse_args(argv)
    results = run_all(QUICK if args.quick else FULL)
    print(format_report(results))
    write_json_atomically(results, args.output)
    print(f"\nResults written to {args.output.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
