"""Volunteer pages: registration (resident search, outsider with masked phone), an activity's
sign-up, check-in and hours on the page, leaderboard, call-outs; the resident's /s/volunteer/ page;
scope 404 / role 403."""
import datetime as dt

from django.urls import reverse
from django.utils import timezone

from shequ.volunteers import services
from shequ.volunteers.models import CallOutReply, SignUp, Volunteer

from .factories import activity, ensure_skills, outsider, register


def test_register_pages(client, world):
    ensure_skills()
    client.force_login(world.users["worker_a"])
    resident = world.residents["A102h"]
    search = client.get(reverse("volunteers:create"), {"q": resident.name}).content.decode()
    assert resident.name in search and resident.id_number not in search
    done = client.post(reverse("volunteers:create"), {"resident": resident.pk, "skills": ["first_aid"], "emergency_ready": "on"})
    assert done.status_code == 302
    bad = client.post(reverse("volunteers:create"), {"name": "王", "node": world.nodes["A_grid"].pk})
    assert bad.status_code == 422 and "非本社区登记居民须填写联系电话" in bad.content.decode()
    assert client.post(reverse("volunteers:create"), {"name": "王志愿", "phone": "13912345678",
                                                      "node": world.nodes["A_grid"].pk}).status_code == 302
    listing = client.get(reverse("volunteers:list")).content.decode()
    assert "王志愿" in listing and "139****5678" in listing and "13912345678" not in listing
    v = Volunteer.objects.get(name="王志愿")
    detail = client.get(reverse("volunteers:detail", args=[v.pk])).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail
    client.force_login(world.users["worker_b"])
    assert client.get(reverse("volunteers:detail", args=[v.pk])).status_code == 404
    assert "王志愿" not in client.get(reverse("volunteers:list")).content.decode()
    client.force_login(world.users["resident_a"])
    assert client.get(reverse("volunteers:list")).status_code == 403
    client.force_login(world.users["leader"])
    assert client.get(reverse("volunteers:create")).status_code == 403


def test_activity_page_signs_up_checks_in_and_confirms_hours(client, world):
    a = activity(world, capacity=1)
    v1, v2 = register(world, "A101h"), register(world, "A102h")
    client.force_login(world.users["worker_a"])
    assert client.post(reverse("volunteers:activity_action", args=[a.pk, "signup"]), {"signup-volunteer": v1.pk}).status_code == 302
    full = client.post(reverse("volunteers:activity_action", args=[a.pk, "signup"]), {"signup-volunteer": v2.pk})
    assert full.status_code == 422 and "报名人数已满" in full.content.decode()
    s = SignUp.objects.get(volunteer=v1)
    client.post(reverse("volunteers:signup_action", args=[s.pk, "check-in"]))
    client.post(reverse("volunteers:signup_action", args=[s.pk, "confirm"]), {"hours": "2.5"})
    s.refresh_from_db()
    assert s.status == "confirmed" and str(s.hours) == "2.5"
    board = client.get(reverse("volunteers:leaderboard")).content.decode()
    assert world.residents["A101h"].name in board and "2.5" in board and "<svg" in board
    client.force_login(world.users["worker_b"])
    assert client.get(reverse("volunteers:activity", args=[a.pk])).status_code == 404
    assert client.post(reverse("volunteers:signup_action", args=[s.pk, "absent"])).status_code == 404


def test_callout_pages(client, world):
    v = register(world, "A101h")
    outsider(world)
    client.force_login(world.users["grid_a"])
    made = client.post(reverse("volunteers:callouts"), {"grid": world.nodes["A_grid"].pk, "kind": "door_to_door", "needed": 2,
                                                        "message": "入户排查燃气"})
    assert made.status_code == 302
    page = client.get(made["Location"]).content.decode()
    assert "入户排查燃气" in page and "139****5678" in page and "13912345678" not in page
    client.post(made["Location"], {"volunteer": v.pk, "answer": "yes"})
    assert CallOutReply.objects.get(volunteer=v).answer == "yes"


