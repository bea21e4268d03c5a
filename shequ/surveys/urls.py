from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/publish/", views.survey_publish, name="publish"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/export.xlsx", views.survey_export, name="export"),
    path("<int:pk>/interview/", views.interview, name="interview"),
    path("<int:pk>/answer/", views.staff_answer, name="answer"),
]
