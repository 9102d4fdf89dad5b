"""The query parameters that narrow the lists of patients and procedures."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from procedures.models import Patient, Procedure
from tracker.api.filters import WholeNumberFilter, one_of


class PatientFilter(filters.FilterSet):
    ward = WholeNumberFilter(field_name="ward_id")
    search = filters.CharFilter(method="by_mrn_or_name", help_text="The MRN, or part of a given or family name.")

    class Meta:
        model = Patient
        fields = ["ward", "search"]

    def by_mrn_or_name(self, patients: QuerySet, name: str, value: str) -> QuerySet:
        return patients.filter(Q(mrn__iexact=value) | Q(family_name__icontains=value) | Q(given_name__icontains=value))


class ProcedureFilter(filters.FilterSet):
    ward = WholeNumberFilter(field_name="patient__ward_id")
    status = one_of(Procedure.Status.choices)

    class Meta:
        model = Procedure
        fields = ["ward", "status"]
