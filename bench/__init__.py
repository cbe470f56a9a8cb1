"""Benchmarks of Between Sessions (not installed with the package; run from the checkout).

`python -m bench.dashboard` times a program dashboard against a synthetic county.
"""
