from django.urls import path

from . import views, views_rates

app_name = "appeals"

urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_create, name="create"),
    path("rates/", views_rates.rates, name="rates"),
    path("rates/export.xlsx", views_rates.rates_export, name="rates_export"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/merge/", views.appeal_merge, name="merge"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment_file, name="attachment"),
    path("<int:pk>/<slug:action>/", views.appeal_action, name="action"),
]

from . import views_handling as handling  # noqa: E402

urlpatterns = [
    path("approvals/", handling.approvals, name="approvals"),
    path("<int:pk>/time-requests/", handling.time_request_create, name="time_request"),
    path("<int:pk>/time-requests/<int:request_id>/decide/", handling.time_request_decide, name="time_request_decide"),
    path("<int:pk>/resume/", handling.appeal_resume, name="resume"),
    path("<int:pk>/cohandlers/", handling.cohandler_add, name="cohandler_add"),
    path("<int:pk>/cohandlers/<int:cohandler_id>/reply/", handling.cohandler_reply, name="cohandler_reply"),
    path("<int:pk>/cohandlers/<int:cohandler_id>/remove/", handling.cohandler_remove, name="cohandler_remove"),
    path("<int:pk>/reveal/", handling.appeal_reveal, name="reveal"),
] + urlpatterns
