"""``python -m bench``: run the benchmark scenarios against a production-like server."""

from bench.cli import main

raise SystemExit(main())
