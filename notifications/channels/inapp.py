"""The ward inbox: a staff reminder is delivered by being shown on the ward board and in the API."""

from notifications.channels.base import Transport


class InAppTransport(Transport):
    external = False

    def send(self, reminder) -> str:
        # Nothing leaves the database: marking the reminder sent is what puts it in the inbox.
        return ""
