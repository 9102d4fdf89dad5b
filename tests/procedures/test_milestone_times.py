"""Every milestone of the default protocol (version 2: version 1's steps and the recovery checks), to the
second, in UTC and in the ward's zone (Europe/Paris).

The expected values are worked out by hand from shared/clinical/PROTOCOL.md, not computed by the
code under test.
"""

import datetime as dt

import pytest
import time_machine

from procedures.timeline import record_event

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def timeline(procedure) -> dict[str, tuple[str, str, str]]:
    """code -> (window opens UTC, due UTC, due in the ward's zone), as ISO strings."""
    zone = procedure.patient.ward.zone
    return {
        m.step.code: (
            m.window_opens_at.astimezone(UTC).isoformat(),
            m.due_at.astimezone(UTC).isoformat(),
            m.due_at.astimezone(zone).isoformat(),
        )
        for m in procedure.milestones.select_related("step")
    }


def record(procedure, nurse, events: dict[str, str]) -> None:
    latest = max(utc(at) for at in events.values())
    with time_machine.travel(latest + dt.timedelta(minutes=1), tick=False):
        for kind, at in events.items():
            record_event(procedure=procedure, kind=kind, at=utc(at), by=nurse)


# The recovery check before the procedure (version 2), due at the time it is scheduled for (the procedure
# fixture's: 1 January 2026 at 08:00 UTC), its window open the week before.
BASELINE_CHECK = {
    "prom_baseline": ("2025-12-25T08:00:00+00:00", "2026-01-01T08:00:00+00:00", "2026-01-01T09:00:00+01:00"),
}

# A winter stay: injection at 09:20:37 CET, end at 09:40:00, discharge two days later at 10:00.
WINTER_EVENTS = {
    "started": "2026-01-15T08:00:00",
    "cement_injected": "2026-01-15T08:20:37",
    "ended": "2026-01-15T08:40:00",
    "discharged": "2026-01-17T09:00:00",
}
WINTER_EXPECTED = {
    # code: (window opens UTC, due UTC, due Europe/Paris)
    "cement_hardened": ("2026-01-15T08:28:37+00:00", "2026-01-15T08:30:37+00:00", "2026-01-15T09:30:37+01:00"),
    "obs_1": ("2026-01-15T08:50:00+00:00", "2026-01-15T08:55:00+00:00", "2026-01-15T09:55:00+01:00"),
    "obs_2": ("2026-01-15T09:05:00+00:00", "2026-01-15T09:10:00+00:00", "2026-01-15T10:10:00+01:00"),
    "obs_3": ("2026-01-15T09:20:00+00:00", "2026-01-15T09:25:00+00:00", "2026-01-15T10:25:00+01:00"),
    "obs_4": ("2026-01-15T09:35:00+00:00", "2026-01-15T09:40:00+00:00", "2026-01-15T10:40:00+01:00"),
    "obs_5": ("2026-01-15T10:05:00+00:00", "2026-01-15T10:10:00+00:00", "2026-01-15T11:10:00+01:00"),
    "obs_6": ("2026-01-15T10:35:00+00:00", "2026-01-15T10:40:00+00:00", "2026-01-15T11:40:00+01:00"),
    "may_stand": ("2026-01-15T20:20:37+00:00", "2026-01-15T20:20:37+00:00", "2026-01-15T21:20:37+01:00"),
    "xray_control": ("2026-01-16T08:20:37+00:00", "2026-01-16T08:20:37+00:00", "2026-01-16T09:20:37+01:00"),
    "discharge_check": ("2026-01-17T09:00:00+00:00", "2026-01-17T09:00:00+00:00", "2026-01-17T10:00:00+01:00"),
    "discharge_advice": ("2026-01-17T09:00:00+00:00", "2026-01-17T09:00:00+00:00", "2026-01-17T10:00:00+01:00"),
    "pain_checkin_day1": ("2026-01-18T09:00:00+00:00", "2026-01-18T09:00:00+00:00", "2026-01-18T10:00:00+01:00"),
    "pain_checkin_day2": ("2026-01-19T09:00:00+00:00", "2026-01-19T09:00:00+00:00", "2026-01-19T10:00:00+01:00"),
    "pain_checkin_day3": ("2026-01-20T09:00:00+00:00", "2026-01-20T09:00:00+00:00", "2026-01-20T10:00:00+01:00"),
    "pain_checkin_day5": ("2026-01-22T09:00:00+00:00", "2026-01-22T09:00:00+00:00", "2026-01-22T10:00:00+01:00"),
    "pain_checkin_day7": ("2026-01-24T09:00:00+00:00", "2026-01-24T09:00:00+00:00", "2026-01-24T10:00:00+01:00"),
    "review_2w": ("2026-01-29T09:00:00+00:00", "2026-01-29T09:00:00+00:00", "2026-01-29T10:00:00+01:00"),
    "xray_followup_1m": ("2026-02-15T09:00:00+00:00", "2026-02-15T09:00:00+00:00", "2026-02-15T10:00:00+01:00"),
    # Summer time from 29 March 2026: 10:00 local is 08:00 UTC.
    "review_3m": ("2026-04-15T08:00:00+00:00", "2026-04-15T08:00:00+00:00", "2026-04-15T10:00:00+02:00"),
    "review_6m": ("2026-07-15T08:00:00+00:00", "2026-07-15T08:00:00+00:00", "2026-07-15T10:00:00+02:00"),
    "review_12m": ("2027-01-15T09:00:00+00:00", "2027-01-15T09:00:00+00:00", "2027-01-15T10:00:00+01:00"),
    # The recovery checks: a week after the injection and 1, 3, 6, 12 calendar months after its day, at
    # 10:00 local; each window opens 3 real days before.
    **BASELINE_CHECK,
    "prom_1w": ("2026-01-19T09:00:00+00:00", "2026-01-22T09:00:00+00:00", "2026-01-22T10:00:00+01:00"),
    "prom_1m": ("2026-02-12T09:00:00+00:00", "2026-02-15T09:00:00+00:00", "2026-02-15T10:00:00+01:00"),
    "prom_3m": ("2026-04-12T08:00:00+00:00", "2026-04-15T08:00:00+00:00", "2026-04-15T10:00:00+02:00"),
    "prom_6m": ("2026-07-12T08:00:00+00:00", "2026-07-15T08:00:00+00:00", "2026-07-15T10:00:00+02:00"),
    "prom_12m": ("2027-01-12T09:00:00+00:00", "2027-01-15T09:00:00+00:00", "2027-01-15T10:00:00+01:00"),
}


