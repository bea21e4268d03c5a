from django.urls import path

from . import views

app_name = "selfservice"

urlpatterns = [
    path("s/", views.intake, name="new"),
    path("s/f/<str:token>/", views.follow, name="follow"),
    path("s/f/<str:token>/evaluate/", views.follow_evaluate, name="follow_evaluate"),
    path("s/mine/", views.mine, name="mine"),
    path("s/mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("s/mine/<int:pk>/evaluate/", views.mine_evaluate, name="mine_evaluate"),
    path("public/appeals/", views.public_list, name="public_list"),
]
