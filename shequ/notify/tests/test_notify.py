"""Notifications: each change of an appeal's status tells its requester through the configured
channels after commit, every send is recorded (masked recipient, status, tries, error) and a failure
is retried; the SMS gateway and WeChat channels are tested against a local fake HTTP server."""
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection

from shequ.appeals import services
from shequ.appeals.tests.factories import submit
from shequ.core.testing import DB_TASKS
from shequ.notify import channels
from shequ.notify.models import Delivery, Notification, WeChatBinding
from shequ.notify.services import requesters_of
from shequ.selfservice.links import appeal_id_from_token

PHONE = "13912345678"


class FakeServer:
    """A local HTTP server that records JSON requests and answers from a queue (last answer repeats)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = [(200, {"code": 0})]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: dict):
                outer.requests.append({"method": self.command, "path": self.path, "body": body,
                                       "headers": dict(self.headers)})
                status, payload = outer.answers.pop(0) if len(outer.answers) > 1 else outer.answers[0]
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                self._answer(json.loads(self.rfile.read(length) or b"{}"))

            def do_GET(self):  # noqa: N802
                self._answer({})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server():
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the background deliveries) of what the block does."""
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()
    return run


def _accept(world, appeal):
    return services.appeal_accept(actor=world.users["worker_a"], appeal_id=appeal.pk)


def test_logging_is_the_default_and_each_status_change_is_recorded(world, commit, caplog):
    caplog.set_level(logging.INFO, logger="shequ.notify")
    appeal = commit(lambda: submit(channel="web", requester_phone=PHONE))
    commit(lambda: _accept(world, appeal))
    deliveries = list(Delivery.objects.order_by("id"))
    assert [(d.channel, d.event_verb, d.to_status, d.status, d.tries) for d in deliveries] == [
        ("logging", "submitted", "received", "sent", 1), ("logging", "accepted", "accepted", "sent", 1)]
    assert deliveries[1].recipient_masked == "139****5678" and deliveries[1].appeal_id == appeal.pk
    assert "已签收" in deliveries[1].body and appeal.number in deliveries[1].body
    link = deliveries[1].link
    assert appeal_id_from_token(link.rstrip("/").rsplit("/", 1)[1]) == appeal.pk
    assert f"notify {appeal.number} 已签收" in caplog.text and PHONE not in caplog.text
    assert Delivery.objects.get(pk=deliveries[0].pk).address == PHONE
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT address FROM notify_delivery")
        assert all(row[0].startswith("v1:") and PHONE not in row[0] for row in cursor.fetchall())


