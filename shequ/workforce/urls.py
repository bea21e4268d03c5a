from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("workers/", views.worker_list, name="workers"),
    path("workers/new/", views.worker_create, name="worker_create"),
    path("workers/export.xlsx", views.worker_export, name="worker_export"),
    path("workers/import/", views.worker_import, name="worker_import"),
    path("workers/import/template.xlsx", views.import_template, name="import_template"),
    path("workers/<int:pk>/", views.worker_detail, name="worker"),
    path("workers/<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("workers/<int:pk>/reveal/", views.worker_reveal, name="worker_reveal"),
    path("workers/<int:pk>/trainings/", views.training_add, name="training_add"),
    path("workers/<int:pk>/assessments/", views.assessment_add, name="assessment_add"),
    path("assessments/", views.assessment_sheet, name="assessments"),
    path("assessments/<int:year>/", views.assessment_sheet, name="assessments_year"),
    path("candidates/", views.candidate_list, name="candidates"),
    path("candidates/new/", views.candidate_create, name="candidate_create"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate"),
    path("candidates/<int:pk>/findings/", views.finding_add, name="finding_add"),
    path("funds/", views.funding_list, name="funds"),
    path("funds/new/", views.funding_create, name="funding_create"),
    path("funds/<int:pk>/", views.funding_detail, name="funding"),
    path("funds/<int:pk>/spendings/", views.spending_add, name="spending_add"),
    path("facilities/", views.facility_list, name="facilities"),
    path("facilities/<int:community_id>/", views.facility_edit, name="facility_edit"),
]
