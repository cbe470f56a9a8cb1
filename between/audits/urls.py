from django.urls import path

from between.audits import views

app_name = "audits"

urlpatterns = [
    path("", views.cycle_list, name="cycle-list"),
    path("feedback/", views.feedback, name="feedback"),
    path("<int:cycle_id>/", views.cycle_detail, name="cycle-detail"),
    path("<int:cycle_id>/sample/", views.cycle_sample, name="cycle-sample"),
    path("records/<int:review_id>/", views.record_review, name="record-review"),
    path(
        "<int:cycle_id>/actions/",
        views.corrective_action_create,
        name="corrective-action-create",
    ),
    path(
        "actions/<int:action_id>/done/",
        views.corrective_action_done,
        name="corrective-action-done",
    ),
]
