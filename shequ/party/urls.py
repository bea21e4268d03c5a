from django.urls import path

from . import views

app_name = "party"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("vacuum/", views.vacuum, name="vacuum"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/<slug:action>/", views.meeting_action, name="meeting_action"),
    path("resolutions/<int:pk>/followup/", views.resolution_follow_up, name="resolution_follow_up"),
    path("dual/", views.dual_list, name="dual_list"),
    path("dual/new/", views.dual_create, name="dual_create"),
    path("dual/roster/", views.roster, name="roster"),
    path("dual/<int:pk>/", views.dual_detail, name="dual_detail"),
    path("dual/<int:pk>/<slug:action>/", views.dual_action, name="dual_action"),
    path("services/<int:pk>/confirm/", views.service_confirm, name="service_confirm"),
    path("central/", views.central_list, name="central_list"),
    path("central/new/", views.central_create, name="central_create"),
    path("central/<int:pk>/", views.central_detail, name="central_detail"),
]
