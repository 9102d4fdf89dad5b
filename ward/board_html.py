"""The HTML of the board's rows, written in Python rather than in a template.

A ward of 300 patients is a page of 300 rows of some forty values each, fetched again every few
seconds by every open board. Django's template language spends ~5 µs on each value it places,
and even format_html ~4 µs on each argument: either alone would miss the board's target (p95 <
100 ms). Here the fixed words (cell labels, badges, sentences) are translated and escaped once
per page, the links reversed once per page, and each value from the database is escaped with
`esc` as it is placed: every f-string below must pass each non-constant value through `esc`.

ward/static/ward/board.js reads the data-* attributes and <time> elements written here;
ward/templatetags/ward_time.py writes the durations and times.
"""

from collections.abc import Callable
from html import escape as esc

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Reminder
from procedures.models import EventKind, Milestone, Procedure
from ward.board import BoardRow
from ward.templatetags.ward_time import TimeWriter, iso

# An id no row has, replaced in the reversed URL by each row's own (see `link_to`).
PLACEHOLDER = 2147483647


def link_to(name: str) -> Callable[[int], str]:
    """Return a function writing the URL `name` for an object's id, with one reverse() per page."""
    before, after = (esc(part) for part in reverse(name, args=[PLACEHOLDER]).split(str(PLACEHOLDER)))
    return lambda pk: f"{before}{int(pk)}{after}"


