from django.urls import path

from between.improvement import views

app_name = "improvement"

urlpatterns = [
    path("", views.pip_list, name="pip-list"),
    path("<int:pip_id>/", views.pip_detail, name="pip-detail"),
    path("<int:pip_id>/periods/", views.period_create, name="period-create"),
    path("<int:pip_id>/interventions/", views.intervention_create, name="intervention-create"),
    path("<int:pip_id>/print/", views.pip_print, name="pip-print"),
    path("<int:pip_id>/report.docx", views.pip_docx, name="pip-docx"),
    path("periods/<int:period_id>/lock/", views.period_lock, name="period-lock"),
    path("periods/<int:period_id>/delete/", views.period_delete, name="period-delete"),
]
