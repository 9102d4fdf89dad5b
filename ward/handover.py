"""The handover sheet of a ward: one block per patient, for the nurses of the next shift.

Read in a fixed number of queries whatever the number of patients (procedures with their patients,
then one prefetch each for events, milestones, observation checks, pain scores, alerts and notes),
asserted in tests/ward/test_handover.py.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import formats
from django.utils.translation import gettext as _

from notifications.models import Reminder
from procedures.baseline import BaselinePain, baseline_from, pain_answers
from procedures.models import Event, EventKind, Milestone, ObservationCheck, PainScore, Procedure, Ward
from ward.board import MAY_STAND
from ward.board_html import link_to
from ward.models import HandoverNote
from ward.observation_chart import breached
from ward.red_flag_notice import MEASURES, describe_alerts
from ward.templatetags.ward_time import TimeWriter

# What the next shift needs to see coming: a shift is 12 hours.
LOOK_AHEAD = dt.timedelta(hours=12)
# Alerts acknowledged and notes written this recently are still worth handing over.
LOOK_BACK = dt.timedelta(hours=12)
NOTES_SHOWN = 5


@dataclass(frozen=True)
class Trend:
    measure: str
    name: str
    unit: str
    value: str
    arrow: str  # "↑", "↓", "→", or "" without an earlier check
    direction: str  # words for the arrow, for screen readers and print
    out: bool


@dataclass
class HandoverEntry:
    procedure: Procedure
    cement_at: dt.datetime | None
    may_stand: Milestone | None
    last_check: ObservationCheck | None
    trends: list[Trend]
    alerts: list[Reminder]
    pain_now: PainScore | None
    baseline: BaselinePain | None
    coming: list[tuple[Milestone, str]]
    notes: list[HandoverNote] = field(default_factory=list)
    # What the sheet prints, written once in the page's language and the ward's zone (see `write`):
    # a template placing 300 patients' times through filters and blocktranslate takes seconds.
    texts: dict[str, str] = field(default_factory=dict)
    coming_texts: list[tuple[str, str, str]] = field(default_factory=list)  # time, label, status
    alert_texts: list[tuple[Reminder, str]] = field(default_factory=list)  # the alert, what happened to it
    note_texts: list[tuple[str, str]] = field(default_factory=list)  # "14:10 · Alice", the note

    @property
    def patient(self):
        return self.procedure.patient


def handover_entries(*, ward: Ward, now: dt.datetime) -> list[HandoverEntry]:
    """One entry per patient of `ward` whose procedure is under way or recovering, by bed."""
    recent = now - LOOK_BACK
    alerts = (
        Reminder.objects.for_people()
        .filter(kind=Reminder.Kind.ALERT)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=recent))
        .select_related("acknowledged_by")
        .order_by("due_at")
    )
    procedures = (
        Procedure.objects.active()
        .filter(patient__ward=ward)
        .select_related("patient", "protocol")
        .prefetch_related(
            Prefetch("events", Event.objects.filter(kind=EventKind.CEMENT_INJECTED), to_attr="cement"),
            Prefetch(
                "milestones",
                # Not a step whose window has closed: it was missed, nothing is coming (it read "Planned").
                Milestone.objects.open().filter(Q(due_at__lte=now + LOOK_AHEAD) | Q(step__code=MAY_STAND))
                .exclude(closes_at__lte=now).select_related("step", "completed_by").order_by("due_at"),
                to_attr="open_soon",
            ),
            Prefetch(
                "milestones", Milestone.objects.filter(step__code=MAY_STAND).select_related("step"), to_attr="stand"
            ),
            # The last two checks only: the sheet shows the last with its trend since the one before.
            Prefetch("observations", ObservationCheck.objects.order_by("-recorded_at", "-id")[:2], to_attr="checks"),
            Prefetch("pain_scores", PainScore.objects.order_by("recorded_at", "id"), to_attr="pains"),
            Prefetch("responses", pain_answers(), to_attr="pain_answers"),
            Prefetch("reminders", alerts, to_attr="alerts"),
            Prefetch("protocol__observation_limits"),
            Prefetch(
                "patient__handover_notes",
                HandoverNote.objects.filter(written_at__gte=now - 2 * LOOK_BACK).select_related("author"),
                to_attr="recent_notes",
            ),
        )
    )  # fmt: skip
    entries = [entry(procedure, now) for procedure in procedures]
    describe_alerts([alert for e in entries for alert in e.alerts])
    clock, patient_url, note_url = TimeWriter(), link_to("ward:patient"), link_to("ward:add_handover_note")
    for e in entries:
        write(e, clock)
        e.texts |= {"url": patient_url(e.patient.pk), "note_url": note_url(e.patient.pk)}
    return sorted(entries, key=lambda e: (bed_order(e.patient.bed), e.patient.family_name))


def write(e: HandoverEntry, clock: TimeWriter) -> None:
    """Fill in the entry's texts with `clock` (one TimeWriter for the whole sheet)."""
    time = clock.time
    stand = e.may_stand
    texts = {"cement": time(e.cement_at) if e.cement_at else _("not yet injected"), "standing": "–", "pain": "–"}
    texts["bed"] = _("Bed %(bed)s") % {"bed": e.patient.bed} if e.patient.bed else _("No bed")
    if stand and stand.completed_at:
        texts["standing"] = _("up since %(time)s") % {"time": time(stand.completed_at)}
    elif stand:
        texts["standing"] = _("may stand at %(time)s") % {"time": time(stand.due_at)}
    if e.pain_now:
        pain = e.pain_now
        texts["pain"] = _("%(score)s/10 at %(time)s") % {"score": pain.score, "time": time(pain.recorded_at)}
    if e.baseline:
        texts["baseline"] = _("baseline %(score)s/10") % {"score": e.baseline.score}
    if e.last_check:
        texts["checked_at"] = time(e.last_check.recorded_at)
    e.texts = texts
    e.coming_texts = [(time(m.due_at), m.step.label_in(), status) for m, status in e.coming]
    e.alert_texts = [(alert, alert_detail(alert, time)) for alert in e.alerts]
    e.note_texts = [(f"{time(note.written_at)} · {note.author.get_full_name() or note.author.username}", note.text)
                    for note in e.notes]  # fmt: skip


