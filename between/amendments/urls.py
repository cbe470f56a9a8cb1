from django.urls import URLPattern, path

from between.amendments import views

app_name = "amendments"

urlpatterns: list[URLPattern] = [
    # Staff: a client's requests (record one: POST), decide one, add a family's statement.
    path("clients/<int:client_id>/", views.client_list, name="client-list"),
    path("requests/<int:request_id>/decide/", views.decide, name="decide"),
    path("requests/<int:request_id>/disagreement/", views.disagreement, name="disagreement"),
    # The family portal: ask for a correction, see the decisions, disagree with a denial.
    path("family/", views.family_request, name="family-request"),
    path(
        "family/<int:request_id>/disagreement/",
        views.family_disagreement,
        name="family-disagreement",
    ),
]
