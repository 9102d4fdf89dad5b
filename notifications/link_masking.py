"""Patient-link tokens cut short in the logs: a logged URL must not open a patient's page.

Loaded by settings.LOGGING before the apps are ready, so it imports no model.
"""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/p/)([^/\s\"'?#]{4})[^/\s\"'?#]*")


def mask_tokens(text: str) -> str:
    """ "/p/AbCdEf...:sig/" becomes "/p/AbCd…/": enough to tell two links apart, not to open one."""
    return TOKEN_IN_PATH.sub(r"\1\2…", text)


class MaskLinkTokens(logging.Filter):
    """A logging filter: patient-link tokens in a log line are cut to their first characters."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/p/" in message:
            record.msg, record.args = mask_tokens(message), ()
        return True
