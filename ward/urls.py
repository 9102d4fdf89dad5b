from django.urls import path

from ward import handover_views, patient_views, views

app_name = "ward"

urlpatterns = [
    path("", views.board, name="board"),
    path("wards/", views.choose_ward, name="choose"),
    path("wards/<int:ward_id>/live/", views.board_live, name="live"),
    path("wards/<int:ward_id>/handover/", handover_views.handover_page, name="handover"),
    path("patients/<int:pk>/", views.patient_page, name="patient"),
    path("patients/<int:pk>/handover-notes/", handover_views.add_handover_note, name="add_handover_note"),
    path("patients/<int:pk>/link/", patient_views.issue_link_action, name="issue_link"),
    path("patients/<int:pk>/link/send/", patient_views.send_link_action, name="send_link"),
    path("patients/<int:pk>/link/revoke/", patient_views.revoke_links_action, name="revoke_links"),
    path("patients/<int:pk>/appointments.ics", patient_views.appointments_ics, name="appointments_ics"),
    path("procedures/<int:pk>/events/", views.record_event_page, name="record_event"),
    path("procedures/<int:pk>/observations/", patient_views.record_observations_page, name="record_observations"),
    path("procedures/<int:pk>/pain/", patient_views.record_pain_page, name="record_pain"),
    path("procedures/<int:pk>/complications/", patient_views.report_complication_page, name="report_complication"),
    path("milestones/<int:pk>/complete/", views.complete_milestone_page, name="complete"),
    path("milestones/<int:pk>/undo/", views.undo_completion_action, name="undo"),
    path("reminders/<int:pk>/acknowledge/", views.acknowledge_reminder, name="acknowledge"),
    path(
        "procedures/<int:pk>/red-flags/acknowledge/",
        views.acknowledge_red_flags_action,
        name="acknowledge_red_flags",
    ),
]