def alert_detail(alert: Reminder, time) -> str:
    """What became of an alert: "raised 13:55; acknowledged 14:02 by Alice", or "raised 13:55, not acknowledged"."""
    raised = _("raised %(time)s") % {"time": time(alert.due_at)}
    if alert.acknowledged_at:
        by = alert.acknowledged_by
        name = (by.get_full_name() or by.username) if by else ""
        acknowledged = _("acknowledged %(time)s by %(name)s") % {"time": time(alert.acknowledged_at), "name": name}
        return f"{raised}; {acknowledged}"
    detail = f"{raised}, {_('not acknowledged')}"
    if alert.escalation_level or alert.escalated_at:
        detail += f", {_('escalated')}"
    return detail


def bed_order(bed: str) -> tuple:
    """Beds in the order of the ward: "2" before "10", numbered before named, no bed last."""
    return (not bed, not bed.isdigit(), int(bed) if bed.isdigit() else 0, bed)


def entry(procedure: Procedure, now: dt.datetime) -> HandoverEntry:
    limits = list(procedure.protocol.observation_limits.all())
    checks = procedure.checks
    cement_at = procedure.cement[0].at if procedure.cement else None
    pain_now = next((p for p in reversed(procedure.pains) if p.source != PainScore.Source.BASELINE), None)
    return HandoverEntry(
        procedure=procedure,
        cement_at=cement_at,
        may_stand=procedure.stand[0] if procedure.stand else None,
        last_check=checks[0] if checks else None,
        trends=trends(checks[0], checks[1] if len(checks) > 1 else None, limits) if checks else [],
        alerts=procedure.alerts,
        pain_now=pain_now,
        baseline=baseline_from(procedure.pains, procedure.pain_answers, cement_at),
        coming=[(m, m.status_at(now)) for m in procedure.open_soon if m.due_at <= now + LOOK_AHEAD],
        notes=procedure.patient.recent_notes[:NOTES_SHOWN],
    )


def trends(last: ObservationCheck, before: ObservationCheck | None, limits) -> list[Trend]:
    words = {"↑": _("rising"), "↓": _("falling"), "→": _("steady"), "": ""}
    found = []
    for measure, (name, unit) in MEASURES.items():
        value = getattr(last, measure)
        arrow = ""
        if before is not None:
            earlier = getattr(before, measure)
            arrow = "↑" if value > earlier else "↓" if value < earlier else "→"
        out = breached(limits, measure, value)
        found.append(Trend(measure, str(name), unit, formats.localize(value), arrow, words[arrow], out))
    return found
