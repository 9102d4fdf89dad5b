"""GET /api/outcomes/: the ward's results as JSON, for the ward's staff (administrators: any ward)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from outcomes.filters import period_for
from outcomes.results import ward_results
from procedures.models import Procedure

PARAMETERS = [
    OpenApiParameter("ward", OpenApiTypes.INT, description="A ward's id; all the user's wards if omitted."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of cement injections (default: a year ago)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Procedure.Kind.values),
]


class OutcomesView(APIView):
    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        period = period_for(request.user, request.query_params, now=timezone.now())
        return Response(ward_results(period, now=timezone.now()))
