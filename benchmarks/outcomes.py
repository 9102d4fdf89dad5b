"""The ward's results: `/api/outcomes/`, the outcomes page and its CSV export on a large ward.

    .venv/bin/python -m benchmarks.outcomes [--procedures 5000] [--requests 30]

A fresh PostgreSQL database holds one ward with `--procedures` procedures over a year (cement
recorded, "may stand" done, a baseline pain score for half of them, six recovery-check responses
each: 30,000 for 5,000 procedures, 3% with a complication, one acknowledged staff reminder each),
filled with bulk inserts and ANALYZEd. Each URL is then requested `--requests` times in process
(Django's test client, a logged-in nurse) and the time of each answer, to its last byte, is measured. Target: p95 at
most 200 ms for 5,000 procedures and 30,000 responses.
"""

import argparse
import datetime as dt
import random

from benchmarks.harness import Stopwatch, fresh_database, percentiles, report, setup_django

TIMEPOINTS = [("prom_1w", 7), ("prom_1m", 30), ("prom_3m", 91), ("prom_6m", 182), ("prom_12m", 365)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    setup_django()
    with fresh_database():
        run(procedures=args.procedures, requests=args.requests)


def fill(count: int):
    """A ward of `count` procedures with their answers; return the ward and a nurse of it."""
    from django.db import connection
    from django.utils import timezone

    from notifications.models import Reminder
    from outcomes.summary import refresh
    from procedures.models import (
        Complication,
        Event,
        Milestone,
        PainScore,
        Patient,
        Procedure,
        Protocol,
        ProtocolStep,
        Questionnaire,
        QuestionnaireResponse,
        Staff,
        Ward,
    )

    rng = random.Random(20261202)
    now = timezone.now()
    ward = Ward.objects.create(name="Results ward", timezone="Europe/Paris")
    nurse = Staff.objects.create_user("bench-nurse", role=Staff.Role.NURSE)
    nurse.wards.add(ward)
    questionnaire = Questionnaire.objects.current("recovery-check")
    protocol = Protocol.objects.get(code="vertebral-augmentation", version=1).new_draft()  # v1 has no recovery checks
    steps = {
        code: ProtocolStep.objects.create(
            protocol=protocol,
            code=code,
            label=code,
            anchor="cement_injected",
            offset=dt.timedelta(days=days),
            window_opens_before=dt.timedelta(days=3),
            audience="patient",
            action="Recovery check.",
            records="questionnaire",
            questionnaire=questionnaire,
            order=90 + index,
        )
        for index, (code, days) in enumerate(TIMEPOINTS)
    }
    protocol.publish()
    may_stand = protocol.steps.get(code="may_stand")
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"R-{i:05}", given_name="Bench", family_name=f"P{i}", birth_date=dt.date(1930 + i % 40, 1, 1), ward=ward
        )
        for i in range(count)
    )
    cement_times = [now - dt.timedelta(days=rng.uniform(1, 365)) for _ in range(count)]
    procedures = Procedure.objects.bulk_create(
        Procedure(
            patient=patient,
            kind=rng.choice(["vertebroplasty", "kyphoplasty"]),
            indication="osteoporotic_fracture",
            levels=["L1"],
            anaesthesia="local",
            scheduled_at=cement - dt.timedelta(hours=1),
            protocol=protocol,
            status="recovering",
        )
        for patient, cement in zip(patients, cement_times, strict=True)
    )
    events, milestones, responses, scores, complications, reminders = [], [], [], [], [], []
    for procedure, cement in zip(procedures, cement_times, strict=True):
        baseline = rng.randint(5, 10)
        events += [
            Event(procedure=procedure, kind="started", at=cement - dt.timedelta(minutes=10), recorded_by=nurse),
            Event(procedure=procedure, kind="cement_injected", at=cement, recorded_by=nurse),
        ]
        stood = cement + dt.timedelta(minutes=rng.randint(715, 800))
        milestones.append(
            Milestone(
                procedure=procedure,
                step=may_stand,
                window_opens_at=cement + dt.timedelta(hours=12),
                due_at=cement + dt.timedelta(hours=12),
                overdue_at=cement + dt.timedelta(hours=14),
                completed_at=stood,
                completed_by=nurse,
            )
        )
        if procedure.pk % 2:
            scores.append(
                PainScore(
                    procedure=procedure,
                    score=baseline,
                    recorded_at=cement - dt.timedelta(hours=1),
                    source="baseline",
                    recorded_by=nurse,
                )
            )
        responses.append((procedure, None, cement - dt.timedelta(hours=2), baseline))
        for code, days in TIMEPOINTS:
            due = cement + dt.timedelta(days=days)
            milestone = Milestone(
                procedure=procedure,
                step=steps[code],
                window_opens_at=due - dt.timedelta(days=3),
                due_at=due,
                overdue_at=due + dt.timedelta(days=2),
            )
            milestones.append(milestone)
            responses.append((procedure, milestone, due, max(0, baseline - rng.randint(0, 7))))
        if rng.random() < 0.03:
            complications.append(
                Complication(
                    procedure=procedure,
                    kind="cement_leakage",
                    severity="mild",
                    noted_at=cement + dt.timedelta(hours=1),
                    reported_by=nurse,
                )
            )
        reminders.append(
            Reminder(
                key=f"bench-{procedure.pk}",
                ward=ward,
                procedure=procedure,
                recipient_role="nurse",
                channel="inapp",
                message_key="may_stand",
                due_at=stood,
                status="sent",
                sent_at=stood,
                acknowledged_at=stood + dt.timedelta(seconds=rng.randint(10, 900)),
                acknowledged_by=nurse,
            )
        )
    Event.objects.bulk_create(events)
    Milestone.objects.bulk_create(milestones)
    QuestionnaireResponse.objects.bulk_create(answered(questionnaire, *row) for row in responses)
    PainScore.objects.bulk_create(scores)
    Complication.objects.bulk_create(complications)
    Reminder.objects.bulk_create(reminders)
    # Bulk inserts bypass the signals that keep each procedure's pain summary: compute them as the
    # data migration does (not timed: in service each is kept by the write that changes it).
    refresh(procedure.pk for procedure in procedures)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ward, nurse, QuestionnaireResponse.objects.count()


