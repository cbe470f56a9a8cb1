from django.urls import path

from between.portal import views, views_access, views_staff

app_name = "portal"

urlpatterns = [
    path("", views_access.index, name="index"),
    # Getting in.
    path("join/", views_access.join, name="join"),
    path("join/<str:token>/", views_access.join, name="join-link"),
    path("sign-in/", views_access.sign_in_page, name="sign-in"),
    path("sign-in/link/", views_access.link_request, name="link-request"),
    path("sign-in/link/<str:token>/", views_access.link_sign_in, name="link-sign-in"),
    path("sign-out/", views_access.sign_out, name="sign-out"),
    path("language/", views_access.language, name="language"),
    # The family's pages.
    path("today/", views.today_page, name="today"),
    path("homework/<int:assignment_id>/log/", views.log_create, name="log-create"),
    path("logs/<int:log_id>/details/", views.log_details, name="log-details"),
    path("week/", views.week_page, name="week"),
    path("help/", views.help_page, name="help"),
    path("homework/<int:assignment_id>/reminders/", views.reminders, name="reminders"),
    path("messages/stop/", views.messages_stop, name="messages-stop"),
    # The clinician's side.
    path("clients/<int:client_id>/invite/", views_staff.invite, name="invite"),
    path(
        "invitations/<int:invitation_id>/handout/",
        views_staff.invitation_handout,
        name="invitation-handout",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views_staff.invitation_revoke,
        name="invitation-revoke",
    ),
]
