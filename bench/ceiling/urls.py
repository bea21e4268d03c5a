"""The ceiling of the stack, served beside the real application in the benchmark server: a bare
Django Ninja API that only inserts one row, and one that only lists 100 rows (no auth, no scope,
no audit). The appeal endpoints are measured against these in the same run."""
from django.urls import include, path
from ninja import NinjaAPI, Schema

from .models import CeilingRow

ceiling = NinjaAPI(urls_namespace="ceiling", docs_url=None, openapi_url=None)


class RowIn(Schema):
    name: str


class RowOut(Schema):
    id: int
    name: str


@ceiling.post("/rows", response={201: RowOut})
def insert(request, payload: RowIn):
    return 201, CeilingRow.objects.create(name=payload.name)


@ceiling.get("/rows", response=list[RowOut])
def listing(request):
    return list(CeilingRow.objects.order_by("-id")[:100])


urlpatterns = [
    path("ceiling/", ceiling.urls),
    path("", include("config.urls")),
]
