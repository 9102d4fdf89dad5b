"""Wards, the staff who work on them, and their patients."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from procedures import times
from procedures.languages import ENGLISH
from procedures.phones import PhoneNumberField
from procedures.plain_text import one_line

# Names the time zone database answers to that are no place's clock: "localtime" is whatever the
# server's is, "Factory" a placeholder; "posixrules", "posix/…" and "right/…" (leap seconds) are copies.
NOT_A_PLACE = {"localtime", "Factory", "posixrules"}


def validate_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
        usable = name not in NOT_A_PLACE and not name.startswith(("posix/", "right/"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        usable = False
    if not usable:
        raise ValidationError(
            "%(name)s is not an IANA time zone, such as Europe/Paris.", code="invalid_time_zone", params={"name": name}
        )


def language_choices() -> list[tuple[str, str]]:
    # A callable, so that a language added to settings.LANGUAGES needs no migration.
    return settings.LANGUAGES


class WardQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WardQuerySet":
        if getattr(user, "sees_all_wards", False):
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(staff=user)


class Ward(models.Model):
    # A new ward's quiet hours, in its zone: the one place they are set (notifications.quiet_hours).
    QUIET_HOURS_START = dt.time(21, 0)
    QUIET_HOURS_END = dt.time(8, 0)

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/Paris", validators=[validate_time_zone])
    phone = PhoneNumberField(blank=True, help_text="The number patients are told to call.")
    # Non-urgent patient messages due between these local times wait for the end of them.
    quiet_hours_start = models.TimeField(default=QUIET_HOURS_START)
    quiet_hours_end = models.TimeField(default=QUIET_HOURS_END)
    language = models.CharField(
        max_length=8,
        choices=language_choices,
        default=ENGLISH,
        help_text="The language of the messages sent to the ward's staff (SMS, e-mail, webhook, escalations).",
    )

    objects = WardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class StaffManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Staff.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class Staff(AbstractUser):
    """A member of staff who signs in; nurses, charge nurses and doctors see only their wards."""

    class Role(models.TextChoices):
        NURSE = "nurse", "Nurse"
        CHARGE_NURSE = "charge_nurse", "Charge nurse"
        DOCTOR = "doctor", "Doctor"
        ADMIN = "admin", "Administrator"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.NURSE)
    wards = models.ManyToManyField(Ward, related_name="staff", blank=True)
    phone = PhoneNumberField(blank=True)

    objects = StaffManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "staff member"
        verbose_name_plural = "staff"

    @property
    def sees_all_wards(self) -> bool:
        return self.is_active and (self.role == self.Role.ADMIN or self.is_superuser)


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PatientQuerySet":
        return self.filter(ward__in=Ward.objects.visible_to(user))


class Patient(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        FRENCH = "fr", "Français"

    mrn = models.CharField("hospital number (MRN)", max_length=32, unique=True, validators=[one_line])
    given_name = models.CharField(max_length=100, validators=[one_line])
    family_name = models.CharField(max_length=100, validators=[one_line])
    birth_date = models.DateField(validators=[times.birth_date])
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="patients")
    bed = models.CharField(max_length=20, blank=True, validators=[one_line])
    phone = PhoneNumberField(blank=True, help_text="Mobile number; any form is accepted and stored as E.164.")
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.FRENCH)
    messaging_consent = models.BooleanField(
        default=False, help_text="The patient agreed to receive reminders by SMS or e-mail."
    )

    objects = PatientQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.family_name.upper()} {self.given_name} ({self.mrn})"
