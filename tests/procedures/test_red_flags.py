"""The red-flag kinds are derived from the complication kinds, with the red flags found otherwise after them."""

from django.conf import settings

from procedures.models import Complication
from procedures.red_flags import RedFlagKind


def test_every_complication_kind_is_a_red_flag_kind_of_the_same_value():
    assert RedFlagKind.values[: len(Complication.Kind)] == Complication.Kind.values
    assert RedFlagKind.values[len(Complication.Kind) :] == [
        "vital_signs", "pain_above_baseline", "pain_not_improving", "patient_reported"
    ]  # fmt: skip


def test_an_alert_names_its_red_flag_as_a_heading():
    assert RedFlagKind(Complication.Kind.CEMENT_LEAKAGE).label == Complication.Kind.CEMENT_LEAKAGE.label
    assert (RedFlagKind.OTHER.label, RedFlagKind.NEW_FRACTURE.label) == ("Other complication", "New fracture")


def test_each_acknowledgement_delay_names_a_red_flag():
    assert set(settings.RED_FLAG_ACKNOWLEDGE_MINUTES) - {"default"} <= set(RedFlagKind.values)
