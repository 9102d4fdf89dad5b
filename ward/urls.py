from django.urls import path

from ward import views

app_name = "ward"

urlpatterns = [
    path("", views.board, name="board"),
    path("wards/", views.choose_ward, name="choose"),
    path("wards/<int:ward_id>/live/", views.board_live, name="live"),
    path("patients/<int:pk>/", views.patient_page, name="patient"),
    path("procedures/<int:pk>/events/", views.record_event_page, name="record_event"),
    path("milestones/<int:pk>/complete/", views.complete_milestone_page, name="complete"),
    path("milestones/<int:pk>/undo/", views.undo_completion_action, name="undo"),
    path("reminders/<int:pk>/acknowledge/", views.acknowledge_reminder, name="acknowledge"),
    path(
        "procedures/<int:pk>/red-flags/acknowledge/",
        views.acknowledge_red_flags_action,
        name="acknowledge_red_flags",
    ),
]
