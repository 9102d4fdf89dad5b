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
from ward.board import BoardRedFlag, BoardReminder, BoardRow, BoardView
from ward.escalation_words import escalated, escalates
from ward.templatetags.ward_time import TimeWriter

# An id no row has, replaced in the reversed URL by each row's own (see `link_to`).
PLACEHOLDER = 2147483647
# Where the rows' forms take the CSRF token, in rows written once for every nurse of the ward
# (ward/board_cache.py): each response puts its own token there (`with_token`). Values from the
# database are escaped, so their text can never hold a raw "<": this slot is never anything else.
TOKEN_SLOT = "<csrf-token>"


def link_to(name: str) -> Callable[[int], str]:
    """Return a function writing the URL `name` for an object's id, with one reverse() per page."""
    before, after = (esc(part) for part in reverse(name, args=[PLACEHOLDER]).split(str(PLACEHOLDER)))
    return lambda pk: f"{before}{int(pk)}{after}"


class RowWriter:
    """Writes board rows in the active language and the current (the ward's) time zone."""

    def __init__(self, request_path: str, csrf_token: str = TOKEN_SLOT) -> None:
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
            "red_flag_word": _("RED FLAG"),
            "more": _("More"),
            "being_sent": _("not yet delivered to the nurses' inbox"),
        }
        self.words = {key: esc(word) for key, word in words.items()}
        # Sentences with a value in them, filled in (then escaped) row by row.
        self.at_time = _("at %(time)s")
        self.may_stand_at = _("may stand at %(time)s")
        self.due_time = _("due %(time)s")
        self.consolidation_of = _("Consolidation of %(name)s")
        self.discharged_at = _("discharged at %(time)s")
        self.bed = _("Bed %(bed)s")
        self.raised_at = _("raised at %(time)s")
        self.escalates = esc(escalates())
        self.escalated = {1: esc(escalated(1)), 2: esc(escalated(2))}
        self.acknowledge_flags_of = _("Acknowledge the red flags of %(name)s")
        self.kinds = {value: esc(str(label)) for value, label in Procedure.Kind.choices}
        self.record = {value: esc(_("Record: %(event)s") % {"event": label}) for value, label in EventKind.choices}
        self.patient_url = link_to("ward:patient")
        self.complete_url = link_to("ward:complete")
        self.record_url = link_to("ward:record_event")
        self.acknowledge_url = link_to("ward:acknowledge")
        self.acknowledge_flags_url = link_to("ward:acknowledge_red_flags")
        self.path = esc(request_path)
        token = csrf_token if csrf_token == TOKEN_SLOT else esc(csrf_token)
        self.csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'

    def rows(self, rows: list[BoardRow]) -> SafeString:
        return mark_safe("".join(self.row(row) for row in rows))  # every value escaped with esc

    def row(self, row: BoardRow) -> str:
        words, patient, pk = self.words, row.patient, int(row.pk)
        name = esc(f"{patient.family_name.upper()} {patient.given_name}")
        levels = esc("+".join(row.levels or []))
        flag = ""
        if row.red_flags:  # said in a word and a sign as well as by the row's colour
            flag = f'<span class="badge red-flag"><span aria-hidden="true">⚠</span> {words["red_flag_word"]}</span> '
        discharged = ""
        if row.discharged:
            at = self.discharged_at % {"time": self.clock.time(row.discharged_at)}
            discharged = f'<span class="discharged-at">{esc(at)}</span>'
        return (
            f'<tr id="procedure-{pk}" class="{self.state(row)}">\n'
            f'<td data-label="{words["bed"]}" class="bed">{esc(patient.bed) or "—"}</td>\n'
            f'<th scope="row" data-label="{words["patient"]}" class="patient">{flag}'
            f'<a href="{self.patient_url(patient.pk)}" id="patient-{pk}">{name}</a>'
            f' <span class="muted">{esc(patient.mrn)}</span></th>\n'
            f'<td data-label="{words["procedure"]}" class="procedure">{self.kinds.get(row.kind, esc(row.kind))}'
            f' <strong class="levels">{levels}</strong>{discharged}</td>\n'
            f'<td data-label="{words["since"]}" class="since">{self.since(row)}</td>\n'
            f'<td data-label="{words["consolidation"]}" class="consolidation-cell">{self.consolidation(row)}</td>\n'
            f'<td data-label="{words["next"]}" class="next">{self.next(row)}</td>\n'
            f'<td data-label="{words["reminders"]}" class="reminders">{self.reminders(row)}</td>\n'
            f'<td class="actions">{self.actions(row, name)}</td>\n'
            "</tr>\n"
        )

    @staticmethod
    def state(row: BoardRow) -> str:
        """The row's class: a red flag above overdue, overdue above due."""
        state = "is-red-flag" if row.red_flags else "is-overdue" if row.overdue else "is-due" if row.due else "is-calm"
        return f"{state} is-discharged" if row.discharged else state

    def since(self, row: BoardRow) -> str:
        if not row.cement_at:
            return f'<span class="muted">{self.words["not_injected"]}</span>'
        since = esc(self.clock.since(row.cement_at, row.now))
        at = esc(self.at_time % {"time": self.clock.time(row.cement_at)})
        return f'<span data-since="{self.clock.iso(row.cement_at)}">{since}</span> <span class="muted">{at}</span>'

    def consolidation(self, row: BoardRow) -> str:
        percent = row.consolidation_percent
        if percent is None:
            return "—"
        stand = self.words["up"]
        if not row.stood_up:
            stand = esc(self.may_stand_at % {"time": self.clock.time(row.may_stand_at)})
        label, iso = esc(self.consolidation_of % {"name": row.patient.family_name.upper()}), self.clock.iso
        return (
            f'<div class="consolidation">\n<progress max="100" value="{percent}" data-from="{iso(row.cement_at)}"'
            f' data-to="{iso(row.may_stand_at)}" aria-label="{label}">{percent} %</progress>\n'
            f"<span><span data-percent>{percent}</span> % · {stand}</span></div>"
        )

    def next(self, row: BoardRow) -> str:
        milestone, words = row.next_milestone, self.words
        if milestone is None:
            return f'<span class="muted">{words["nothing_planned"]}</span>'
        # Overdue and due are said in words and a symbol, not by colour alone.
        if milestone.status == Milestone.Status.OVERDUE:
            badge = f'<span class="badge overdue"><span aria-hidden="true">⚠</span> {words["overdue"]}</span>'
        elif milestone.status == Milestone.Status.DUE:
            badge = f'<span class="badge due"><span aria-hidden="true">●</span> {words["due_now"]}</span>'
        else:
            badge = f'<span class="badge pending">{words["next"]}</span>'
        more = ""
        if row.to_do > 1:
            count = row.to_do - 1
            words = ngettext("and %(counter)s more to do", "and %(counter)s more to do", count) % {"counter": count}
            more = f' <span class="more">{esc(words)}</span>'
        due = esc(self.due_time % {"time": self.clock.time(milestone.due_at)})
        countdown = esc(self.clock.relative(milestone.due_at, row.now))
        return (
            f'{badge}\n<strong>{esc(milestone.label)}</strong>\n<span class="when">{due}'
            f' (<time datetime="{self.clock.iso(milestone.due_at)}" data-countdown>{countdown}</time>)</span>{more}'
        )

    def reminders(self, row: BoardRow) -> str:
        """The staff reminders that want attention: red flags first, all acknowledged by one button;
        then the others, each with its own Acknowledge button; failed deliveries are marked as such."""
        if not (row.reminders or row.red_flags):
            return '<span class="muted">—</span>'
        words = self.words
        flags = "".join(
            f'<div class="reminder red-flag"><strong><span aria-hidden="true">⚠</span> {words["red_flag"]}:</strong>'
            f" {esc(flag.summary)}</div>\n"
            for flag in row.red_flags
        )
        return flags + "".join(self.reminder(reminder) for reminder in row.reminders)

    def acknowledge_flags(self, row: BoardRow) -> str:
        """One button for all the patient's open red flags, the first of the row's buttons."""
        if not row.red_flags:
            return ""
        name = f"{row.patient.family_name.upper()} {row.patient.given_name}"
        count = len(row.red_flags)
        words = ngettext("Acknowledge the red flag", "Acknowledge all %(counter)s red flags", count)
        return (
            f'<form method="post" action="{self.acknowledge_flags_url(row.pk)}" class="acknowledge-flags">'
            f'{self.csrf_input}<input type="hidden" name="next" value="{self.path}">'
            f'<button type="submit" class="danger" id="acknowledge-flags-{int(row.pk)}"'
            f' aria-describedby="what-buttons-do">{esc(words % {"counter": count})}'
            f'<span class="visually-hidden"> ({esc(self.acknowledge_flags_of % {"name": name})})</span></button></form>'
        )

    def alerts(self, view: BoardView) -> SafeString:
        """The list of every open red flag on the ward, above the rows (its heading is the page's)."""
        if not view.red_flags:
            return mark_safe("")
        items = "".join(self.alert(row, flag) for row, flag in view.red_flags)
        return mark_safe(f'<ul class="red-flag-list">{items}</ul>')  # every value escaped with esc

    def alert(self, row: BoardRow, flag: BoardRedFlag) -> str:
        patient, clock = row.patient, self.clock
        bed = esc(self.bed % {"bed": patient.bed}) if patient.bed else ""
        name = esc(f"{patient.family_name.upper()} {patient.given_name}")
        raised = esc(self.raised_at % {"time": clock.time(flag.raised_at)})
        # The minutes move on every second: shown, but kept out of what a screen reader announces.
        since = esc(clock.since(flag.raised_at, row.now))
        since = f'<span aria-hidden="true">(<span data-since="{self.clock.iso(flag.raised_at)}">{since}</span>)</span>'
        return (
            f'<li><a href="#procedure-{int(row.pk)}"><strong>{bed}</strong> {name}</a>'
            f'<span class="flag-detail">: <strong class="what">{esc(flag.summary)}</strong>'
            f' <span class="since">{raised} {since}</span>'
            f' <span class="level">{self.escalation(flag, row.now)}</span></span></li>'
        )

    def escalation(self, flag: BoardRedFlag, now) -> str:
        if flag.level:
            when = self.moment(flag.escalated_at, now)
            return self.escalated[min(flag.level, 2)] % {"when": when}
        if flag.escalate_at:
            return self.escalates % {"when": self.moment(flag.escalate_at, now)}
        if flag.status in (Reminder.Status.SCHEDULED, Reminder.Status.SENDING):
            return self.words["being_sent"]
        return ""

    def moment(self, moment, now) -> str:
        """A time, "14:07", then how far off it is, "(3 min ago)", which moves on but is not announced."""
        clock = self.clock
        return (
            f'{esc(self.at_time % {"time": clock.time(moment)})} <span aria-hidden="true">('
            f'<time datetime="{clock.iso(moment)}" data-countdown>{esc(clock.relative(moment, now))}</time>)</span>'
        )

    def reminder(self, reminder: BoardReminder) -> str:
        words, classes, title = self.words, "reminder", ""
        if reminder.status == Reminder.Status.FAILED:
            title = f'<strong><span aria-hidden="true">✖</span> {words["not_delivered"]}:</strong> '
        elif reminder.kind == Reminder.Kind.FAILURE:
            title = f"<strong>{words['delivery_failed']}:</strong> "
        if reminder.status == Reminder.Status.FAILED:
            classes += " failed"
        label, button = esc(reminder.label), ""
        if reminder.status == Reminder.Status.SENT:
            button = (
                f'\n<form method="post" action="{self.acknowledge_url(reminder.pk)}" class="inline">{self.csrf_input}'
                f'<input type="hidden" name="next" value="{self.path}">'
                f'<button type="submit" class="small" aria-describedby="what-buttons-do">{words["acknowledge"]}'
                f'<span class="visually-hidden"> {label}</span>'
                "</button></form>"
            )
        return f'<div class="{classes}">{title}{label}{button}</div>\n'

    def actions(self, row: BoardRow, name: str) -> str:
        """`name` is already escaped."""
        milestone, pk, parts = row.next_milestone, int(row.pk), [self.acknowledge_flags(row)]
        if row.to_do:
            parts.append(
                f'<a class="button primary" id="complete-{pk}" href="{self.complete_url(milestone.pk)}">'
                f"<span>{self.words['complete']}"
                f'<span class="visually-hidden"> “{esc(milestone.label)}”, {name}</span>…</span></a>'
            )
        kind = row.next_event_kind
        if kind and kind != EventKind.DISCHARGED:
            parts.append(
                f'<a class="button" id="record-{pk}" href="{self.record_url(pk)}?kind={esc(kind)}">'
                f'<span>{self.record[kind]}<span class="visually-hidden">, {name}</span>…</span></a>'
            )
        elif kind:
            # Discharge ends the patient's stay: offered once the procedure has ended, apart from the
            # everyday buttons, behind one more tap.
            parts.append(
                f'<details class="row-more" id="more-{pk}"><summary>{self.words["more"]}'
                f'<span class="visually-hidden">, {name}</span></summary>'
                f'<a class="button" id="record-{pk}" href="{self.record_url(pk)}?kind={esc(kind)}">'
                f'{self.record[kind]}<span class="visually-hidden">, {name}</span>…</a></details>'
            )
        return "\n".join(part for part in parts if part)


def with_token(html: str, request: HttpRequest) -> SafeString:
    """Rows written with the token slot (RowWriter's default), with this request's CSRF token in it."""
    return mark_safe(html.replace(TOKEN_SLOT, esc(get_token(request))))  # the rest was escaped when written