def test_resident_volunteer_page(client, world):
    ensure_skills()
    own = activity(world, title="楼道清理")
    other = activity(world, actor="worker_b", node="B", title="乙社区活动")
    client.force_login(world.users["resident_a"])
    assert reverse("volunteers:mine") in client.get(reverse("web:home")).content.decode()
    page = client.get(reverse("volunteers:mine")).content.decode()
    assert "注册成为志愿者" in page and "楼道清理" in page and "乙社区活动" not in page
    client.post(reverse("volunteers:mine_register"), {"skills": ["door_visit"]})
    assert client.post(reverse("volunteers:mine_signup", args=[own.pk])).status_code == 302
    assert SignUp.objects.get(activity=own).volunteer.resident_id == world.residents["A101h"].pk
    assert client.post(reverse("volunteers:mine_signup", args=[other.pk])).status_code == 404
    services.callout_create(actor=world.users["grid_a"], grid_id=world.nodes["A_grid"].pk, kind="emergency", message="暴雨转移")
    page = client.get(reverse("volunteers:mine")).content.decode()
    assert "暴雨转移" in page and "我能参加" in page
    reply = CallOutReply.objects.get()
    client.post(reverse("volunteers:mine_answer", args=[reply.callout_id]), {"answer": "yes"})
    reply.refresh_from_db()
    assert reply.answer == "yes"
    client.force_login(world.users["worker_a"])
    assert client.get(reverse("volunteers:mine")).status_code == 403


def test_activity_create_page(client, world):
    client.force_login(world.users["worker_a"])
    start = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    data = {"title": "义诊", "kind": "service", "node": world.nodes["A"].pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "capacity": 5}
    bad = client.post(reverse("volunteers:activity_create"), data)
    assert bad.status_code == 422 and "结束时间须晚于开始时间" in bad.content.decode()
    data["ends_at"] = (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("volunteers:activity_create"), data).status_code == 302


def test_export_is_scoped_masked_and_audited(client, world):
    import io

    from openpyxl import load_workbook

    from shequ.core.models import AuditLog

    outsider(world)
    register(world, "B101h", actor="worker_b")
    client.force_login(world.users["worker_a"])
    response = client.get(reverse("volunteers:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) == 2 and rows[1][0] == "王志愿" and rows[1][2] == "139****5678"
    assert world.residents["B101h"].name not in str(rows)
    assert AuditLog.objects.filter(verb="volunteer.exported", actor=world.users["worker_a"]).exists()
    client.force_login(world.users["resident_a"])
    assert client.get(reverse("volunteers:export")).status_code == 403


def test_list_pages_do_not_query_per_row(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["street_s1"])
    register(world, "A101h")
    activity(world)
    counts = []
    for keys in ((), ("A101s", "A102h", "A102s")):
        for key in keys:
            register(world, key)
            activity(world)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("volunteers:list")).status_code == 200
            assert client.get(reverse("volunteers:activities")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_list_and_export_show_each_volunteers_confirmed_hours(client, world):
    """The list and its export give each volunteer the sum of their confirmed hours only."""
    import io

    from openpyxl import load_workbook

    first, second = activity(world, capacity=3), activity(world, capacity=3, title="助老探访")
    v1, v2 = register(world, "A101h"), register(world, "A102h")
    client.force_login(world.users["worker_a"])
    for a, v, action, hours in ((first, v1, "confirm", "2.5"), (second, v1, "confirm", "1.0"), (first, v2, "absent", "")):
        client.post(reverse("volunteers:activity_action", args=[a.pk, "signup"]), {"signup-volunteer": v.pk})
        s = SignUp.objects.get(activity=a, volunteer=v)
        if action == "confirm":
            client.post(reverse("volunteers:signup_action", args=[s.pk, "check-in"]))
        client.post(reverse("volunteers:signup_action", args=[s.pk, action]), {"hours": hours} if hours else {})
    listing = client.get(reverse("volunteers:list")).content.decode()
    one, two = world.residents["A101h"].name, world.residents["A102h"].name
    row = listing[listing.index(one):].split("</tr>", 1)[0]
    assert ">3.5</td>" in row
    row = listing[listing.index(two):].split("</tr>", 1)[0]
    assert ">0</td>" in row
    sheet = load_workbook(io.BytesIO(b"".join(client.get(reverse("volunteers:export")).streaming_content))).active
    hours = {r[0]: r[7] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert hours[one] == 3.5 and hours[two] == 0
