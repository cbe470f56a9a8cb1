from django.urls import URLPattern

app_name = "emergency"

urlpatterns: list[URLPattern] = []
