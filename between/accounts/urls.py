from django.urls import path

from between.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("two-step/", views.mfa_verify, name="mfa-verify"),
    path("two-step/set-up/", views.mfa_setup, name="mfa-setup"),
    path("two-step/recovery-codes/", views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("security/", views.security, name="security"),
    path("keepalive/", views.keepalive, name="keepalive"),
]
