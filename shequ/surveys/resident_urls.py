from django.urls import path

app_name = "surveys_resident"
urlpatterns = []
