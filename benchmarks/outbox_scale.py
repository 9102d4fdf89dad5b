"""Outbox scale: one dispatch pass with 1,000,000 past reminders in the table.

    .venv/bin/python -m benchmarks.outbox_scale [--past 1000000] [--due 300]

Fills a fresh PostgreSQL database with `past` sent reminders (one INSERT ... SELECT over
generate_series) and `due` scheduled ones now due, then times claim_due (the dispatch pass),
each try in a transaction rolled back afterwards so that every try claims the same rows, with
nothing due and with `due` rows due. Prints EXPLAIN (ANALYZE, BUFFERS) of the pass's queries: the
partial indexes answer them, whatever the number of sent rows.
"""

import argparse
import datetime as dt

from benchmarks.harness import Stopwatch, fresh_database, percentiles, report, setup_django

TRIES = 7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--past", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=300)
    args = parser.parse_args()
    setup_django()
    with fresh_database():
        run(past=args.past, due=args.due)


def fill(*, past: int, due: int, now: dt.datetime) -> float:
    """Insert the rows straight in SQL; return how many seconds it took."""
    from django.db import connection

    from benchmarks.delivery import make_procedure

    procedure = make_procedure()
    insert = """
        INSERT INTO notifications_reminder (
            key, kind, ward_id, procedure_id, recipient_role, channel, message_key, urgent, due_at, status,
            attempts, last_error, provider_message_id, escalation_level, created_at, summary, summaries,
            red_flag, claims, sent_at
        )
        SELECT %(prefix)s || n, 'milestone', %(ward)s, %(procedure)s, 'nurse', 'inapp', 'bench', false,
               %(now)s - make_interval(secs => %(spacing)s * n), %(status)s,
               %(attempts)s, '', '', 0, %(now)s, '', '{}', '', 0, CASE WHEN %(status)s = 'sent' THEN %(now)s END
        FROM generate_series(1, %(rows)s) AS n
    """
    common = {"ward": procedure.patient.ward_id, "procedure": procedure.pk, "now": now}
    with Stopwatch() as watch, connection.cursor() as cursor:
        # Past reminders, sent over the last months; then a few hundred due in the last minute.
        cursor.execute(
            insert, common | {"prefix": "past:", "status": "sent", "attempts": 1, "rows": past, "spacing": 10}
        )
        cursor.execute(
            insert, common | {"prefix": "due:", "status": "scheduled", "attempts": 0, "rows": due, "spacing": 0.1}
        )
        cursor.execute("VACUUM ANALYZE notifications_reminder")
    return watch.seconds


def timed_pass(now: dt.datetime) -> tuple[float, int, list[str]]:
    """Run claim_due once and roll it back; return milliseconds, rows claimed and the SQL run."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from notifications.dispatch import claim_due

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured, Stopwatch() as watch:
            claimed = claim_due(now)
        transaction.set_rollback(True)
    queries = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    return watch.seconds * 1000, len(claimed), queries


def explain(queries: list[str]) -> str:
    from django.db import connection, transaction

    plans = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plans.append(sql[:160] + ("..." if len(sql) > 160 else ""))
                # The UPDATE's plan lists every claimed id: keep lines short enough to read.
                plans.extend("    " + line[:200] for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return "\n".join(plans)


def run(*, past: int, due: int) -> None:
    from django.utils import timezone

    now = timezone.now()
    filled_in = fill(past=past, due=due, now=now)
    rows = []
    last_queries: list[str] = []
    for label, at in [("nothing due", now - dt.timedelta(days=1)), (f"{due} due", now)]:
        timings, claimed = [], 0
        for _ in range(TRIES):
            ms, claimed, last_queries = timed_pass(at)
            timings.append(ms)
        figures = percentiles(timings)
        rows.append(
            {
                "pass": label,
                "rows_in_table": past + due,
                "claimed": claimed,
                "ms_p50": figures["p50"],
                "ms_max": figures["max"],
                "queries": len(last_queries),
            }
        )
    plans = explain(last_queries)
    print(plans)
    notes = (
        f"{TRIES} passes each, rolled back; table filled in {filled_in:.1f} s. Plans of the '{due} due' pass:\n{plans}"
    )
    report("outbox_scale", rows, notes=notes)


if __name__ == "__main__":
    main()