def test_every_default_milestone_to_the_second(procedure, nurse_a):
    record(procedure, nurse_a, WINTER_EVENTS)

    assert timeline(procedure) == WINTER_EXPECTED


# The night the clocks go back (25 October 2026, 03:00 CEST -> 02:00 CET): injection at 22:00 CEST.
# Twelve real hours later is 09:00 CET, although the wall clock moved only eleven hours.
OCTOBER_EXPECTED = {
    "cement_hardened": ("2026-10-24T20:08:00+00:00", "2026-10-24T20:10:00+00:00", "2026-10-24T22:10:00+02:00"),
    "may_stand": ("2026-10-25T08:00:00+00:00", "2026-10-25T08:00:00+00:00", "2026-10-25T09:00:00+01:00"),
    "xray_control": ("2026-10-25T20:00:00+00:00", "2026-10-25T20:00:00+00:00", "2026-10-25T21:00:00+01:00"),
    "xray_followup_1m": ("2026-11-24T09:00:00+00:00", "2026-11-24T09:00:00+00:00", "2026-11-24T10:00:00+01:00"),
    "review_3m": ("2027-01-24T09:00:00+00:00", "2027-01-24T09:00:00+00:00", "2027-01-24T10:00:00+01:00"),
    "review_6m": ("2027-04-24T08:00:00+00:00", "2027-04-24T08:00:00+00:00", "2027-04-24T10:00:00+02:00"),
    "review_12m": ("2027-10-24T08:00:00+00:00", "2027-10-24T08:00:00+00:00", "2027-10-24T10:00:00+02:00"),
    **BASELINE_CHECK,
    # A week after 22:00 CEST is 21:00 CET on the 31st: the check is at 10:00 CET that day.
    "prom_1w": ("2026-10-28T09:00:00+00:00", "2026-10-31T09:00:00+00:00", "2026-10-31T10:00:00+01:00"),
    "prom_1m": ("2026-11-21T09:00:00+00:00", "2026-11-24T09:00:00+00:00", "2026-11-24T10:00:00+01:00"),
    "prom_3m": ("2027-01-21T09:00:00+00:00", "2027-01-24T09:00:00+00:00", "2027-01-24T10:00:00+01:00"),
    "prom_6m": ("2027-04-21T08:00:00+00:00", "2027-04-24T08:00:00+00:00", "2027-04-24T10:00:00+02:00"),
    "prom_12m": ("2027-10-21T08:00:00+00:00", "2027-10-24T08:00:00+00:00", "2027-10-24T10:00:00+02:00"),
}

