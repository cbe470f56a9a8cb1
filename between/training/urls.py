from django.urls import path

from between.training import views

app_name = "training"

urlpatterns = [
    path("", views.training_home, name="home"),
    path("courses/<slug:key>/", views.course_detail, name="course-detail"),
    path("events/<int:event_id>/", views.event_detail, name="event-detail"),
    path("events/<int:event_id>/import/", views.event_import, name="event-import"),
    path(
        "attendance/<int:attendance_id>/certificate/",
        views.certificate,
        name="certificate",
    ),
]
