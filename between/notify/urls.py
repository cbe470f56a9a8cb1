from django.urls import path

from between.notify import alert_views, views

app_name = "notify"

urlpatterns = [
    path("sms/inbound", views.sms_inbound, name="sms-inbound"),
    path("sms/status", views.sms_status, name="sms-status"),
    path("alerts/<int:alert_id>/read/", alert_views.alert_read, name="alert-read"),
]
