"""Planning: how long recording an event takes, milestones (and their reminders) included.

    .venv/bin/python -m benchmarks.planning [--procedures 1000]

Records the cement injection, a correction of it, the end and the discharge for each of N
procedures, one transaction each as the API and the board do, and reports milliseconds and SQL
queries per procedure for each.
"""

import argparse
import datetime as dt

from benchmarks.harness import Stopwatch, fresh_database, percentiles, report, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=1000)
    args = parser.parse_args()
    setup_django()
    with fresh_database():
        run(args.procedures)


def run(count: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from procedures.models import Patient, Staff, Ward
    from procedures.timeline import record_event, schedule_procedure

    ward = Ward.objects.create(name="Bench ward", timezone="Europe/Paris")
    nurse = Staff.objects.create_user("bench-nurse", role=Staff.Role.NURSE)
    nurse.wards.add(ward)
    now = timezone.now()
    procedures = [
        schedule_procedure(
            patient=Patient.objects.create(
                mrn=f"B{i:06}", given_name="Bench", family_name=f"P{i}", birth_date=dt.date(1945, 1, 1), ward=ward
            ),
            kind="vertebroplasty",
            indication="osteoporotic_fracture",
            levels=["L1"],
            anaesthesia="local",
            scheduled_at=now - dt.timedelta(hours=3),
            by=nurse,
        )
        for i in range(count)
    ]
    steps = [
        ("cement_injected", now - dt.timedelta(hours=2)),
        ("cement_injected (correction)", now - dt.timedelta(hours=2, minutes=5)),
        ("ended", now - dt.timedelta(hours=1)),
        ("discharged", now),
    ]
    rows = []
    for label, at in steps:
        kind = label.split(" ")[0]
        timings, queries = [], []
        for procedure in procedures:
            connection.queries_log.clear()  # the log keeps 9,000 queries; counts break past that
            with CaptureQueriesContext(connection) as captured, Stopwatch() as watch:
                record_event(procedure=procedure, kind=kind, at=at, by=nurse, now=now)
            timings.append(watch.seconds * 1000)
            queries.append(len(captured))
        figures = percentiles(timings)
        rows.append(
            {
                "event": label,
                "procedures": count,
                "ms_mean": figures["mean"],
                "ms_p50": figures["p50"],
                "ms_p95": figures["p95"],
                "ms_max": figures["max"],
                "queries_per_procedure": max(queries),
            }
        )
    report("planning", rows, notes="One transaction per procedure, PostgreSQL on this machine.")


if __name__ == "__main__":
    main()
