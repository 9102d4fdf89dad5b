from django.urls import path

from outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("wards/<int:ward_id>/outcomes/", views.ward_outcomes, name="ward"),
    path("wards/<int:ward_id>/outcomes.csv", views.ward_outcomes_csv, name="csv"),
]
