"""The teaching tools: names, drawings, explainers, the step-through page, exercise checks.

No module of the core imports these; they import the core.
"""
