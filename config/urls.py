from django.contrib import admin
from django.urls import include, path

from shequ.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("transfer/", include("shequ.transfer.urls")),
    path("appeals/", include("shequ.appeals.urls")),
    path("proactive/", include("shequ.proactive.urls")),
    path("whistle/", include("shequ.whistle.urls")),
    path("open311/", include("shequ.open311.urls")),
    path("agency/", include("shequ.agency.urls")),
    path("indicators/", include("shequ.indicators.urls")),
    path("", include("shequ.selfservice.urls")),
    path("", include("shequ.web.urls")),
]
