"""The one interface every channel implements."""

from notifications.models import Reminder


class DeliveryError(Exception):
    """Delivery did not happen. `permanent` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Transport:
    def send(self, reminder: Reminder) -> str:
        """Deliver the reminder; return the provider's message id (or ""), or raise DeliveryError."""
        raise NotImplementedError
