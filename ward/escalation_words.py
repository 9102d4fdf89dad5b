"""How the ward pages say where an open red flag goes next, or has gone: one wording, in every
language, for the board's red-flag list and for the notice a nurse reads after saving.

The levels are those of notifications.escalation: the ward's nurses (0), the charge nurses (1),
the doctor on call (2 and more). `%(when)s` is a moment already written in the page's language:
"in 5 min", or "at 14:07 (3 min ago)".
"""

from django.utils.translation import gettext as _


def escalates() -> str:
    """The sentence for a red flag still with the ward's nurses."""
    return _("escalates to the charge nurse %(when)s unless acknowledged")


def escalated(level: int) -> str:
    """The sentence for a red flag that reached `level` (1 or more)."""
    if level == 1:
        return _("escalated to charge nurse %(when)s")
    return _("escalated to doctor on call %(when)s")
