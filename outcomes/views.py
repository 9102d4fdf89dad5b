"""/wards/{id}/outcomes/: the ward's results for its doctors, as charts with their numbers, and a CSV export."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from rest_framework.exceptions import ValidationError

from outcomes import charts
from outcomes.export import csv_lines, export_rows
from outcomes.filters import period_for
from outcomes.references import reference
from outcomes.results import ward_results
from procedures.models import Complication, Procedure, Ward

TIMEPOINT_LABELS = {
    "prom_1w": _("1 week"),
    "prom_1m": _("1 month"),
    "prom_3m": _("3 months"),
    "prom_6m": _("6 months"),
    "prom_12m": _("12 months"),
}


@never_cache
@login_required
def ward_outcomes(request: HttpRequest, ward_id: int) -> HttpResponse:
    ward = get_object_or_404(Ward.objects.visible_to(request.user), pk=ward_id)
    now = timezone.now()
    errors = {}
    try:
        period = period_for(request.user, request.GET, now=now, ward=ward)
    except ValidationError as error:
        errors = error.detail
        period = period_for(request.user, {}, now=now, ward=ward)
    results = ward_results(period, now=now)
    context = {
        "ward": ward,
        "period": period,
        "last_day": (period.end - timezone.timedelta(days=1)).date(),
        "errors": errors,
        "kinds": Procedure.Kind.choices,
        "results": results,
        **chart_context(results),
    }
    with timezone.override(ward.zone):
        return render(request, "outcomes/ward_outcomes.html", context)


def chart_context(results: dict) -> dict:
    timepoints = [dict(row, label=TIMEPOINT_LABELS[row["timepoint"]]) for row in results["pain"]["by_timepoint"]]
    kinds = dict(Complication.Kind.choices)
    complications = [dict(row, label=kinds[row["kind"]]) for row in results["complications"]]
    relief_ref, leak_ref = reference("relief_rate"), reference("cement_leakage_rate")
    return {
        "timepoints": timepoints,
        "complication_rows": complications,
        "relief_reference": shown(relief_ref),
        "leakage_reference": shown(leak_ref),
        "pain_chart": charts.pain_chart(
            [(row["label"], row["median"], row["q1"], row["q3"]) for row in timepoints],
            results["pain"]["baseline_median"],
        ),
        "relief_chart": charts.rate_chart(
            [(row["label"], row["relief_rate"], row["relief_ci95"]) for row in timepoints],
            (relief_ref["low"], relief_ref["high"]),
        ),
        "response_chart": charts.rate_chart([(row["label"], row["response_rate"], None) for row in timepoints]),
        "complication_chart": charts.rate_chart(
            [(row["label"], row["rate"], row["ci95"]) for row in complications],
            (leak_ref["low"], leak_ref["high"]),
        ),
    }


@never_cache
@login_required
def ward_outcomes_csv(request: HttpRequest, ward_id: int) -> HttpResponse | StreamingHttpResponse:
    """The rows are written as they are read, so a large ward's file starts at once and is never held whole."""
    ward = get_object_or_404(Ward.objects.visible_to(request.user), pk=ward_id)
    try:
        period = period_for(request.user, request.GET, now=timezone.now(), ward=ward)
    except ValidationError as error:
        return JsonResponse(error.detail, status=400)
    response = StreamingHttpResponse(csv_lines(export_rows(period)), content_type="text/csv; charset=utf-8")
    name = f"outcomes-ward{ward.pk}-{period.start:%Y%m%d}-{(period.end - timezone.timedelta(days=1)):%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def shown(ref: dict) -> dict:
    """A published figure as the page writes it: its decimals and its source in the page's language (the API
    keeps both as they are)."""
    value = ref["value"].replace(".", formats.get_format("DECIMAL_SEPARATOR"))
    return dict(ref, value=value, source=gettext(ref["source"]))
