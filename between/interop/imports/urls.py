from django.urls import URLPattern, URLResolver, path

from between.interop.imports import views

app_name = "imports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.upload, name="upload"),
    path("<int:batch_id>/", views.batch_detail, name="batch-detail"),
]
