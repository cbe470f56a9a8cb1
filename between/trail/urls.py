from django.urls import URLPattern

app_name = "trail"

urlpatterns: list[URLPattern] = []
