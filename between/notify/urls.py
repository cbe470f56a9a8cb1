from django.urls import path

from between.notify import views

app_name = "notify"

urlpatterns = [
    path("sms/inbound", views.sms_inbound, name="sms-inbound"),
    path("sms/status", views.sms_status, name="sms-status"),
]