def test_no_message_when_the_status_does_not_change(world, commit, settings):
    appeal = commit(lambda: submit(channel="web", requester_phone=PHONE))
    worker = world.users["worker_a"]
    commit(lambda: _accept(world, appeal))
    commit(lambda: services.appeal_dispatch(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"]))
    before = Delivery.objects.count()
    dept = world.users["dept"]
    commit(lambda: services.appeal_dispatch(actor=dept, appeal_id=appeal.pk, node=None,
                                            department=world.departments["civil"], note="转本部门另一科室"))
    assert Delivery.objects.count() == before


def test_nothing_is_sent_when_the_transaction_rolls_back(world, settings):
    from django.db import transaction

    appeal = submit(channel="web", requester_phone=PHONE)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            _accept(world, appeal)
            raise RuntimeError("rolled back")
    assert not Delivery.objects.filter(event_verb="accepted").exists()


def test_inapp_and_email_reach_a_signed_in_resident(world, commit, settings, client):
    settings.SHEQU_NOTIFY_CHANNELS = ["logging", "inapp", "email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    resident = world.users["resident_a"]
    resident.email = "wang@example.com"
    resident.save(update_fields=["email"])
    appeal = commit(lambda: submit(channel="web", requester_user=resident, requester_phone=PHONE))
    commit(lambda: _accept(world, appeal))
    assert Notification.objects.filter(user=resident, appeal=appeal).count() == 2
    assert [m.to for m in mail.outbox] == [["wang@example.com"], ["wang@example.com"]]
    assert "已签收" in mail.outbox[1].subject
    email = Delivery.objects.filter(channel="email").first()
    assert email.recipient_masked == "w***@example.com"
    client.force_login(resident)
    page = client.get("/s/mine/").content.decode()
    assert "您的诉求 %s:已签收" % appeal.number in page and "<strong>新</strong>" in page
    assert Notification.objects.filter(user=resident, read_at__isnull=True).count() == 0
    client.force_login(world.users["worker_a"])
    assert client.get("/s/mine/").status_code == 403


def test_sms_gateway_posts_the_template_and_retries_a_failure(world, commit, settings, fake_server):
    settings.SHEQU_NOTIFY_CHANNELS = ["sms"]
    settings.SHEQU_NOTIFY_SMS = {"url": fake_server.url + "/send", "template": "诉求{number}:{status} {link}",
                                 "headers": {"Authorization": "Bearer t0ken"}}
    fake_server.answers = [(500, {"message": "busy"}), (200, {"code": 0})]
    appeal = commit(lambda: submit(channel="web", requester_phone=PHONE))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries, delivery.error) == ("sent", 2, "")
    assert len(fake_server.requests) == 2
    body = fake_server.requests[-1]["body"]
    assert body["phone"] == PHONE and body["text"].startswith(f"诉求{appeal.number}:已受理登记 http")
    assert fake_server.requests[-1]["headers"]["Authorization"] == "Bearer t0ken"


def test_sms_failure_is_recorded_after_the_last_try(world, commit, settings, fake_server):
    settings.SHEQU_NOTIFY_CHANNELS = ["sms"]
    settings.SHEQU_NOTIFY_MAX_TRIES = 3
    settings.SHEQU_NOTIFY_SMS = {"url": fake_server.url + "/send"}
    fake_server.answers = [(200, {"code": 17, "message": "blacklisted"})]
    commit(lambda: submit(channel="web", requester_phone=PHONE))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries) == ("failed", 3)
    assert "blacklisted" in delivery.error and len(fake_server.requests) == 3


def test_sms_skips_landlines_and_unreachable_gateways_fail(world, commit, settings):
    settings.SHEQU_NOTIFY_CHANNELS = ["sms"]
    settings.SHEQU_NOTIFY_MAX_TRIES = 1
    settings.SHEQU_NOTIFY_SMS = {"url": "http://127.0.0.1:9/nothing", "timeout": 2}
    commit(lambda: submit(channel="web", requester_phone="010-65123456"))
    assert not Delivery.objects.exists()
    commit(lambda: submit(channel="web", requester_phone=PHONE))
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.error


def test_wechat_template_message(world, commit, settings, fake_server):
    cache.clear()
    settings.SHEQU_NOTIFY_CHANNELS = ["wechat"]
    settings.SHEQU_NOTIFY_WECHAT = {"app_id": "wx123", "app_secret": "s3cret", "template_id": "TPL1",
                                    "api_base": fake_server.url}
    resident = world.users["resident_a"]
    WeChatBinding.objects.create(user=resident, openid="oOPENID-1")
    fake_server.answers = [(200, {"access_token": "TOKEN-A", "expires_in": 7200}), (200, {"errcode": 0, "errmsg": "ok"})]
    appeal = commit(lambda: submit(channel="web", requester_user=resident, requester_phone=PHONE))
    token_request, send_request = fake_server.requests
    query = parse_qs(urlparse(token_request["path"]).query)
    assert query == {"grant_type": ["client_credential"], "appid": ["wx123"], "secret": ["s3cret"]}
    assert send_request["path"] == "/cgi-bin/message/template/send?access_token=TOKEN-A"
    payload = send_request["body"]
    assert payload["touser"] == "oOPENID-1" and payload["template_id"] == "TPL1"
    assert payload["data"]["keyword1"]["value"] == appeal.number and payload["data"]["keyword2"]["value"] == "已受理登记"
    assert Delivery.objects.get().status == "sent"
    # An expired token is dropped and the send retried with a new one.
    fake_server.answers = [(200, {"errcode": 42001, "errmsg": "access_token expired"}),
                           (200, {"access_token": "TOKEN-B", "expires_in": 7200}), (200, {"errcode": 0})]
    commit(lambda: _accept(world, appeal))
    accepted = Delivery.objects.get(event_verb="accepted")
    assert (accepted.status, accepted.tries) == ("sent", 2)
    assert fake_server.requests[-1]["path"].endswith("access_token=TOKEN-B")


def test_wechat_needs_an_openid(world, commit, settings):
    settings.SHEQU_NOTIFY_CHANNELS = ["wechat"]
    commit(lambda: submit(channel="web", requester_phone=PHONE))
    assert not Delivery.objects.exists()


def test_a_custom_channel_by_dotted_path(world, commit, settings):
    settings.SHEQU_NOTIFY_CHANNELS = ["shequ.notify.tests.test_notify.RecordingChannel"]
    RecordingChannel.sent.clear()
    appeal = commit(lambda: submit(channel="web", requester_phone=PHONE))
    assert RecordingChannel.sent == [(PHONE, appeal.number, "已受理登记")]
    assert Delivery.objects.get().channel == "shequ.notify.tests.test_notify.RecordingChannel"


class RecordingChannel(channels.Channel):
    sent: list = []

    def address(self, recipient):
        return recipient.phone

    def send(self, *, address, message, user_id=None):
        self.sent.append((address, message.number, message.status))


class BrokenChannel(RecordingChannel):
    def send(self, *, address, message, user_id=None):
        raise RuntimeError("a bug in this channel")


def test_the_periodic_task_tells_each_marked_change_once_and_a_broken_channel_harms_no_other(world, settings):
    """With the database task backend (production) the changes are told by the periodic task: every
    marked line of the batch composed, each delivery tried; a channel that fails for any reason is
    recorded as a failed try (retried on its own later) while the other channels' messages go out."""
    from django_tasks_db.models import DBTaskResult

    from shequ.notify.services import pending_send

    settings.TASKS = DB_TASKS
    settings.SHEQU_NOTIFY_CHANNELS = ["shequ.notify.tests.test_notify.RecordingChannel",
                                      "shequ.notify.tests.test_notify.BrokenChannel"]
    RecordingChannel.sent.clear()
    first = submit(channel="web", requester_phone=PHONE)
    second = submit(channel="hotline", requester_phone="13700001111")
    _accept(world, first)
    assert not Delivery.objects.exists() and not DBTaskResult.objects.exists()  # only marked so far
    assert pending_send(batch=2) == 3  # two batches: both intakes, then the acceptance
    assert sorted(RecordingChannel.sent) == sorted([(PHONE, first.number, "已受理登记"),
                                                    ("13700001111", second.number, "已受理登记"),
                                                    (PHONE, first.number, "已签收")])
    broken = Delivery.objects.filter(channel__endswith="BrokenChannel")
    assert broken.count() == 3
    assert {(d.status, d.tries, d.error) for d in broken} == {("pending", 1, "a bug in this channel")}
    retries = DBTaskResult.objects.filter(task_path="shequ.notify.tasks.deliver_task")
    assert sorted(r.args_kwargs["kwargs"]["delivery_id"] for r in retries) == sorted(d.pk for d in broken)
    assert pending_send() == 0 and len(RecordingChannel.sent) == 3  # nothing told twice


class GatewayChannel(channels.Channel):
    """An outside service that answers slowly (and refuses one number): counts the sends in flight."""

    remote = True
    lock = threading.Lock()
    in_flight = 0
    peak = 0
    threads: set = set()

    def address(self, recipient):
        return recipient.phone

    def send(self, *, address, message, user_id=None):
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.peak = max(cls.peak, cls.in_flight)
            cls.threads.add(threading.current_thread().name)
        try:
            time.sleep(0.05)
            if address == "13700000000":
                raise channels.ChannelError("gateway refused: blocked number")
        finally:
            with cls.lock:
                cls.in_flight -= 1


def test_a_slow_gateway_gets_a_batch_several_messages_at_once(world, settings):
    """The periodic sender sends through a remote channel (SMS gateway, WeChat, e-mail) up to
    SHEQU_NOTIFY_SEND_THREADS messages at once, each try recorded as before (a refusal is a failed
    try, pending for its retry); a channel that is not remote (in-app rows) sends in the task's own
    thread, inside its transaction."""
    from shequ.notify.services import pending_send

    settings.TASKS = DB_TASKS
    settings.SHEQU_NOTIFY_CHANNELS = ["shequ.notify.tests.test_notify.GatewayChannel",
                                      "shequ.notify.tests.test_notify.RecordingChannel"]
    settings.SHEQU_NOTIFY_SEND_THREADS = 4
    RecordingChannel.sent.clear()
    GatewayChannel.peak, GatewayChannel.threads = 0, set()
    phones = [f"1390000{i:04d}" for i in range(11)] + ["13700000000"]
    for phone in phones:
        submit(channel="hotline", requester_phone=phone)
    recorded = []
    original = RecordingChannel.send
    RecordingChannel.send = lambda self, **kw: (recorded.append(threading.current_thread().name), original(self, **kw))
    try:
        assert pending_send() == 11 + 12  # the gateway refused one; every in-app-like one went
    finally:
        RecordingChannel.send = original
    assert 1 < GatewayChannel.peak <= 4
    assert GatewayChannel.threads and all(name.startswith("notify-send") for name in GatewayChannel.threads)
    assert set(recorded) == {threading.current_thread().name}
    gateway = Delivery.objects.filter(channel__endswith="GatewayChannel")
    assert gateway.filter(status="sent", tries=1).count() == 11
    refused = gateway.get(status="pending")
    assert (refused.tries, refused.error) == (1, "gateway refused: blocked number")

    settings.SHEQU_NOTIFY_SEND_THREADS = 1  # one at a time, in the task's thread
    GatewayChannel.peak, GatewayChannel.threads = 0, set()
    submit(channel="hotline", requester_phone="13900009999")
    assert pending_send() == 2
    assert GatewayChannel.peak == 1 and GatewayChannel.threads == {threading.current_thread().name}


def test_deliveries_a_stopped_run_composed_but_never_tried_are_sent_by_the_next(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    from shequ.notify.services import STALE, event_compose, pending_send

    settings.TASKS = DB_TASKS
    appeal = submit(channel="web", requester_phone=PHONE)
    assert event_compose(event_id=appeal.timeline[0].pk) == 1  # composed, then the run stopped
    assert pending_send() == 0  # too recent to tell from a run still sending it
    Delivery.objects.update(created_at=timezone.now() - STALE - timedelta(seconds=1))
    assert pending_send() == 1
    assert Delivery.objects.get().status == "sent"


def test_requesters_of_an_appeal(world):
    anonymous_patrol = submit(actor=world.users["grid_a"], channel="patrol")
    assert requesters_of(anonymous_patrol) == []
    appeal = submit(channel="web", requester_user=world.users["resident_a"], requester_phone=PHONE)
    (recipient,) = requesters_of(appeal)
    assert (recipient.appeal_id, recipient.phone, recipient.user_id) == (appeal.pk, PHONE, world.users["resident_a"].pk)


def test_the_requesters_of_a_merged_duplicate_are_kept_informed(world, commit):
    """Staff merge a duplicate into an open appeal: its requester is told it was closed into the
    other, and every later change of the other reaches both requesters, each with their own
    appeal's number and link."""
    other_phone = "13700001111"
    primary = commit(lambda: submit(channel="web", requester_phone=PHONE))
    duplicate = commit(lambda: submit(channel="hotline", requester_phone=other_phone))
    commit(lambda: services.appeal_merge(actor=world.users["office"], appeal_id=duplicate.pk, into_id=primary.pk,
                                         reason="同一处噪声"))
    (closed,) = Delivery.objects.filter(event_verb="merged")
    assert (closed.appeal_id, closed.address, closed.to_status) == (duplicate.pk, other_phone, "closed")
    assert not Delivery.objects.filter(event_verb="merged_in").exists()  # the primary's status did not change
    assert [r.appeal_id for r in requesters_of(primary)] == [primary.pk, duplicate.pk]
    commit(lambda: _accept(world, primary))
    told = {d.address: d for d in Delivery.objects.filter(event_verb="accepted")}
    assert set(told) == {PHONE, other_phone}
    assert told[PHONE].appeal_id == primary.pk and primary.number in told[PHONE].body
    mine = told[other_phone]
    assert mine.appeal_id == duplicate.pk and f"{duplicate.number}(已并入 {primary.number})" in mine.subject
    assert appeal_id_from_token(mine.link.rstrip("/").rsplit("/", 1)[1]) == duplicate.pk


# Serialized like every transactional test of the suite: a plain one's flush re-creates the content
# types, which the next serialized test then loads again (a unique-constraint error).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_notify_worker_runs_the_notifications_and_leaves_other_work_waiting(settings):
    """Notifications have a queue of their own (``notify``): the worker started for it alone
    (``db_worker --queue-name notify``, as ``make demo`` does) runs the periodic sender and the
    retries while an import — another queue, held by its own worker — waits where it is."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from shequ.notify.tasks import deliver_task, notify_pending_task
    from shequ.transfer.tasks import import_job_process

    settings.TASKS = DB_TASKS
    waiting = import_job_process.enqueue(job_id=1)
    periodic = notify_pending_task.enqueue()
    retry = deliver_task.enqueue(delivery_id=999_999)  # its delivery already done: nothing to send
    call_command("db_worker", queue_name="notify", batch=True, interval=0, reload=False, startup_delay=False)
    status = {str(pk): s for pk, s in DBTaskResult.objects.values_list("id", "status")}
    assert (status[periodic.id], status[retry.id]) == ("SUCCESSFUL", "SUCCESSFUL")
    assert status[waiting.id] == "READY"
