"""Pages: every role can open what it works on; scope, masking, reveal and edits behave."""
import pytest
from django.urls import reverse

from shequ.core.models import AuditLog

STAFF = ["admin", "street_s1", "worker_a", "worker_b", "grid_a", "dept", "office", "leader", "worker_a_unmask"]


def test_login_page_renders_and_anonymous_is_redirected(client, db):
    assert client.get(reverse("web:login")).status_code == 200
    response = client.get(reverse("web:resident_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_login_then_logout(client, world):
    response = client.post(reverse("web:login"), {"username": "worker_a", "password": "pass12345"})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


@pytest.mark.parametrize("username", STAFF)
def test_staff_pages_render_for_each_role(client, world, login, username):
    login(world, username)
    for name in ("web:home", "web:tree", "web:resident_list", "web:unit_list", "web:address_search"):
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        assert b"web/shequ.css" in response.content
    from shequ.jurisdiction import scoping

    user = world.users[username]
    root = client.get(reverse("web:home")).context["roots"][0]["node"]
    assert client.get(reverse("web:tree_node", args=[root.pk])).status_code == 200
    expected = 200 if scoping.can(user, "tree.report") else 403
    assert client.get(reverse("web:tree_deviations")).status_code == expected
    assert client.get(reverse("web:audit")).status_code == (200 if username == "admin" else 403)


def test_home_shows_counts_of_own_jurisdiction(client, world, login):
    login(world, "worker_a")
    response = client.get(reverse("web:home"))
    assert response.context["roots"][0]["node"] == world.nodes["A"]
    assert response.context["roots"][0]["counts"] == {"households": 2, "residents": 4, "grids": 1, "workers": 3}
    assert "甲社区" in response.content.decode()


def test_home_figures_of_a_whole_district_are_grouped(client, world, login, monkeypatch):
    """A district's figures (hundreds of thousands of residents) read as 965,075 and are laid out
    as a grid of whole figures (the card no longer squeezes the last label into a column of
    single characters)."""
    from shequ.web import views

    big = {"households": 338951, "residents": 965075, "grids": 1105, "workers": 4}
    monkeypatch.setattr(views.tree, "node_counts", lambda nodes: {n.pk: big for n in nodes})
    login(world, "office")
    html = client.get(reverse("web:home")).content.decode()
    for shown in ("338,951", "965,075", "1,105"):
        assert f"<dd>{shown}</dd>" in html
    tree_html = client.get(reverse("web:tree")).content.decode()  # the tree's rows: the same figures
    assert "965,075" in tree_html and "965075" not in tree_html


def test_favicon_is_the_sites_icon(client, db):
    """Browsers ask for /favicon.ico by themselves: it leads to the icon the pages name."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("web/icon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("web/icon.svg")
    assert b'rel="icon"' in client.get(reverse("web:login")).content


def test_resident_home_shows_own_household_masked(client, world, login):
    login(world, "resident_a")
    response = client.get(reverse("web:home"))
    body = response.content.decode()
    head = world.residents["A101h"]
    assert head.name in body and world.residents["A101s"].name in body
    assert head.id_number not in body and head.phone not in body
    assert "乙社区" not in body
    # A resident has no tree, search or audit pages.
    assert client.get(reverse("web:resident_list")).status_code == 403
    assert client.get(reverse("web:audit")).status_code == 403


def test_resident_user_sees_own_record_only(client, world, login):
    login(world, "resident_a")
    assert client.get(reverse("web:resident_detail", args=[world.residents["A101s"].pk])).status_code == 200
    assert client.get(reverse("web:resident_detail", args=[world.residents["A102h"].pk])).status_code == 404


# --- scope ----------------------------------------------------------------------------

def test_worker_a_gets_404_for_community_b_records(client, world, login):
    login(world, "worker_a")
    b_resident, b_household, b_house = world.residents["B101h"], world.households["B101"], world.houses["B101"]
    urls = [
        reverse("web:resident_detail", args=[b_resident.pk]),
        reverse("web:resident_edit", args=[b_resident.pk]),
        reverse("web:resident_move", args=[b_resident.pk]),
        reverse("web:household_detail", args=[b_household.pk]),
        reverse("web:house_detail", args=[b_house.pk]),
        reverse("web:house_edit", args=[b_house.pk]),
        reverse("web:tree_node", args=[world.nodes["B"].pk]),
        reverse("web:tree_node", args=[world.nodes["S1"].pk]),
        reverse("web:resident_list") + f"?node={world.nodes['B'].pk}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("web:resident_edit", args=[b_resident.pk]), {"name": "改名", "residence_type": "registered"}),
        (reverse("web:resident_move", args=[b_resident.pk]), {"household_number": world.households["A101"].number}),
        (reverse("web:resident_reveal", args=[b_resident.pk]), {}),
        (reverse("web:house_edit", args=[b_house.pk]), {"use": "vacant"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    b_resident.refresh_from_db()
    assert b_resident.name == "乙社区101户主"
    assert not AuditLog.objects.filter(actor=world.users["worker_a"]).exists()


def test_error_pages_use_the_site_layout(client, world, login):
    login(world, "worker_a")
    response = client.get(reverse("web:resident_detail", args=[world.residents["B101h"].pk]))
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    response = client.get(reverse("web:audit"))
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_search_never_returns_other_community(client, world, login):
    login(world, "worker_a")
    for q in ("", "社区", "乙社区", world.residents["B101h"].id_number, world.residents["B101h"].phone):
        response = client.get(reverse("web:resident_list"), {"q": q})
        body = response.content.decode()
        assert "乙社区" not in body.split('id="results"')[1], q
        names = {row["resident"].name for row in response.context["rows"]}
        assert all(n.startswith("甲社区") for n in names), q


def test_street_user_sees_both_its_communities(client, world, login):
    login(world, "street_s1")
    response = client.get(reverse("web:resident_list"))
    names = {row["resident"].name[:3] for row in response.context["rows"]}
    assert names == {"甲社区", "乙社区"}
    assert response.context["page"].total == 8
    response = client.get(reverse("web:tree_node", args=[world.nodes["S1"].pk]))
    assert [r["node"].name for r in response.context["rows"]] == ["甲社区", "乙社区"]
    assert client.get(reverse("web:tree_node", args=[world.nodes["C"].pk])).status_code == 404


def test_search_by_full_id_number_phone_and_tag(client, world, login):
    login(world, "worker_a")
    target = world.residents["A102s"]
    for q in (target.id_number, target.phone):
        rows = client.get(reverse("web:resident_list"), {"q": q}).context["rows"]
        assert [r["resident"].pk for r in rows] == [target.pk]
    rows = client.get(reverse("web:resident_list"), {"tag": "elderly_alone"}).context["rows"]
    assert {r["resident"].pk for r in rows} == {world.residents["A101h"].pk}
    rows = client.get(reverse("web:resident_list"), {"node": world.nodes["A_grid"].pk, "q": "102"}).context["rows"]
    assert len(rows) == 2


def test_search_partial_for_htmx(client, world, login):
    login(world, "worker_a")
    response = client.get(reverse("web:resident_list"), {"q": "甲"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert "<html" not in body and "甲社区101户主" in body


def test_search_is_paginated_by_50_without_full_count(client, world, login, django_assert_max_num_queries):
    from shequ.registry import services

    admin = world.users["admin"]
    household = world.households["A101"]
    for i in range(60):
        services.resident_create(actor=admin, household=household, name=f"测试{i:02d}")
    login(world, "worker_a")
    first = client.get(reverse("web:resident_list"), {"q": "测试"})
    page = first.context["page"]
    assert len(page.rows) == 50 and page.has_next and page.total == 60
    second = client.get(reverse("web:resident_list"), {"q": "测试", "page": 2})
    assert len(second.context["page"].rows) == 10 and not second.context["page"].has_next
    assert "q=%E6%B5%8B%E8%AF%95&amp;page=2" in first.content.decode()
    with django_assert_max_num_queries(12):
        client.get(reverse("web:resident_list"), {"q": "测试"})


def test_capped_count_does_not_count_past_the_cap(world):
    from shequ.registry.selectors import resident_list
    from shequ.web.paging import capped_page

    page = capped_page(resident_list(user=world.users["admin"]), 1, per_page=5, cap=7)
    assert len(page.rows) == 5 and page.has_next and page.total_capped and page.total == 7 and page.num_pages is None


# --- masking and reveal -----------------------------------------------------------------

def test_lists_and_detail_are_masked(client, world, login):
    login(world, "worker_a_unmask")
    resident = world.residents["A101h"]
    for url in (reverse("web:resident_list"), reverse("web:resident_detail", args=[resident.pk]),
                reverse("web:household_detail", args=[resident.household_id]),
                reverse("web:house_detail", args=[resident.house_id])):
        body = client.get(url).content.decode()
        assert resident.id_number not in body and resident.phone not in body, url
        assert resident.id_number[:6] + "********" + resident.id_number[-4:] in body, url
    assert not AuditLog.objects.filter(verb="resident.unmasked").exists()


def test_reveal_button_only_for_permitted_user(client, world, login):
    resident = world.residents["A101h"]
    login(world, "worker_a")
    assert "显示明文" not in client.get(reverse("web:resident_detail", args=[resident.pk])).content.decode()
    response = client.post(reverse("web:resident_reveal", args=[resident.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert resident.id_number.encode() not in response.content
    assert not AuditLog.objects.filter(verb="resident.unmasked").exists()


def test_reveal_shows_clear_values_and_is_audited(client, world, login):
    resident = world.residents["A101h"]
    user = login(world, "worker_a_unmask")
    assert "显示明文" in client.get(reverse("web:resident_detail", args=[resident.pk])).content.decode()
    assert client.get(reverse("web:resident_reveal", args=[resident.pk])).status_code == 405
    response = client.post(reverse("web:resident_reveal", args=[resident.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert resident.id_number in body and resident.phone in body
    row = AuditLog.objects.get(verb="resident.unmasked")
    assert row.actor == user and row.target_id == str(resident.pk) and row.extra == {"channel": "page"}


# --- edits ------------------------------------------------------------------------------

def _edit_data(resident, **changes):
    data = {"name": resident.name, "ethnicity": resident.ethnicity, "relation": resident.relation,
            "residence_type": resident.residence_type, "note": resident.note, "id_number": "", "phone": ""}
    data.update(changes)
    return data


def test_edit_form_never_contains_clear_values(client, world, login):
    resident = world.residents["A101h"]
    login(world, "worker_a_unmask")
    body = client.get(reverse("web:resident_edit", args=[resident.pk])).content.decode()
    assert resident.id_number not in body and resident.phone not in body


def test_edit_writes_audit_row_and_keeps_blank_personal_data(client, world, login):
    resident = world.residents["A101h"]
    user = login(world, "worker_a")
    response = client.post(reverse("web:resident_edit", args=[resident.pk]),
                           _edit_data(resident, name="甲社区新名", note="已走访", phone="13912345678", tags=["party_member"]))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.name == "甲社区新名" and resident.phone == "13912345678" and resident.note == "已走访"
    assert world.residents["A101h"].id_number == resident.id_number
    assert sorted(resident.tags.values_list("code", flat=True)) == ["party_member"]
    row = AuditLog.objects.get(verb="resident.updated", actor=user)
    assert set(row.extra["fields"]) >= {"name", "note", "phone"}
    assert "13912345678" not in str(row.extra)


def test_edit_keeps_sensitive_tags_the_user_cannot_see(client, world, login):
    from shequ.registry import services

    resident = world.residents["A101h"]
    services.resident_update(actor=world.users["admin"], resident=resident, tags=["subsistence", "elderly_alone"])
    login(world, "worker_a")
    detail = client.get(reverse("web:resident_detail", args=[resident.pk])).content.decode()
    assert "低保" not in detail
    client.post(reverse("web:resident_edit", args=[resident.pk]), _edit_data(resident, tags=[]))
    assert sorted(resident.tags.values_list("code", flat=True)) == ["subsistence"]


def test_edit_shows_service_errors_inline(client, world, login):
    resident = world.residents["A101h"]
    login(world, "worker_a")
    response = client.post(reverse("web:resident_edit", args=[resident.pk]), _edit_data(resident, id_number="110105199001011234"))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert "校验位" in response.content.decode()


def test_read_only_roles_cannot_edit(client, world, login):
    login(world, "leader")
    resident = world.residents["A101h"]
    assert client.get(reverse("web:resident_detail", args=[resident.pk])).status_code == 200
    assert client.get(reverse("web:resident_edit", args=[resident.pk])).status_code == 403
    assert client.post(reverse("web:resident_edit", args=[resident.pk]), _edit_data(resident, name="x")).status_code == 403


def test_move_to_another_household(client, world, login):
    resident = world.residents["A101s"]
    target = world.households["A102"]
    user = login(world, "worker_a")
    response = client.post(reverse("web:resident_move", args=[resident.pk]),
                           {"household_number": target.number, "relation": "亲属", "reason": "投亲"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.household_id == target.pk
    assert AuditLog.objects.filter(verb="resident.moved", actor=user).exists()
    body = client.get(reverse("web:resident_detail", args=[resident.pk])).content.decode()
    assert world.households["A101"].number in body and target.number in body and "投亲" in body


def test_move_to_household_outside_scope_is_a_form_error(client, world, login):
    resident = world.residents["A101s"]
    login(world, "worker_a")
    response = client.post(reverse("web:resident_move", args=[resident.pk]), {"household_number": world.households["B101"].number})
    assert response.status_code == 200 and response.context["form"].errors["household_number"]
    resident.refresh_from_db()
    assert resident.household_id == world.households["A101"].pk


def test_house_detail_and_edit(client, world, login):
    house = world.houses["A102"]
    user = login(world, "worker_a")
    body = client.get(reverse("web:house_detail", args=[house.pk])).content.decode()
    assert house.address.full_text in body and world.households["A102"].number in body
    response = client.post(reverse("web:house_edit", args=[house.pk]), {"use": "vacant", "area": "75.5", "floor": "2", "owner_name": "张三"})
    assert response.status_code == 302
    house.refresh_from_db()
    assert (house.use, str(house.area), house.floor, house.owner_name) == ("vacant", "75.50", 2, "张三")
    assert AuditLog.objects.filter(verb="house.updated", actor=user).exists()


# --- tree, units, addresses, audit -------------------------------------------------------

def test_tree_node_shows_counts_code_and_boundary_svg(client, world, login, django_assert_max_num_queries):
    login(world, "worker_a")
    grid = world.nodes["A_grid"]
    response = client.get(reverse("web:tree_node", args=[grid.pk]))
    body = response.content.decode()
    assert grid.code in body and "<svg" in body and "<path" in body
    response = client.get(reverse("web:tree_node", args=[world.nodes["A"].pk]))
    assert response.context["rows"][0]["counts"]["residents"] == 4
    assert [c.name for c in response.context["crumbs"]] == []  # S1 is above worker A's scope
    with django_assert_max_num_queries(15):
        client.get(reverse("web:tree_node", args=[world.nodes["A"].pk]))


def test_deviation_report_only_for_reporting_roles(client, world, login):
    login(world, "worker_a")
    assert client.get(reverse("web:tree_deviations")).status_code == 403
    client.logout()
    login(world, "street_s1")
    response = client.get(reverse("web:tree_deviations"))
    assert response.status_code == 200 and response.context["report"] == []


def test_units_and_address_search(client, world, login):
    from shequ.registry import services

    address = world.houses["A101"].address
    services.establishment_save(actor=world.users["admin"], address=address, name="甲社区便利店", kind="shop", contact_phone="13600001111")
    services.establishment_save(actor=world.users["admin"], address=world.houses["B101"].address, name="乙社区药店", kind="shop")
    login(world, "worker_a")
    body = client.get(reverse("web:unit_list")).content.decode()
    assert "甲社区便利店" in body and "乙社区药店" not in body
    unit = client.get(reverse("web:unit_list")).context["page"].rows[0]
    detail = client.get(reverse("web:unit_detail", args=[unit.pk])).content.decode()
    assert "136****1111" in detail and "13600001111" not in detail
    response = client.get(reverse("web:address_search"), {"q": "甲社区路 101"})
    assert [a.pk for a in response.context["results"]] == [address.pk]
    assert not client.get(reverse("web:address_search"), {"q": "乙社区路"}).context["results"]


def test_audit_page_for_admins_only_with_filters(client, world, login):
    login(world, "worker_a")
    assert client.get(reverse("web:audit")).status_code == 403
    client.logout()
    login(world, "admin")
    response = client.get(reverse("web:audit"))
    assert response.status_code == 200 and response.context["page"].rows
    response = client.get(reverse("web:audit"), {"verb": "house.created", "actor": "admin"})
    rows = response.context["page"].rows
    assert rows and {r.verb for r in rows} == {"house.created"}
    house = world.houses["A101"]
    rows = client.get(reverse("web:audit"), {"target_type": "registry.house", "target_id": house.pk}).context["page"].rows
    assert [r.target_id for r in rows] == [str(house.pk)]
    assert client.get(reverse("web:audit"), {"date_from": "2000-01-01", "date_to": "2000-01-02"}).context["page"].rows == []


# --- language -----------------------------------------------------------------------------

def test_chinese_by_default_and_english_after_switch(client, world, login):
    login(world, "worker_a")
    body = client.get(reverse("web:resident_list")).content.decode()
    assert "居民查询" in body and 'lang="zh-hans"' in body
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:resident_list")})
    assert response.status_code == 302
    body = client.get(reverse("web:resident_list")).content.decode()
    assert 'lang="en"' in body
    assert "Resident search" in body and "居民查询" not in body
    assert "Community worker" in client.get(reverse("web:home")).content.decode()


def test_navigation_follows_role(client, world, login):
    login(world, "worker_a")
    body = client.get(reverse("web:home")).content.decode()
    assert reverse("transfer:import") in body and reverse("web:resident_list") in body
    assert reverse("web:audit") not in body and reverse("web:tree_deviations") not in body
    client.logout()
    login(world, "leader")
    body = client.get(reverse("web:home")).content.decode()
    assert reverse("web:tree_deviations") in body and reverse("web:audit") not in body
    client.logout()
    login(world, "resident_a")
    body = client.get(reverse("web:home")).content.decode()
    assert reverse("web:resident_list") not in body and reverse("transfer:import") not in body


def _menu(client, page="web:tree"):
    from shequ.web.templatetags.web_tags import nav_items

    return nav_items({"request": client.get(reverse(page)).wsgi_request})


def test_staff_menu_is_grouped_and_marks_the_current_group(client, world, login):
    login(world, "worker_a")
    menu = _menu(client)
    labels = [g["label"] or g["items"][0]["label"] for g in menu]
    assert labels[:2] == ["首页", "基础数据"]
    registry = next(g for g in menu if g["label"] == "基础数据")
    assert registry["active"]  # the tree page lies in it
    assert [i["label"] for i in registry["items"]][:3] == ["辖区", "居民", "户"]
    assert not any(g["active"] for g in menu if g is not registry)
    # Every entry appears once, and no labelled group holds a single entry (that is a plain link).
    urls = [i["url"] for g in menu for i in g["items"]]
    assert len(urls) == len(set(urls))
    assert all(len(g["items"]) > 1 for g in menu if g["label"])
    page = client.get(reverse("web:tree")).content.decode()
    assert 'data-navgroup' in page and reverse("web:resident_list") in page


def test_resident_menu_has_no_groups(client, world, login):
    login(world, "resident_a")
    menu = _menu(client, "web:home")
    assert menu and all(g["label"] is None for g in menu)
    assert reverse("web:resident_list") not in [i["url"] for g in menu for i in g["items"]]


def test_every_menu_reads_in_english(client, world, login):
    """With English chosen, no role's menu keeps a Chinese label (a label missing from the English
    catalogs shows as its Chinese source: 指标 did)."""
    import re

    from django.utils import translation

    from shequ.web.templatetags.web_tags import nav_items

    cjk = re.compile(r"[\u4e00-\u9fff]")
    for username in world.users:
        client.logout()
        login(world, username)
        request = client.get(reverse("web:home")).wsgi_request
        with translation.override("en"):
            labels = [str(label) for g in nav_items({"request": request})
                      for label in (g["label"], *(i["label"] for i in g["items"])) if label]
        assert labels and not [label for label in labels if cjk.search(str(label))], (username, labels)


def _form_classes():
    import importlib
    import pkgutil

    from django import forms

    import shequ

    for module in pkgutil.walk_packages(shequ.__path__, "shequ."):
        if module.name.endswith(".forms") or module.name.endswith(".views") or ".views_" in module.name:
            importlib.import_module(module.name)
    seen, todo = set(), [forms.Form, forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.startswith("shequ.")]


def test_every_date_field_shows_the_date_it_holds_in_chinese(db):
    """A date or time a form already holds (an edit form's stored date, a default period) is written
    so that the browser's date picker shows it: ISO (2026-01-01), not Django's Chinese "2026/01/01",
    which ``<input type="date">`` rejects (the field showed empty and saving cleared it)."""
    import datetime as dt
    import re

    from django.utils import translation

    checked = 0
    with translation.override("zh-hans"):
        for form_class in _form_classes():
            for name, field in form_class.base_fields.items():
                kind = getattr(field.widget, "input_type", "")
                if kind not in ("date", "datetime-local"):
                    continue
                value = dt.date(2026, 1, 2) if kind == "date" else dt.datetime(2026, 1, 2, 9, 30)
                html = field.widget.render(name, value)
                shown = re.search(r'value="([^"]*)"', html).group(1)
                pattern = r"2026-01-02" if kind == "date" else r"2026-01-02[T ]09:30(:00)?"
                assert re.fullmatch(pattern, shown), (form_class.__name__, name, shown)
                checked += 1
        assert checked >= 20  # the project's forms were found


def test_report_form_opens_with_its_default_period_filled_in(client, world, login):
    import datetime as dt

    login(world, "leader")
    html = client.get("/indicators/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'value="{dt.date.today().year}-01-01"' in html
