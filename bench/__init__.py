"""Benchmark harness: the load runner (``python -m bench``), its scenarios and the data generator.

Also a small Django app: the bench-only views (routed only when ``BENCH_VIEWS`` is on)
and the ``bench_data`` management command. Nothing in the product imports from here.
"""
