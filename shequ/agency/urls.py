from django.urls import path

from . import views

app_name = "agency"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
    path("mine/", views.my_cases, name="mine"),
    path("mine/<int:pk>/", views.my_case, name="mine_detail"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/<slug:action>/", views.visit_action, name="visit_action"),
    path("measures/", views.measures, name="measures"),
]
