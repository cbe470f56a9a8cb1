from django.urls import path

from between.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.county, name="county"),
    path("programs/<int:program_id>/", views.program, name="program"),
    path("clinicians/<int:clinician_id>/", views.clinician, name="clinician"),
]
