from django.urls import URLPattern, path

from between.emergency import views

app_name = "emergency"

urlpatterns: list[URLPattern] = [
    path("", views.request_access, name="request"),
    path("<int:grant_id>/end/", views.end_access, name="end"),
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/<int:grant_id>/", views.review, name="review"),
]
