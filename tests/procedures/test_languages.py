"""Protocol texts and red flags are data in every language the tracker speaks, French shipped."""

import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import translation

from procedures.models import ObservationCheck, ObservationLimit, Protocol
from procedures.red_flags import observation_flags
from tracker.local_time import day_and_time, long_day_and_time

DEFAULT = "vertebral-augmentation"


@pytest.fixture
def protocol(db) -> Protocol:
    return Protocol.objects.current(DEFAULT)


def test_every_step_and_limit_of_the_default_protocol_ships_in_french(protocol):
    steps = list(protocol.steps.all())

    assert len(steps) > 20
    assert [step.code for step in steps if not step.labels.get("fr") or not step.actions.get("fr")] == []
    assert [limit.measure for limit in protocol.observation_limits.all() if not limit.labels.get("fr")] == []
    may_stand = protocol.steps.get(code="may_stand")
    assert (may_stand.label_in("en"), may_stand.label_in("fr")) == ("May stand", "Premier lever autorisé")


def test_the_label_follows_the_active_language_and_falls_back_to_english(protocol):
    step = protocol.steps.get(code="xray_control")
    step.labels = {}

    with translation.override("fr"):
        assert protocol.steps.get(code="xray_control").translated_label == "Radiographie de contrôle"
        assert step.translated_label == "Control X-ray"  # not translated yet: English, never empty
    with translation.override("en"):
        assert protocol.steps.get(code="xray_control").translated_label == "Control X-ray"


@override_settings(LANGUAGES=[("en", "English"), ("fr", "Français"), ("de", "Deutsch")])
def test_a_third_language_is_data(protocol):
    step = protocol.steps.get(code="may_stand")
    step.labels["de"] = "Darf aufstehen"

    assert step.label_in("de") == "Darf aufstehen"
    assert step.label_in("de-at") == "Darf aufstehen"
    assert protocol.steps.get(code="cement_hardened").label_in("de") == "Cement hardened"


def test_a_red_flag_is_written_in_every_language_with_the_limit_s_own_words(protocol):
    check = ObservationCheck(
        systolic_bp=130, pulse=130, spo2=89, temperature=37, leg_strength="normal", leg_sensation="normal",
        bladder="retention", puncture_site="clean",
    )  # fmt: skip
    limits = list(protocol.observation_limits.order_by("measure"))
    pulse = next(limit for limit in limits if limit.measure == ObservationLimit.Measure.PULSE)
    pulse.labels["fr"] = "Fréquence cardiaque (/min)"  # the admin renamed it

    vitals, bladder = observation_flags(check, limits)

    assert vitals.summary == "Pulse (/min) 130, SpO2 (%) 89"
    assert vitals.summaries == {
        "en": "Pulse (/min) 130, SpO2 (%) 89",
        "fr": "Fréquence cardiaque (/min) 130, SpO2 (%) 89",
    }
    assert bladder.summaries == {"en": "Bladder: retention", "fr": "Vessie : rétention"}


def test_months_cannot_be_confused_in_french():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    now = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    june, july = dt.datetime(2026, 6, 3, 8, tzinfo=dt.UTC), dt.datetime(2026, 7, 3, 8, tzinfo=dt.UTC)
    next_year = dt.datetime(2027, 7, 3, 8, tzinfo=dt.UTC)

    with translation.override("fr"):
        assert [day_and_time(m, paris, now) for m in (june, july, next_year)] == [
            "3 juin 10:00",
            "3 juil. 10:00",
            "3 juil. 2027 10:00",
        ]
        assert long_day_and_time(next_year, paris, now) == "samedi 3 juillet 2027, 10:00"
    with translation.override("en"):
        assert [day_and_time(m, paris, now) for m in (june, july, next_year)] == [
            "3 Jun 10:00",
            "3 Jul 10:00",
            "3 Jul 2027 10:00",
        ]
        assert long_day_and_time(june, paris, now) == "Wednesday 3 June, 10:00"
        assert day_and_time(dt.datetime(2026, 5, 1, 20, tzinfo=dt.UTC), paris, now) == "22:00"
