from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_create, name="create"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment_file, name="attachment"),
    path("<int:pk>/<slug:action>/", views.appeal_action, name="action"),
]
