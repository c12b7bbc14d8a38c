"""The benchmarks: each prints its figures and is run from the repository root as a module,
``python -m bench.NAME [--help]``. What they share (model builder, article generator, timed
runner) is in :mod:`bench.common`. They are not tests: ``make test`` never times anything."""
