"""The resident-facing survey pages, mounted at /s/surveys/ beside the other self-service pages."""
from django.urls import path

from . import views

app_name = "surveys_resident"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("<int:pk>/", views.resident_answer, name="answer"),
]
