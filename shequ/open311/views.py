"""The Open311 GeoReport v2 endpoints under /open311/ (``{resource}.json`` or ``.xml``).

Plain Django views rather than Ninja operations: the spec fixes the URL suffixes, the XML
documents, the form-encoded POST with ``attribute[code][]`` keys and its own error format,
none of which fit the JSON API. Views only parse the request and call selectors and services.
Only POST requests is CSRF-exempt (a client application has no session; it sends an api_key).
"""
from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shequ.core import idempotency
from shequ.core.errors import ShequError

from shequ.security.ratelimit import limit

from . import documents, selectors, services
from .errors import Open311Error, from_shequ_error
from .formats import error_response, render


def open311(view):
    """Answer Open311Error (and platform errors) in the spec's error format and requested format."""
    @wraps(view)
    def wrapper(request, *args, fmt: str, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except ShequError as exc:
            error = from_shequ_error(exc)
        except Open311Error as exc:
            error = exc
        return error_response(fmt, error.status, error.descriptions)
    return wrapper


def _district(request):
    data = request.POST if request.method == "POST" else request.GET
    return selectors.jurisdiction_get(data.get("jurisdiction_id"))


@require_http_methods(["GET"])
@open311
def discovery(request, fmt: str):
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    return render(fmt, "discovery", documents.discovery_doc(
        url=url, changeset=selectors.changeset(), production=not settings.DEBUG))


@require_http_methods(["GET"])
@open311
def service_list(request, fmt: str):
    _district(request)
    return render(fmt, "services", [documents.service_doc(c) for c in selectors.service_list()])


@require_http_methods(["GET"])
@open311
def service_definition(request, fmt: str, service_code: str):
    _district(request)
    category = selectors.service_get(service_code)
    return render(fmt, "service_definition", documents.definition_doc(category, selectors.attribute_list(category)))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311
def requests(request, fmt: str):
    if request.method == "POST":
        return _request_create(request, fmt)
    q = request.GET
    appeals = selectors.request_list_in(
        jurisdiction_id=q.get("jurisdiction_id"), service_request_id=q.get("service_request_id", ""),
        service_code=q.get("service_code", ""), start_date=q.get("start_date", ""), end_date=q.get("end_date", ""),
        status=q.get("status", ""), page=q.get("page", ""), page_size=q.get("page_size", ""))
    return render(fmt, "service_requests", documents.request_docs(appeals))


def _request_create(request, fmt: str):
    data = request.POST
    limit(request, "open311_post", key=lambda group, req: f"key:{data.get('api_key', '')[:64]}")
    api_key = services.api_key_check(data.get("api_key"))
    district = _district(request) if data.get("jurisdiction_id") else None
    category = selectors.service_get(data.get("service_code"))
    fields = ("lat", "long", "address_string", "address_id", "email", "device_id", "account_id", "first_name",
              "last_name", "phone", "description", "media_url")
    if district is None and not api_key.district_id:
        district = _district(request)
    submission, replayed = idempotency.once(
        owner=f"open311:{api_key.pk}", key=idempotency.checked_key(request.headers.get(idempotency.HEADER)),
        body_fingerprint=lambda: idempotency.form_fingerprint(data),
        create=lambda: services.request_submit(
            api_key=api_key, district=district, category=category,
            attributes=services.attributes_from_form(data), **{name: data.get(name, "") for name in fields}),
        load=selectors.submission_by_id)
    appeal = submission.appeal
    if api_key.batch:
        item = {"token": submission.token, "service_notice": _("已受理,请用令牌查询诉求编号"), "account_id": None}
    else:
        item = {"service_request_id": appeal.number,
                "service_notice": documents.service_notice(category.time_limit), "account_id": None}
    answer = render(fmt, "service_requests", [item])
    if replayed:
        answer["Idempotent-Replayed"] = "true"
    return answer


@require_http_methods(["GET"])
@open311
def request_detail(request, fmt: str, service_request_id: str):
    appeal = selectors.request_get(district=_district(request), service_request_id=service_request_id)
    return render(fmt, "service_requests", documents.request_docs([appeal]))


@require_http_methods(["GET"])
@open311
def token_detail(request, fmt: str, token: str):
    submission = selectors.token_get(district=_district(request), token=token)
    return render(fmt, "service_requests", [{"service_request_id": submission.appeal.number,
                                             "token": submission.token}])