class RowWriter:
    """Writes board rows in the active language and the current (the ward's) time zone."""

    def __init__(self, request_path: str, csrf_token: str) -> None:
        self.clock = TimeWriter()
        words = {
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
        self.w = {key: esc(word) for key, word in words.items()}
        # Sentences with a value in them, filled in (then escaped) row by row.
        self.at = _("at %(time)s")
        self.may_stand_at = _("may stand at %(time)s")
        self.due = _("due %(time)s")
        self.consolidation_of = _("Consolidation of %(name)s")
        self.kinds = {value: esc(str(label)) for value, label in Procedure.Kind.choices}
        self.record = {value: esc(_("Record: %(event)s") % {"event": label}) for value, label in EventKind.choices}
        self.patient_url = link_to("ward:patient")
        self.complete_url = link_to("ward:complete")
        self.record_url = link_to("ward:record_event")
        self.acknowledge_url = link_to("ward:acknowledge")
        self.path = esc(request_path)
        self.csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">'

    def rows(self, rows: list[BoardRow]) -> SafeString:
        return mark_safe("".join(self.row(row) for row in rows))  # every value escaped with esc

    def row(self, row: BoardRow) -> str:
        w, patient, pk = self.w, row.patient, int(row.pk)
        name = esc(f"{patient.family_name.upper()} {patient.given_name}")
        state = ' class="is-overdue"' if row.overdue else ' class="is-due"' if row.due else ""
        levels = esc("+".join(row.levels or []))
        return (
            f'<tr id="procedure-{pk}"{state}>\n'
            f'<td data-label="{w["bed"]}" class="bed">{esc(patient.bed) or "—"}</td>\n'
            f'<th scope="row" data-label="{w["patient"]}" class="patient">'
            f'<a href="{self.patient_url(patient.pk)}" id="patient-{pk}">{name}</a>'
            f' <span class="muted">{esc(patient.mrn)}</span></th>\n'
            f'<td data-label="{w["procedure"]}" class="procedure">{self.kinds.get(row.kind, esc(row.kind))}'
            f' <strong class="levels">{levels}</strong></td>\n'
            f'<td data-label="{w["since"]}" class="since">{self.since(row)}</td>\n'
            f'<td data-label="{w["consolidation"]}" class="consolidation-cell">{self.consolidation(row)}</td>\n'
            f'<td data-label="{w["next"]}" class="next">{self.next(row)}</td>\n'
            f'<td data-label="{w["reminders"]}" class="reminders">{self.reminders(row)}</td>\n'
            f'<td class="actions">{self.actions(row, name)}</td>\n'
            "</tr>\n"
        )

    def since(self, row: BoardRow) -> str:
        if not row.cement_at:
            return f'<span class="muted">{self.w["not_injected"]}</span>'
        since = esc(self.clock.since(row.cement_at, row.now))
        at = esc(self.at % {"time": self.clock.time(row.cement_at)})
        return f'<span data-since="{iso(row.cement_at)}">{since}</span> <span class="muted">{at}</span>'

    def consolidation(self, row: BoardRow) -> str:
        percent = row.consolidation_percent
        if percent is None:
            return "—"
        stand = self.w["up"]
        if not row.stood_up:
            stand = esc(self.may_stand_at % {"time": self.clock.time(row.may_stand_at)})
        label = esc(self.consolidation_of % {"name": row.patient.family_name.upper()})
        return (
            f'<div class="consolidation">\n<progress max="100" value="{percent}" data-from="{iso(row.cement_at)}"'
            f' data-to="{iso(row.may_stand_at)}" aria-label="{label}">{percent} %</progress>\n'
            f"<span><span data-percent>{percent}</span> % · {stand}</span></div>"
        )

    def next(self, row: BoardRow) -> str:
        milestone, w = row.next_milestone, self.w
        if milestone is None:
            return f'<span class="muted">{w["nothing_planned"]}</span>'
        # Overdue and due are said in words and a symbol, not by colour alone.
        if milestone.status == Milestone.Status.OVERDUE:
            badge = f'<span class="badge overdue"><span aria-hidden="true">⚠</span> {w["overdue"]}</span>'
        elif milestone.status == Milestone.Status.DUE:
            badge = f'<span class="badge due"><span aria-hidden="true">●</span> {w["due_now"]}</span>'
        else:
            badge = f'<span class="badge pending">{w["next"]}</span>'
        more = ""
        if row.to_do > 1:
            count = row.to_do - 1
            words = ngettext("and %(counter)s more to do", "and %(counter)s more to do", count) % {"counter": count}
            more = f' <span class="more">{esc(words)}</span>'
        due = esc(self.due % {"time": self.clock.time(milestone.due_at)})
        countdown = esc(self.clock.relative(milestone.due_at, row.now))
        return (
            f'{badge}\n<strong>{esc(milestone.label)}</strong>\n<span class="when">{due}'
            f' (<time datetime="{iso(milestone.due_at)}" data-countdown>{countdown}</time>)</span>{more}'
        )

    def reminders(self, row: BoardRow) -> str:
        """The staff reminders that want attention: red flags first, each with an Acknowledge
        button; failed deliveries are marked as such."""
        if not row.reminders:
            return '<span class="muted">—</span>'
        return "".join(self.reminder(reminder) for reminder in row.reminders)

    def reminder(self, reminder: Reminder) -> str:
        w, classes, title = self.w, "reminder", ""
        if reminder.kind == Reminder.Kind.ALERT:
            classes += " red-flag"
            title = f'<strong><span aria-hidden="true">⚠</span> {w["red_flag"]}:</strong> '
        elif reminder.status == Reminder.Status.FAILED:
            title = f'<strong><span aria-hidden="true">✖</span> {w["not_delivered"]}:</strong> '
        elif reminder.kind == Reminder.Kind.FAILURE:
            title = f"<strong>{w['delivery_failed']}:</strong> "
        if reminder.status == Reminder.Status.FAILED:
            classes += " failed"
        label, button = esc(reminder.label), ""
        if reminder.status == Reminder.Status.SENT:
            button = (
                f'\n<form method="post" action="{self.acknowledge_url(reminder.pk)}" class="inline">{self.csrf_input}'
                f'<input type="hidden" name="next" value="{self.path}">'
                f'<button type="submit" class="small">{w["acknowledge"]}<span class="visually-hidden"> {label}</span>'
                "</button></form>"
            )
        return f'<div class="{classes}">{title}{label}{button}</div>\n'

    def actions(self, row: BoardRow, name: str) -> str:
        """`name` is already escaped."""
        milestone, pk, parts = row.next_milestone, int(row.pk), []
        if row.to_do:
            parts.append(
                f'<a class="button primary" id="complete-{pk}" href="{self.complete_url(milestone.pk)}">'
                f'{self.w["complete"]}<span class="visually-hidden"> “{esc(milestone.label)}”, {name}</span>…</a>'
            )
        if kind := row.next_event_kind:
            parts.append(
                f'<a class="button" id="record-{pk}" href="{self.record_url(pk)}?kind={esc(kind)}">'
                f'{self.record[kind]}<span class="visually-hidden">, {name}</span>…</a>'
            )
        return "\n".join(parts)


def board_html(rows: list[BoardRow], request: HttpRequest) -> SafeString:
    """The rows of the board table, in the active language and the current (the ward's) time zone."""
    return RowWriter(request.get_full_path(), get_token(request)).rows(rows)
