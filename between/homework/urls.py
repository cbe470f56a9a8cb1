from django.urls import path

from between.homework import library_views, overview_views, views

app_name = "homework"

urlpatterns = [
    path("sessions/<int:session_id>/", views.session_detail, name="session-detail"),
    path(
        "sessions/<int:session_id>/assignments/<int:assignment_id>/review/",
        views.review_save,
        name="review-save",
    ),
    path("sessions/<int:session_id>/assign/", views.assign, name="assignment-create"),
    path(
        "sessions/<int:session_id>/assignments/<int:assignment_id>/again/",
        views.reassign,
        name="assignment-reassign",
    ),
    path("sessions/<int:session_id>/no-homework/", views.no_homework, name="no-homework-save"),
    path("assignments/<int:assignment_id>/handout/", views.handout, name="handout"),
    path("assignments/<int:assignment_id>/logs/", views.log_practice, name="log-create"),
    path(
        "clients/<int:client_id>/homework/", overview_views.client_timeline, name="client-timeline"
    ),
    path("my-week/", overview_views.my_week, name="my-week"),
    path("supervision/", overview_views.supervision, name="supervision"),
    path(
        "supervision/clinicians/<int:clinician_id>/",
        overview_views.supervision_clinician,
        name="supervision-clinician",
    ),
    path("library/", library_views.library_list, name="library-list"),
    path("library/new/", library_views.library_edit, name="library-create"),
    path("library/<int:template_id>/", library_views.library_detail, name="library-detail"),
    path("library/<int:template_id>/edit/", library_views.library_edit, name="library-edit"),
    path("library/<int:template_id>/retire/", library_views.library_retire, name="library-retire"),
    path(
        "library/<int:template_id>/favorite/", library_views.favorite_toggle, name="favorite-toggle"
    ),
]
