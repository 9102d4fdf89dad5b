import datetime as dt

from notifications.calendar import appointment_ics


def test_an_appointment_file_has_utc_times_escaped_text_and_crlf_lines():
    ics = appointment_ics(
        uid="reminder-42@tracker",
        starts_at=dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        duration=dt.timedelta(minutes=30),
        summary="Radiographie de contrôle, service de radiologie; niveau 1",
        location="Hôpital, bâtiment B",
    )

    lines = ics.split("\r\n")
    assert "DTSTART:20260301T090000Z" in lines and "DTEND:20260301T093000Z" in lines
    assert "SUMMARY:Radiographie de contrôle\\, service de radiologie\\; niveau 1" in lines
    assert "LOCATION:Hôpital\\, bâtiment B" in lines
    assert ics.endswith("END:VCALENDAR\r\n")


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    ics = appointment_ics(
        uid="x", starts_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), duration=dt.timedelta(hours=1),
        summary="é" * 100,
    )  # fmt: skip

    lines = ics.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:" + "é" * 100 in unfolded.split("\r\n")
