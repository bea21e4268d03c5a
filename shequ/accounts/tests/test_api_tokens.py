"""/api/accounts: the current user and personal API tokens (create, list, revoke: own only)."""
from django.test import Client

from shequ.accounts.models import ApiToken
from shequ.core.models import AuditLog
from shequ.registry.tests.apiclient import ApiClient, api_as


def test_me(world):
    answer = api_as(world, "worker_a_unmask").get("/accounts/me")
    assert answer.status == 200
    assert answer.data["role"] == "community_worker" and answer.data["can_unmask"] is True
    assert [n["name"] for n in answer.data["nodes"]] == ["甲社区"]
    assert ApiClient().get("/accounts/me").status == 401


def test_create_token_shows_key_once_and_it_authenticates(world):
    client = api_as(world, "street_s1")
    created = client.post("/accounts/tokens", {"name": "同步脚本"})
    assert created.status == 201, created
    key = created.data["key"]
    assert key.startswith(created.data["prefix"]) and created.data["revoked"] is False
    token = ApiToken.objects.get(pk=created.data["id"])
    assert key not in (token.key_hash, token.prefix)
    assert AuditLog.objects.filter(verb="api_token.created", target_id=str(token.pk)).exists()
    listed = client.get("/accounts/tokens")
    assert [t["id"] for t in listed.data] == [token.pk] and "key" not in listed.data[0]
    by_token = ApiClient(token=key, client=Client(enforce_csrf_checks=True))
    assert by_token.get("/accounts/me").data["username"] == "street_s1"
    assert by_token.get("/registry/residents").data["count"] == 8


def test_revoke_own_token_refuses_it_afterwards(world):
    client = api_as(world, "worker_a")
    created = client.post("/accounts/tokens", {"name": "t"})
    by_token = ApiClient(token=created.data["key"])
    assert by_token.get("/registry/households").status == 200
    revoked = client.post(f"/accounts/tokens/{created.data['id']}/revoke")
    assert revoked.status == 200 and revoked.data["revoked"] is True
    refused = by_token.get("/registry/households")
    assert refused.status == 401 and refused.data["code"] == "unauthenticated"
    assert client.post(f"/accounts/tokens/{created.data['id']}/revoke").status == 409
    assert AuditLog.objects.filter(verb="api_token.revoked").count() == 1


def test_tokens_of_others_are_invisible(world):
    created = api_as(world, "worker_a").post("/accounts/tokens", {"name": "mine"})
    other = api_as(world, "worker_b")
    assert other.get("/accounts/tokens").data == []
    assert other.post(f"/accounts/tokens/{created.data['id']}/revoke").status == 404
    assert ApiToken.objects.get(pk=created.data["id"]).revoked is False


def test_token_create_validation(world):
    client = api_as(world, "worker_a")
    blank = client.post("/accounts/tokens", {"name": "  "})
    assert blank.status == 422 and blank.data["message"].startswith("name")
    past = client.post("/accounts/tokens", {"name": "x", "expires_at": "2000-01-01T00:00:00"})
    assert past.status == 422 and past.data["message"].startswith("expires_at")
    assert ApiClient().post("/accounts/tokens", {"name": "x"}).status == 401


def test_expired_token_is_refused(world):
    import datetime as dt

    from django.utils import timezone

    from shequ.accounts.services import api_token_create

    user = world.users["worker_a"]
    token, key = api_token_create(actor=user, user=user, name="old", expires_at=timezone.now() + dt.timedelta(days=1))
    assert ApiClient(token=key).get("/accounts/me").status == 200
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)  # as the admin page would
    token.save(update_fields=["expires_at"])
    assert ApiClient(token=key).get("/accounts/me").status == 401


def test_token_expires_on_time_while_kept_by_the_process(world):
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    from shequ.accounts.services import api_token_create

    user = world.users["worker_a"]
    _token, key = api_token_create(actor=user, user=user, name="short", expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert ApiClient(token=key).get("/accounts/me").status == 200
    later = timezone.now() + dt.timedelta(minutes=6)
    with mock.patch("shequ.accounts.services.timezone.now", return_value=later):
        assert ApiClient(token=key).get("/accounts/me").status == 401


def test_inactive_user_token_is_refused(world):
    from shequ.accounts.services import api_token_create

    user = world.users["worker_a"]
    _token, key = api_token_create(actor=user, user=user, name="t")
    assert ApiClient(token=key).get("/accounts/me").status == 200  # now kept by this process
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert ApiClient(token=key).get("/accounts/me").status == 401


def test_revoked_token_is_refused_at_once(world):
    from shequ.accounts.services import api_token_create, api_token_revoke

    user = world.users["worker_a"]
    token, key = api_token_create(actor=user, user=user, name="t")
    assert ApiClient(token=key).get("/accounts/me").status == 200
    api_token_revoke(actor=user, token=token)
    assert ApiClient(token=key).get("/accounts/me").status == 401


def test_binding_change_reaches_a_kept_token_at_once(world):
    from shequ.accounts.models import Binding
    from shequ.accounts.services import api_token_create

    user = world.users["worker_a"]
    _token, key = api_token_create(actor=user, user=user, name="t")
    assert [n["name"] for n in ApiClient(token=key).get("/accounts/me").data["nodes"]] == ["甲社区"]
    Binding.objects.create(user=user, node=world.nodes["B"])
    assert sorted(n["name"] for n in ApiClient(token=key).get("/accounts/me").data["nodes"]) == ["乙社区", "甲社区"]


def test_change_around_the_application_is_seen_after_the_cache_time(world, settings):
    from shequ.accounts.services import api_token_create

    user = world.users["worker_a"]
    token, key = api_token_create(actor=user, user=user, name="t")
    assert ApiClient(token=key).get("/accounts/me").status == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)  # raw: no signal
    assert ApiClient(token=key).get("/accounts/me").status == 200  # still kept (SHEQU_TOKEN_CACHE_SECONDS)
    settings.SHEQU_TOKEN_CACHE_SECONDS = 0
    assert ApiClient(token=key).get("/accounts/me").status == 401
