"""The one interface every channel implements."""

from notifications.models import Reminder


class DeliveryError(Exception):
    """Delivery did not happen. `permanent` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def permanent_http_error(status: int, temporary: set[int]) -> bool:
    """A 4xx is a refusal for good, except the statuses a channel knows to mean "later"; 5xx is temporary."""
    return 400 <= status < 500 and status not in temporary


class Transport:
    # Whether a send leaves the tracker (and so could be repeated by a worker that dies mid-send):
    # such sends are counted and settled one by one (notifications.delivery).
    external = True

    def send(self, reminder: Reminder) -> str:
        """Deliver the reminder; return the provider's message id (or ""), or raise DeliveryError."""
        raise NotImplementedError