# The night the clocks go forward (29 March 2026, 02:00 CET -> 03:00 CEST): injection at 21:00 CET.
# Twelve real hours later is 10:00 CEST, thirteen hours on the wall clock.
MARCH_EXPECTED = {
    "cement_hardened": ("2026-03-28T20:08:00+00:00", "2026-03-28T20:10:00+00:00", "2026-03-28T21:10:00+01:00"),
    "may_stand": ("2026-03-29T08:00:00+00:00", "2026-03-29T08:00:00+00:00", "2026-03-29T10:00:00+02:00"),
    "xray_control": ("2026-03-29T20:00:00+00:00", "2026-03-29T20:00:00+00:00", "2026-03-29T22:00:00+02:00"),
    "xray_followup_1m": ("2026-04-28T08:00:00+00:00", "2026-04-28T08:00:00+00:00", "2026-04-28T10:00:00+02:00"),
    "review_3m": ("2026-06-28T08:00:00+00:00", "2026-06-28T08:00:00+00:00", "2026-06-28T10:00:00+02:00"),
    "review_6m": ("2026-09-28T08:00:00+00:00", "2026-09-28T08:00:00+00:00", "2026-09-28T10:00:00+02:00"),
    # 28 March 2027 is itself a clock-change day; by 10:00 summer time has begun.
    "review_12m": ("2027-03-28T08:00:00+00:00", "2027-03-28T08:00:00+00:00", "2027-03-28T10:00:00+02:00"),
    **BASELINE_CHECK,
    "prom_1w": ("2026-04-01T08:00:00+00:00", "2026-04-04T08:00:00+00:00", "2026-04-04T10:00:00+02:00"),
    "prom_1m": ("2026-04-25T08:00:00+00:00", "2026-04-28T08:00:00+00:00", "2026-04-28T10:00:00+02:00"),
    "prom_3m": ("2026-06-25T08:00:00+00:00", "2026-06-28T08:00:00+00:00", "2026-06-28T10:00:00+02:00"),
    "prom_6m": ("2026-09-25T08:00:00+00:00", "2026-09-28T08:00:00+00:00", "2026-09-28T10:00:00+02:00"),
    # The window opens 3 real days before 10:00 CEST on the clock-change day: 09:00 CET on the 25th.
    "prom_12m": ("2027-03-25T08:00:00+00:00", "2027-03-28T08:00:00+00:00", "2027-03-28T10:00:00+02:00"),
}


@pytest.mark.parametrize(
    ("injected_at", "expected"),
    [("2026-10-24T20:00:00", OCTOBER_EXPECTED), ("2026-03-28T20:00:00", MARCH_EXPECTED)],
    ids=["october-clocks-back", "march-clocks-forward"],
)
def test_twelve_hour_wait_across_a_clock_change_is_twelve_real_hours(procedure, nurse_a, injected_at, expected):
    record(procedure, nurse_a, {"cement_injected": injected_at})

    assert timeline(procedure) == expected


def test_observations_after_a_late_end_cross_the_clock_change(procedure, nurse_a):
    # Ended at 01:30 CEST on 25 October; obs_6 two real hours later is 02:30 CET (the second 02:30).
    record(procedure, nurse_a, {"cement_injected": "2026-10-24T23:10:00", "ended": "2026-10-24T23:30:00"})

    due = timeline(procedure)["obs_6"]

    assert due[1:] == ("2026-10-25T01:30:00+00:00", "2026-10-25T02:30:00+01:00")


def test_a_month_after_the_31st_is_the_last_day_of_the_shorter_month(procedure, nurse_a):
    record(procedure, nurse_a, {"cement_injected": "2027-01-31T09:00:00"})

    assert timeline(procedure)["xray_followup_1m"][2] == "2027-02-28T10:00:00+01:00"
