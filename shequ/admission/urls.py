from django.urls import path

from . import views

app_name = "admission"

urlpatterns = [
    path("", views.home, name="home"),
    path("public/<str:code>/", views.public_lists, name="public"),
    path("lists/", views.list_versions, name="lists"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/<slug:action>/", views.list_action, name="list_action"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/decide/", views.task_decide, name="task_decide"),
    path("tasks/<int:pk>/reuse/<slug:kind>.<slug:fmt>", views.task_reuse, name="task_reuse"),
    path("work/", views.assignment_list, name="assignments"),
    path("work/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("work/<int:pk>/<slug:action>/", views.assignment_action, name="assignment_action"),
    path("unadmitted/", views.unadmitted, name="unadmitted"),
    path("unadmitted/<int:pk>/review/", views.unadmitted_review, name="unadmitted_review"),
    path("stamps/", views.stamps, name="stamps"),
    path("plaques/", views.plaques, name="plaques"),
    path("plaques/<int:pk>/remove/", views.plaque_remove, name="plaque_remove"),
    path("ledger/", views.ledger, name="ledger"),
]
