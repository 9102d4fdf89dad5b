"""The HTML of the board's rows, written in Python rather than in a template.

A ward of 300 patients is a page of 300 rows of some forty values each, fetched again every few
seconds by every open board; Django's template language spends ~5 µs on each value it places and
that alone would miss the board's target (p95 < 100 ms). Here every value is escaped once by
format_html, the fixed words (cell labels, badges) are translated once per page and the links are
reversed once per page. ward/static/ward/board.js reads the data-* attributes and <time> elements
written here; ward/templatetags/ward_time.py writes the durations and times.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procedures.models import EventKind, Milestone, Procedure
from ward.board import BoardRow
from ward.templatetags.ward_time import TimeWriter, iso

# An id no row has, replaced in the reversed URL by each row's own (see `link_to`).
PLACEHOLDER = 2147483647


def link_to(name: str) -> Callable[[int], str]:
    """Return a function writing the URL `name` for an object's id, with one reverse() per page."""
    before, after = reverse(name, args=[PLACEHOLDER]).split(str(PLACEHOLDER))
    return lambda pk: f"{before}{pk}{after}"


class RowWriter:
    """Writes board rows in the active language and the current (the ward's) time zone."""

    def __init__(self, request_path: str, csrf_input: str) -> None:
        self.clock = TimeWriter()
        self.words = {
            "bed": _("Bed"),
            "patient": _("Patient"),
            "procedure": _("Procedure"),
            "since": _("Since cement"),
            "consolidation": _("Consolidation"),
            "next": _("Next"),
            "reminders": _("Reminders"),
            "not_injected": _("not yet injected"),
            "overdue": _("Overdue"),
            "due_now": _("Due now"),
            "nothing_planned": _("nothing planned yet"),
            "complete": _("Complete"),
            "up": _("up"),
            "red_flag": _("Red flag"),
            "not_delivered": _("Not delivered"),
            "delivery_failed": _("Delivery failed"),
            "acknowledge": _("Acknowledge"),
        }
        self.kinds = {value: str(label) for value, label in Procedure.Kind.choices}
        self.events = {value: _("Record: %(event)s") % {"event": label} for value, label in EventKind.choices}
        self.patient_url = link_to("ward:patient")
        self.complete_url = link_to("ward:complete")
        self.record_url = link_to("ward:record_event")
        self.acknowledge_url = link_to("ward:acknowledge")
        self.request_path = request_path
        self.csrf_input = csrf_input

    def rows(self, rows: list[BoardRow]) -> SafeString:
        return mark_safe("".join(self.row(row) for row in rows))  # each row is built by format_html

    def row(self, row: BoardRow) -> SafeString:
        w, patient = self.words, row.patient
        name = f"{patient.family_name.upper()} {patient.given_name}"
        state = ' class="is-overdue"' if row.overdue else ' class="is-due"' if row.due else ""
        return format_html(
            '<tr id="procedure-{pk}"{state}>\n'
            '<td data-label="{l_bed}" class="bed">{bed}</td>\n'
            '<th scope="row" data-label="{l_patient}" class="patient"><a href="{patient_url}" id="patient-{pk}">'
            '{name}</a> <span class="muted">{mrn}</span></th>\n'
            '<td data-label="{l_procedure}" class="procedure">{kind} <strong class="levels">{levels}</strong></td>\n'
            '<td data-label="{l_since}" class="since">{since}</td>\n'
            '<td data-label="{l_consolidation}" class="consolidation-cell">{consolidation}</td>\n'
            '<td data-label="{l_next}" class="next">{next}</td>\n'
            '<td data-label="{l_reminders}" class="reminders">{reminders}</td>\n'
            '<td class="actions">{actions}</td>\n'
            "</tr>\n",
            pk=row.pk, state=mark_safe(state), bed=patient.bed or "—", patient_url=self.patient_url(patient.pk),
            name=name, mrn=patient.mrn, kind=self.kinds.get(row.kind, row.kind), levels="+".join(row.levels or []),
            since=self.since(row), consolidation=self.consolidation(row), next=self.next(row),
            reminders=self.reminders(row), actions=self.actions(row, name),
            l_bed=w["bed"], l_patient=w["patient"], l_procedure=w["procedure"], l_since=w["since"],
            l_consolidation=w["consolidation"], l_next=w["next"], l_reminders=w["reminders"],
        )  # fmt: skip

    def since(self, row: BoardRow) -> SafeString:
        if not row.cement_at:
            return format_html('<span class="muted">{}</span>', self.words["not_injected"])
        return format_html(
            '<span data-since="{}">{}</span> <span class="muted">{}</span>',
            iso(row.cement_at),
            self.clock.since(row.cement_at, row.now),
            _("at %(time)s") % {"time": self.clock.time(row.cement_at)},
        )

    def consolidation(self, row: BoardRow) -> SafeString:
        percent = row.consolidation_percent
        if percent is None:
            return mark_safe("—")
        if row.stood_up:
            stand = self.words["up"]
        else:
            stand = _("may stand at %(time)s") % {"time": self.clock.time(row.may_stand_at)}
        return format_html(
            '<div class="consolidation">\n<progress max="100" value="{percent}" data-from="{start}" data-to="{end}"'
            ' aria-label="{label}">{percent} %</progress>\n'
            '<span><span data-percent>{percent}</span> % · {stand}</span></div>',
            percent=percent, start=iso(row.cement_at), end=iso(row.may_stand_at), stand=stand,
            label=_("Consolidation of %(name)s") % {"name": row.patient.family_name.upper()},
        )  # fmt: skip

    def next(self, row: BoardRow) -> SafeString:
        milestone, w = row.next_milestone, self.words
        if milestone is None:
            return format_html('<span class="muted">{}</span>', w["nothing_planned"])
        # Overdue and due are said in words and a symbol, not by colour alone.
        if milestone.status == Milestone.Status.OVERDUE:
            badge = format_html('<span class="badge overdue"><span aria-hidden="true">⚠</span> {}</span>', w["overdue"])
        elif milestone.status == Milestone.Status.DUE:
            badge = format_html('<span class="badge due"><span aria-hidden="true">●</span> {}</span>', w["due_now"])
        else:
            badge = format_html('<span class="badge pending">{}</span>', w["next"])
        more = ""
        if row.to_do > 1:
            count = row.to_do - 1
            more = format_html(
                ' <span class="more">{}</span>',
                ngettext("and %(counter)s more to do", "and %(counter)s more to do", count) % {"counter": count},
            )
        return format_html(
            '{badge}\n<strong>{label}</strong>\n<span class="when">{due} (<time datetime="{at}" data-countdown>'
            "{countdown}</time>)</span>{more}",
            badge=badge, label=milestone.label, due=_("due %(time)s") % {"time": self.clock.time(milestone.due_at)},
            at=iso(milestone.due_at), countdown=self.clock.relative(milestone.due_at, row.now), more=more,
        )  # fmt: skip

    def reminders(self, row: BoardRow) -> SafeString:
        """The staff reminders that want attention: red flags first, each with an Acknowledge
        button; failed deliveries are marked as such."""
        if not row.reminders:
            return mark_safe('<span class="muted">—</span>')
        return format_html_join("", "{}", ((self.reminder(reminder),) for reminder in row.reminders))

    def reminder(self, reminder) -> SafeString:
        w, classes, title = self.words, "reminder", ""
        if reminder.kind == "alert":
            classes += " red-flag"
            title = format_html('<strong><span aria-hidden="true">⚠</span> {}:</strong> ', w["red_flag"])
        elif reminder.status == "failed":
            title = format_html('<strong><span aria-hidden="true">✖</span> {}:</strong> ', w["not_delivered"])
        elif reminder.kind == "failure":
            title = format_html("<strong>{}:</strong> ", w["delivery_failed"])
        if reminder.status == "failed":
            classes += " failed"
        button = ""
        if reminder.status == "sent":
            button = format_html(
                '\n<form method="post" action="{}" class="inline">{}<input type="hidden" name="next" value="{}">'
                '<button type="submit" class="small">{}<span class="visually-hidden"> {}</span></button></form>',
                self.acknowledge_url(reminder.pk), mark_safe(self.csrf_input), self.request_path, w["acknowledge"],
                reminder.label,
            )  # fmt: skip
        return format_html('<div class="{}">{}{}{}</div>\n', classes, title, reminder.label, button)

    def actions(self, row: BoardRow, name: str) -> SafeString:
        milestone, parts = row.next_milestone, []
        if row.to_do:
            complete = (
                '<a class="button primary" id="complete-{}" href="{}">{}'
                '<span class="visually-hidden"> “{}”, {}</span>…</a>'
            )
            url = self.complete_url(milestone.pk)
            parts.append(format_html(complete, row.pk, url, self.words["complete"], milestone.label, name))
        if kind := row.next_event_kind:
            record = (
                '<a class="button" id="record-{}" href="{}?kind={}">{}<span class="visually-hidden">, {}</span>…</a>'
            )
            parts.append(format_html(record, row.pk, self.record_url(row.pk), kind, self.events[kind], name))
        return mark_safe("\n".join(parts))  # built by format_html


def board_html(rows: list[BoardRow], request: HttpRequest) -> SafeString:
    """The rows of the board table, in the active language and the current (the ward's) time zone."""
    csrf_input = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    return RowWriter(request.get_full_path(), csrf_input).rows(rows)