def answered(questionnaire, procedure, milestone, at, pain_rest):
    from procedures.models import QuestionnaireResponse

    answers = {
        "pain_rest": pain_rest,
        "pain_activity": min(10, pain_rest + 1),
        "analgesics": "occasionally",
        "mobility": "outdoors",
        "falls": False,
    }
    return QuestionnaireResponse(
        procedure=procedure,
        questionnaire=questionnaire,
        milestone=milestone,
        authored_at=at,
        source="patient",
        answers=answers,
    )


def read_whole(response) -> bytes:
    """The whole body: a streamed response (the CSV export) is timed to its last byte, not its first."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def run(*, procedures: int, requests: int) -> None:
    from django.test import Client
    from django.utils import timezone

    with Stopwatch() as filling:
        ward, nurse, responses = fill(procedures)
    client = Client()
    client.force_login(nurse)
    today = timezone.now().date()
    period = f"ward={ward.pk}&from={today - dt.timedelta(days=366)}&to={today}"
    rows = []
    for name, url in [
        ("/api/outcomes/", f"/api/outcomes/?{period}"),
        ("outcomes page", f"/wards/{ward.pk}/outcomes/?{period}"),
        ("CSV export", f"/wards/{ward.pk}/outcomes.csv?{period}"),
    ]:
        assert client.get(url).status_code == 200, url  # a benchmark of errors would mean nothing
        times = []
        for _ in range(requests):
            with Stopwatch() as watch:
                read_whole(client.get(url))
            times.append(watch.seconds * 1000)
        figures = percentiles(times)
        rows.append(
            {
                "request": name,
                "procedures": procedures,
                "responses": responses,
                "requests": requests,
                "p50_ms": figures["p50"],
                "p95_ms": figures["p95"],
                "max_ms": figures["max"],
            }
        )
    report("outcomes", rows, notes=f"In process (Django test client), after {filling.seconds:.0f} s of filling.")


if __name__ == "__main__":
    main()
