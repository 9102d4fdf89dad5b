"""What every benchmark shares: a fresh PostgreSQL database, a clock, a table and a JSON file.

Benchmarks are not tests: they print figures. Each runs against its own throw-away database
(`test_tracker_bench` by default; `BENCH_DATABASE=name` makes it `test_name`, for two benchmarks
run at once) so that it never touches development or test data.
"""

import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django() -> None:
    """Configure Django with the test settings on the benchmark database."""
    if os.environ.get("BENCH_DATABASE"):
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{os.environ['BENCH_DATABASE']}"
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create and migrate an empty database for the run, and drop it afterwards."""
    from django.db import connection

    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1], "mean": statistics.fmean(ordered)}


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def report(name: str, rows: list[dict], notes: str = "") -> Path:
    """Print rows as a table and write them, with the notes, to benchmarks/results/<name>.json."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    widths = {c: max(len(c), *(len(fmt(row.get(c))) for row in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-+-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(fmt(row.get(c)).ljust(widths[c]) for c in columns))
    if notes:
        print(notes)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "rows": rows, "notes": notes}, indent=2, default=str))
    print(f"(written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path})")
    return path


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return "" if value is None else str(value)
