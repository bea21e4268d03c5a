from django.urls import path

from . import views

app_name = "whistle"

urlpatterns = [
    path("", views.whistle_list, name="list"),
    path("new/", views.whistle_create, name="create"),
    path("ranking/", views.ranking, name="ranking"),
    path("<int:pk>/", views.whistle_detail, name="detail"),
    path("<int:pk>/close/", views.whistle_close, name="close"),
    path("<int:pk>/targets/<int:target_id>/<slug:action>/", views.target_action, name="action"),
]
