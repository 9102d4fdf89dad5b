"""What a nurse reads at once after saving something that raised red flags, in the page's language.

The alerts' stored summaries are in English for every reader of the outbox; the notice is written
again here from the saved row, in the language of the page, with the delay before escalation that
the alert was actually given (settings.RED_FLAG_ACKNOWLEDGE_MINUTES).
"""

import datetime as dt

from django.db.models import F
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from notifications.alerts import alerts_raised_by, source_key
from notifications.models import Reminder
from procedures.models import Complication, ObservationCheck, ObservationLimit, PainScore
from procedures.red_flags import RedFlagKind
from ward.escalation_words import escalates
from ward.templatetags.ward_time import TimeWriter

# How each vital sign is named and measured on the ward pages.
MEASURES = {
    "systolic_bp": (gettext_lazy("systolic BP"), "mmHg"),
    "diastolic_bp": (gettext_lazy("diastolic BP"), "mmHg"),
    "pulse": (gettext_lazy("pulse"), "/min"),
    "spo2": (gettext_lazy("SpO2"), "%"),
    "temperature": (gettext_lazy("temperature"), "°C"),
}


def measure_text(measure: str, value) -> str:
    """ "SpO2 89 %", "temperature 38,6 °C" in French."""
    name, unit = MEASURES[measure]
    return f"{name} {formats.localize(value)} {unit}"


def red_flag_notices(*sources, limits: list[ObservationLimit] = ()) -> list[str]:
    """One sentence per alert raised by these saved rows (an observation check, a pain score, a complication)."""
    alerts = alerts_raised_by(*sources)
    notices = []
    for source in sources:
        if source is None:
            continue
        for alert in alerts:
            if alert.key.startswith(source_key(source)):
                notices.append(notice(alert, finding(alert.red_flag, source, limits) or alert.summary))
    return notices


def notice(alert: Reminder, what: str) -> str:
    if not alert.urgent:  # pain not improving: the doctor reviews it, it is not an emergency
        return _("Doctor's review asked: %(what)s.") % {"what": what}
    if not alert.acknowledge_within:
        return _("Red flag raised: %(what)s.") % {"what": what}
    when = _("in %(duration)s") % {"duration": in_minutes(alert.acknowledge_within)}
    return _("Red flag raised: %(what)s, %(escalation)s.") % {"what": what, "escalation": escalates() % {"when": when}}


def in_minutes(delay: dt.timedelta) -> str:
    """ "5 min" (not the countdowns' "5 min 00 s"); an hour or more as "1 h 00 min"."""
    if delay < dt.timedelta(hours=1):
        return f"{int(delay.total_seconds() // 60)} {pgettext('unit of time', 'min')}"
    return TimeWriter().duration(delay)


def finding(kind: str, source, limits) -> str:
    if isinstance(source, ObservationCheck):
        return ", ".join(observation_findings(kind, source, limits))
    if isinstance(source, PainScore):
        return pain_finding(kind, source)
    if isinstance(source, Complication):
        return f"{source.get_kind_display()} ({source.get_severity_display().lower()})"
    return ""


def observation_findings(kind: str, check: ObservationCheck, limits) -> list[str]:
    if kind == RedFlagKind.VITAL_SIGNS:
        breached = [limit for limit in limits if limit.is_breached_by(getattr(check, limit.measure))]
        return [measure_text(limit.measure, getattr(check, limit.measure)) for limit in breached]
    found = []
    if kind == RedFlagKind.NEURO_DEFICIT:
        if ObservationCheck.Neuro.CHANGED in (check.leg_strength, check.leg_sensation):
            found.append(_("leg strength or sensation changed"))
        if check.bladder != ObservationCheck.Bladder.NORMAL:
            found.append(_("bladder: %(what)s") % {"what": check.get_bladder_display().lower()})
    if kind in (RedFlagKind.HAEMATOMA, RedFlagKind.INFECTION):
        found.append(_("puncture site: %(what)s") % {"what": check.get_puncture_site_display().lower()})
    return found


def pain_finding(kind: str, pain: PainScore) -> str:
    if kind == RedFlagKind.PAIN_ABOVE_BASELINE:
        return _("pain %(score)s/10, above the baseline") % {"score": pain.score}
    if kind == RedFlagKind.PAIN_NOT_IMPROVING:
        return _("pain %(score)s/10, still at the baseline after discharge") % {"score": pain.score}
    return ""


# The rows an alert's key can name (notifications.alerts.source_key), by model label.
SOURCES = {
    "procedures.observationcheck": ObservationCheck,
    "procedures.painscore": PainScore,
    "procedures.complication": Complication,
}


def describe_alerts(alerts: list[Reminder]) -> None:
    """Set `what` on each alert: its finding in the page's language, read again from the row it came from.

    Where the row is not one of SOURCES (a patient's text, her answers from her link), the summary
    written in every language when the flag was raised, in the page's. A fixed number of queries: one
    per kind of row, one for limits.
    """
    wanted: dict[str, set[int]] = {}
    named: dict[int, tuple[str, int]] = {}
    for alert in alerts:
        parts = alert.key.split(":")
        if len(parts) == 4 and parts[1] in SOURCES and parts[2].isdigit():
            named[alert.pk] = (parts[1], int(parts[2]))
            wanted.setdefault(parts[1], set()).add(int(parts[2]))
    rows = {label: SOURCES[label].objects.in_bulk(pks) for label, pks in wanted.items()}
    limits: dict[int, list[ObservationLimit]] = {}
    if "procedures.observationcheck" in rows:
        procedures = {check.procedure_id for check in rows["procedures.observationcheck"].values()}
        found_limits = ObservationLimit.objects.filter(protocol__procedures__in=procedures).annotate(
            for_procedure=F("protocol__procedures")
        )
        for limit in found_limits:
            limits.setdefault(limit.for_procedure, []).append(limit)
    for alert in alerts:
        label, pk = named.get(alert.pk, ("", 0))
        source = rows.get(label, {}).get(pk)
        found = finding(alert.red_flag, source, limits.get(alert.procedure_id, [])) if source else ""
        alert.what = found or alert.label  # its summary as written in the page's language when raised
