from django.urls import path

from outcomes.api import OutcomesView

urlpatterns = [
    path("outcomes/", OutcomesView.as_view(), name="api-outcomes"),
]
