from django.urls import path

from . import views

app_name = "proactive"

urlpatterns = [
    path("", views.problems, name="problems"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/<slug:action>/", views.topic_action, name="topic_action"),
]
