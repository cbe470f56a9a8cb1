"""Benchmarks of Between Sessions (not installed with the package; run from the checkout).

`between bench --size ci|tenth|county|state` runs them all on SQLite and PostgreSQL (bench/cli.py,
one bench/suite.py process per database); `python -m bench.dashboard`, `bench.imports` and
`bench.detector` run one benchmark alone.
"""
