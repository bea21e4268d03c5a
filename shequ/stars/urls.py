from django.urls import path

from . import views

app_name = "stars"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("open/", views.ratings_open, name="open"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("overview/", views.overview, name="overview"),
    path("overview/export.xlsx", views.overview_export, name="export"),
    path("cadres/", views.cadres, name="cadres"),
    path("rate/", views.rate, name="rate"),
    path("board/<int:community_id>/", views.board, name="board"),
    path("r/<int:pk>/", views.rating_detail, name="rating"),
    path("r/<int:pk>/changes/<int:change_id>/decide/", views.change_decide, name="decide"),
    path("r/<int:pk>/objections/<int:objection_id>/answer/", views.objection_answer, name="answer"),
    path("r/<int:pk>/<slug:action>/", views.rating_action, name="action"),
]
