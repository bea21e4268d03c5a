from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("volunteers/", views.volunteer_list, name="list"),
    path("volunteers/export.xlsx", views.volunteer_export, name="export"),
    path("volunteers/new/", views.volunteer_create, name="create"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="detail"),
    path("volunteers/activities/", views.activity_list, name="activities"),
    path("volunteers/activities/new/", views.activity_create, name="activity_create"),
    path("volunteers/activities/<int:pk>/", views.activity_detail, name="activity"),
    path("volunteers/activities/<int:pk>/<slug:action>/", views.activity_action, name="activity_action"),
    path("volunteers/signups/<int:pk>/<slug:action>/", views.signup_action, name="signup_action"),
    path("volunteers/leaderboard/", views.leaderboard, name="leaderboard"),
    path("volunteers/callouts/", views.callout_list, name="callouts"),
    path("volunteers/callouts/<int:pk>/", views.callout_detail, name="callout"),
    path("volunteers/callouts/<int:pk>/close/", views.callout_close, name="callout_close"),
    # the resident's own page, in the self-service area
    path("s/volunteer/", views.mine, name="mine"),
    path("s/volunteer/register/", views.mine_register, name="mine_register"),
    path("s/volunteer/activities/<int:pk>/signup/", views.mine_signup, name="mine_signup"),
    path("s/volunteer/signups/<int:pk>/cancel/", views.mine_cancel, name="mine_cancel"),
    path("s/volunteer/callouts/<int:pk>/answer/", views.mine_answer, name="mine_answer"),
]
