"""MiniGrad against micrograd, PyTorch and hand-written plain floats, in one process.

Run with ``make bench`` or ``python -m benchmarks``; see benchmarks/README.md for what each
workload measures and the latest results.
"""
