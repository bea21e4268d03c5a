"""Pages: the resident's "我的个人信息" (see what is held, file requests, download the copy) and the
staff desk of requests in their jurisdiction."""
from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.errors import NotAllowed
from shequ.jurisdiction import scoping
from shequ.registry.selectors import masked_personal
from shequ.web.paging import capped_page
from shequ.web.views import attempt, page

from . import selectors, services
from .forms import DecisionForm, RequestForm
from .models import DataRequest


def _own(user):
    resident = getattr(user, "resident", None)
    if getattr(user, "role", None) != "resident" or resident is None:
        raise NotAllowed(_("只有登记在册的居民本人可以使用此页面"))
    return resident


@page
def mine(request):
    resident = _own(request.user)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, filed = attempt(lambda: services.request_file(actor=request.user, resident=resident, kind=d["kind"],
                                                         reason=d["reason"], corrections=form.corrections()), form=form)
        if ok:
            messages.success(request, _("已受理:%(n)s,将在 %(d)s 前答复") % {"n": filed.number, "d": filed.due_on})
            return redirect("privacy:mine")
    return render(request, "privacy/mine.html", {
        "resident": resident, "masked": masked_personal(resident), "form": form,
        "requests": selectors.my_requests(user=request.user),
    }, status=422 if form.is_bound and form.errors else 200)


@page
def copy_download(request, pk: int):
    user = request.user
    if getattr(user, "role", None) == "resident":
        data_request = selectors.my_requests(user=user).filter(pk=pk).first()
        if data_request is None:
            from django.http import Http404

            raise Http404
        channel = "self"
    else:
        data_request = selectors.request_get(user=user, pk=pk)
        channel = "window"
    copy = services.personal_data_copy(actor=user, request=data_request, channel=channel)
    response = HttpResponse(json.dumps(copy, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{data_request.number}.json"'
    return response


@page
def desk(request):
    status = request.GET.get("status", DataRequest.Status.RECEIVED)
    result = capped_page(selectors.request_list(user=request.user, status=status), request.GET.get("page"))
    return render(request, "privacy/desk.html", {"page": result, "rows": result.rows, "status": status,
                                                 "statuses": DataRequest.Status.choices, "query": f"status={status}"})


@page
def detail(request, pk: int):
    data_request = selectors.request_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        write = {"complete": services.request_complete, "reject": services.request_reject}.get(action)
        if write is not None:
            ok, _result = attempt(lambda: write(actor=request.user, request_id=pk, response=form.cleaned_data["response"]),
                                  form=form)
            if ok:
                messages.success(request, _("请求已办结") if action == "complete" else _("已答复不予办理"))
                return redirect(reverse("privacy:detail", args=[pk]))
    corrections = sorted(json.loads(data_request.corrections or "{}"))
    return render(request, "privacy/detail.html", {
        "item": data_request, "form": form, "correction_fields": [services.CORRECTABLE[c] for c in corrections],
        "masked": masked_personal(data_request.resident), "can_copy": scoping.can_unmask(request.user),
    })
