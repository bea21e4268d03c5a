from django.urls import path

from . import views

app_name = "transfer"

urlpatterns = [
    path("", views.import_page, name="import"),
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/errors.<str:fmt>", views.job_errors, name="job_errors"),
    path("templates/<str:kind>.<str:fmt>", views.template_download, name="template"),
    path("export/<str:kind>.<str:fmt>", views.export_download, name="export"),
]
