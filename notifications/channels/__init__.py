"""Delivery channels, one module each, behind the Transport interface of channels.base."""

from notifications.channels.base import DeliveryError, Transport


def transport_for(channel: str) -> Transport:
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.NOTIFICATION_TRANSPORTS[channel])()


__all__ = ["DeliveryError", "Transport", "transport_for"]
