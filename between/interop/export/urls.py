from django.urls import URLPattern, URLResolver

app_name = "export"

urlpatterns: list[URLPattern | URLResolver] = []
