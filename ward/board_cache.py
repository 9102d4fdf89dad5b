"""A board's rows, written out, kept a few seconds in Redis and shared by every nurse of the ward.

All of a ward's boards (a tablet at the desk, one on the trolley, the charge nurse's phone) show
the same rows and each asks for them again every few seconds; 300 rows cost some 60 ms to read
and write out. So the rows of a board, written out in the page's language with its filter and
order, are kept for BOARD_CACHE_SECONDS (3 by default; 0 turns the cache off) under the version
of tracker/board_version.py, and any write that changes what a board shows makes a new version.
A board is thus never older than a change saved before it was asked for, and at most
BOARD_CACHE_SECONDS behind the clock (a step falls due on the board at most that late). The page
says when its rows were read ("Updated at").

The rows are the same for every user who may see the ward: ward.board.board_rows keeps to the
user's wards, and the views ask only for a ward the user may see. Only the forms' CSRF token is
each user's own: the copy holds a slot that each response fills with its own (board_html).

Without Redis the board still works: it reads the database every time (tracker/board_version.py).
"""

import datetime as dt
import logging
import zlib
from dataclasses import dataclass, fields

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from redis.exceptions import RedisError

from notifications.models import Reminder
from procedures.models import Event, Milestone, Patient, Procedure, ProtocolStep, Staff, Ward
from tracker import board_version
from ward.board import board_rows, board_view
from ward.board_html import RowWriter

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    """A board's rows as read at `now`, written out with the CSRF token slot in their forms."""

    now: dt.datetime
    rows: int  # how many rows of patients in care it shows
    discharged: int  # how many in the "Discharged today" group
    red_flag_count: int  # open red flags on the ward, whatever the filter
    red_flags_signature: str  # changes when a red flag is raised, acknowledged or escalated
    rows_html: str
    discharged_html: str
    red_flags_html: str

    def fresh_at(self, now: dt.datetime) -> bool:
        return dt.timedelta(0) <= now - self.now < dt.timedelta(seconds=settings.BOARD_CACHE_SECONDS)


# In the keys: a copy kept by a process running an older BoardSnapshot (a deploy) is never unpickled.
SHAPE = zlib.crc32(",".join(field.name for field in fields(BoardSnapshot)).encode())


def read_board(*, ward: Ward, user: Staff, show: str, sort: str, back_to: str, now: dt.datetime) -> BoardSnapshot:
    """Read and write out the board now, in the active language and time zone (the ward's)."""
    view = board_view(board_rows(ward=ward, user=user, now=now), show=show, sort=sort)
    writer = RowWriter(back_to)
    return BoardSnapshot(
        now=now,
        rows=len(view.current),
        discharged=len(view.discharged),
        red_flag_count=view.red_flag_count,
        red_flags_signature=",".join(f"{flag.pk}:{flag.level}" for _row, flag in view.red_flags),
        rows_html=writer.rows(view.current),
        discharged_html=writer.rows(view.discharged),
        red_flags_html=writer.alerts(view),
    )


def ward_board(*, ward: Ward, user: Staff, show: str, sort: str, back_to: str, now: dt.datetime) -> BoardSnapshot:
    """The board's rows: the copy kept since a moment ago if nothing changed since, else read now.
    `user` may see `ward` (the caller checked)."""
    version = board_version.current() if board_version.enabled() else None
    if version is None:
        return read_board(ward=ward, user=user, show=show, sort=sort, back_to=back_to, now=now)
    key = f"board:{SHAPE}:{ward.pk}:{translation.get_language()}:{show}:{sort}:{version}"
    cache = board_version.cache()
    try:
        kept = cache.get(key)
    except RedisError:
        kept = None
    if kept is not None and kept.fresh_at(now):
        return kept
    snapshot = read_board(ward=ward, user=user, show=show, sort=sort, back_to=back_to, now=now)
    try:
        cache.set(key, snapshot, timeout=settings.BOARD_CACHE_SECONDS + 1)
    except RedisError:
        logger.warning(board_version.UNREACHABLE)
    return snapshot


# What a board shows is read from these; their bulk updates call board_version.bump() themselves.
SHOWN_ON_BOARDS = (Ward, Patient, Procedure, Event, Milestone, ProtocolStep, Reminder)


def forget_boards(**_kwargs) -> None:
    board_version.bump()


def connect_signals() -> None:
    """Any save or delete of what boards show starts them afresh (called from WardConfig.ready)."""
    for model in SHOWN_ON_BOARDS:
        post_save.connect(forget_boards, sender=model, dispatch_uid=f"board-{model._meta.label}-save")
        post_delete.connect(forget_boards, sender=model, dispatch_uid=f"board-{model._meta.label}-delete")
