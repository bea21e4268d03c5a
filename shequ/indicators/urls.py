from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/progress/", views.report_progress, name="report_progress"),
    path("reports/<int:pk>/download/<slug:fmt>/", views.report_download, name="report_download"),
]
