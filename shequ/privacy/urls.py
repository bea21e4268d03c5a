from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.desk, name="desk"),
    path("privacy/<int:pk>/", views.detail, name="detail"),
    path("privacy/<int:pk>/copy.json", views.copy_download, name="copy"),
    path("s/mine/privacy/", views.mine, name="mine"),
]
