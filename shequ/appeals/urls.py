from django.urls import path

from . import views, views_rates

app_name = "appeals"

urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_create, name="create"),
    path("rates/", views_rates.rates, name="rates"),
    path("rates/export.xlsx", views_rates.rates_export, name="rates_export"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/merge/", views.appeal_merge, name="merge"),
    path("<int:pk>/<slug:action>/", views.appeal_action, name="action"),
]
