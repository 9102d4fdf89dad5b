"""The query parameters that narrow the lists of notifications and alerts."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from notifications.models import Reminder
from tracker.api.filters import WholeNumberFilter, one_of


class NotificationFilter(filters.FilterSet):
    procedure = WholeNumberFilter(field_name="procedure_id")
    ward = WholeNumberFilter(field_name="ward_id")
    status = one_of(Reminder.Status.choices)

    class Meta:
        model = Reminder
        fields = ["procedure", "ward", "status"]


class AlertFilter(filters.FilterSet):
    ward = WholeNumberFilter(field_name="ward_id")
    status = one_of([("open", "open"), ("acknowledged", "acknowledged")], method="by_state")

    class Meta:
        model = Reminder
        fields = ["ward", "status"]

    def by_state(self, alerts: QuerySet, name: str, value: str) -> QuerySet:
        return alerts.filter(acknowledged_at__isnull=value == "open")
