"""What a one-line text people type (a name, an MRN, a bed) may hold: no control characters.

A tab or a bell is a paste from elsewhere, and a direction override (U+202E) shows an MRN or a name
reversed on the board and the handover sheet: "MRN-" + U+202E + "1000" is shown as "MRN-0001". (NUL is
refused before this, by the forms' and the API's own fields.)
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTROL = re.compile("[\x01-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(value: str) -> None:
    """Refuse a text holding a control character or a direction mark (a model field's validator)."""
    if CONTROL.search(value):
        raise ValidationError(
            _("Remove the control characters (tabs, line breaks, direction marks)."), code="control_characters"
        )
