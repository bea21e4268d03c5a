from django.contrib.auth import views as auth_views
from django.urls import path

from shequ.security.views import LoginView

from . import registration, views

app_name = "web"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("tree/", views.tree_root, name="tree"),
    path("tree/deviations/", views.tree_deviations, name="tree_deviations"),
    path("tree/<int:pk>/", views.tree_node, name="tree_node"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("houses/<int:pk>/", views.house_detail, name="house_detail"),
    path("houses/<int:pk>/edit/", views.house_edit, name="house_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("addresses/", views.address_search, name="address_search"),
    path("audit/", views.audit, name="audit"),
    # registration (shequ/web/registration.py)
    path("tree/<int:pk>/register/", registration.building_panel, name="building_panel"),
    path("tree/<int:pk>/address/", registration.building_address_set, name="building_address_set"),
    path("tree/<int:pk>/houses/new/", registration.house_create, name="house_create"),
    path("houses/", registration.house_list, name="house_list"),
    path("houses/<int:pk>/households/new/", registration.household_create, name="household_create"),
    path("houses/<int:pk>/tenancies/new/", registration.tenancy_start, name="tenancy_start"),
    path("houses/<int:pk>/delete/", registration.house_delete, name="house_delete"),
    path("tenancies/<int:pk>/end/", registration.tenancy_end, name="tenancy_end"),
    path("households/", registration.household_list, name="household_list"),
    path("households/<int:pk>/residents/new/", registration.resident_create, name="resident_create"),
    path("households/<int:pk>/delete/", registration.household_delete, name="household_delete"),
    path("residents/<int:pk>/delete/", registration.resident_delete, name="resident_delete"),
    path("units/new/", registration.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", registration.unit_edit, name="unit_edit"),
    path("units/<int:pk>/delete/", registration.unit_delete, name="unit_delete"),
    path("units/addresses/", registration.address_pick, name="address_pick"),
]
