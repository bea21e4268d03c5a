from django.contrib import admin
from django.urls import include, path

from shequ.api import api
from shequ.core.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("shequ.security.urls")),
    path("transfer/", include("shequ.transfer.urls")),
    path("appeals/", include("shequ.appeals.urls")),
    path("proactive/", include("shequ.proactive.urls")),
    path("party/", include("shequ.party.urls")),
    path("socialorgs/", include("shequ.socialorgs.urls")),
    path("whistle/", include("shequ.whistle.urls")),
    path("open311/", include("shequ.open311.urls")),
    path("agency/", include("shequ.agency.urls")),
    path("admission/", include("shequ.admission.urls")),
    path("", include("shequ.privacy.urls")),
    path("stars/", include("shequ.stars.urls")),
    path("", include("shequ.volunteers.urls")),
    path("", include("shequ.consultation.urls")),
    path("workforce/", include("shequ.workforce.urls")),
    path("surveys/", include("shequ.surveys.urls")),
    path("s/surveys/", include("shequ.surveys.resident_urls")),
    path("indicators/", include("shequ.indicators.urls")),
    path("", include("shequ.selfservice.urls")),
    path("", include("shequ.web.urls")),
]
