from django.urls import path

from . import views

app_name = "consultation"

urlpatterns = [
    path("consultation/", views.topic_list, name="list"),
    path("consultation/new/", views.topic_create, name="create"),
    path("consultation/<int:pk>/", views.topic_detail, name="detail"),
    path("consultation/<int:pk>/<slug:action>/", views.topic_action, name="action"),
    path("consultation/actions/<int:pk>/done/", views.action_done, name="action_done"),
    # the resident's own community, in the self-service area
    path("s/consultations/", views.mine, name="mine"),
    path("s/consultations/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("s/consultations/<int:pk>/vote/", views.mine_vote, name="mine_vote"),
    # published results, no login
    path("public/consultations/", views.public_list, name="public_list"),
    path("public/consultations/<int:pk>/", views.public_detail, name="public_detail"),
]
