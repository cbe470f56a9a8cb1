from django.urls import path

from between.clinic import views

app_name = "clinic"

urlpatterns = [
    path("clients/<int:client_id>/", views.client_detail, name="client-detail"),
    path("programs/<int:program_id>/", views.program_detail, name="program-detail"),
]
