from django.urls import path

from between.outcomes import views

app_name = "outcomes"

urlpatterns = [
    # Staff: a client's scores and the clinician's entry.
    path("clients/<int:client_id>/", views.client_outcomes, name="client-outcomes"),
    path(
        "clients/<int:client_id>/<slug:instrument_key>/new/",
        views.administration_create,
        name="administration-create",
    ),
    # The family portal.
    path("family/", views.family_due, name="family-due"),
    path(
        "family/<int:client_id>/<slug:instrument_key>/",
        views.family_form,
        name="family-form",
    ),
    # Supervisors and analysts: aggregates only.
    path("analysis/", views.analysis_page, name="analysis"),
]
