from django.urls import URLPattern, URLResolver, path

from between.trail import views

app_name = "trail"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.event_list, name="event-list"),
    path("export.csv", views.event_export, name="event-export"),
]
