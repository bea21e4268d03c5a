"""Notification channels. A channel says whether it can reach a recipient (``address``) and sends
one message there (``send``), raising ``ChannelError`` when the far side refuses or fails.

Which channels run is the setting ``SHEQU_NOTIFY_CHANNELS`` (names below, or dotted paths of
your own ``Channel`` subclasses); the default is the logging channel only. See docs/notifications.md.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("shequ.notify")


class ChannelError(Exception):
    """The message could not be delivered (it is retried, then marked failed)."""


@dataclass
class Recipient:
    """Someone to tell about an appeal: its requester (``appeal_id`` is *their* appeal)."""

    appeal_id: int
    number: str
    phone: str = ""
    user_id: int | None = None
    email: str = ""
    openid: str = ""


@dataclass
class Message:
    subject: str
    text: str
    link: str
    number: str
    status: str
    appeal_id: int | None = None


class Channel:
    name = ""
    #: The channel only calls an outside service (no database): the periodic sender sends a
    #: batch's messages through it several at once (``SHEQU_NOTIFY_SEND_THREADS``).
    remote = False

    def address(self, recipient: Recipient) -> str:
        """Where this channel would send to the recipient, or '' when it cannot reach them."""
        raise NotImplementedError

    def send(self, *, address: str, message: Message, user_id: int | None = None) -> None:
        raise NotImplementedError


class LoggingChannel(Channel):
    """Writes the message to the ``shequ.notify`` log (the default: nothing leaves the server)."""

    name = "logging"

    def address(self, recipient: Recipient) -> str:
        return recipient.phone or (f"user:{recipient.user_id}" if recipient.user_id else f"appeal:{recipient.appeal_id}")

    def send(self, *, address: str, message: Message, user_id: int | None = None) -> None:
        logger.info("notify %s %s: %s", message.number, message.status, message.subject)


class EmailChannel(Channel):
    """Django's mail (``EMAIL_BACKEND``), to the e-mail of the requester's account."""

    name = "email"
    remote = True

    def address(self, recipient: Recipient) -> str:
        return recipient.email

    def send(self, *, address: str, message: Message, user_id: int | None = None) -> None:
        try:
            send_mail(message.subject, message.text, None, [address])
        except OSError as exc:  # SMTP and socket errors
            raise ChannelError(str(exc)) from exc


def post_json(url: str, payload: dict, *, headers: dict | None = None, timeout: float = 10) -> dict:
    """POST JSON, return the decoded JSON answer; any network or HTTP error is a ChannelError."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    return _open_json(request, timeout)


def _open_json(request, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured https/http URL
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(str(getattr(exc, "reason", exc))) from exc
    try:
        return json.loads(body or b"{}")
    except ValueError as exc:
        raise ChannelError("not JSON") from exc


class SmsChannel(Channel):
    """An SMS gateway: ``SHEQU_NOTIFY_SMS = {"url": ..., "template": ..., "headers": {...},
    "phone_field": "phone", "text_field": "text", "extra": {...}, "timeout": 10}``.

    The template is a ``str.format`` string with ``{number}``, ``{status}`` and ``{link}``. A
    non-2xx answer, or a JSON answer with ``"ok": false`` or a non-zero ``"code"``, is a failure.
    """

    name = "sms"
    remote = True

    def config(self) -> dict:
        return {"template": "【社区】您的诉求{number}状态:{status}。查看与评价:{link}", "phone_field": "phone",
                "text_field": "text", "extra": {}, "headers": {}, "timeout": 10,
                **getattr(settings, "SHEQU_NOTIFY_SMS", {})}

    def address(self, recipient: Recipient) -> str:
        phone = recipient.phone
        return phone if len(phone) == 11 and phone.startswith("1") and phone.isdigit() else ""

    def send(self, *, address: str, message: Message, user_id: int | None = None) -> None:
        conf = self.config()
        if not conf.get("url"):
            raise ChannelError("SHEQU_NOTIFY_SMS url is not set")
        text = conf["template"].format(number=message.number, status=message.status, link=message.link)
        answer = post_json(conf["url"], {**conf["extra"], conf["phone_field"]: address, conf["text_field"]: text},
                           headers=conf["headers"], timeout=conf["timeout"])
        if answer.get("ok") is False or answer.get("code", 0) not in (0, "0", "OK"):
            raise ChannelError(f"gateway refused: {answer.get('message') or answer.get('code')}")


class WeChatChannel(Channel):
    """WeChat official-account template messages (模板消息): ``SHEQU_NOTIFY_WECHAT = {"app_id": ...,
    "app_secret": ..., "template_id": ..., "api_base": "https://api.weixin.qq.com"}``.

    Needs the resident account's openid (``WeChatBinding``). The access token is cached until
    shortly before it expires and dropped when WeChat says it is invalid (40001, 42001).
    """

    name = "wechat"
    remote = True
    TOKEN_ERRORS = {40001, 40014, 42001}

    def config(self) -> dict:
        return {"api_base": "https://api.weixin.qq.com", "timeout": 10, **getattr(settings, "SHEQU_NOTIFY_WECHAT", {})}

    def address(self, recipient: Recipient) -> str:
        return recipient.openid

    def _token(self, conf: dict) -> str:
        key = f"shequ.notify.wechat.token.{conf['app_id']}"
        token = cache.get(key)
        if token:
            return token
        query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": conf["app_id"],
                                        "secret": conf["app_secret"]})
        answer = _open_json(urllib.request.Request(f"{conf['api_base']}/cgi-bin/token?{query}"), conf["timeout"])
        token = answer.get("access_token")
        if not token:
            raise ChannelError(f"wechat token: {answer.get('errcode')} {answer.get('errmsg', '')}".strip())
        cache.set(key, token, max(60, int(answer.get("expires_in", 7200)) - 300))
        return token

    def send(self, *, address: str, message: Message, user_id: int | None = None) -> None:
        conf = self.config()
        if not (conf.get("app_id") and conf.get("app_secret") and conf.get("template_id")):
            raise ChannelError("SHEQU_NOTIFY_WECHAT app_id, app_secret and template_id are required")
        token = self._token(conf)
        payload = {"touser": address, "template_id": conf["template_id"], "url": message.link, "data": {
            "first": {"value": message.subject},
            "keyword1": {"value": message.number},
            "keyword2": {"value": message.status},
            "keyword3": {"value": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
            "remark": {"value": "点击查看办理进度并评价"},
        }}
        answer = post_json(f"{conf['api_base']}/cgi-bin/message/template/send?access_token={urllib.parse.quote(token)}",
                           payload, timeout=conf["timeout"])
        code = answer.get("errcode", 0)
        if code in self.TOKEN_ERRORS:
            cache.delete(f"shequ.notify.wechat.token.{conf['app_id']}")
        if code != 0:
            raise ChannelError(f"wechat {code} {answer.get('errmsg', '')}".strip())


class InAppChannel(Channel):
    """A ``Notification`` row, shown on the resident's "我的诉求" page (only for a requester with an account)."""

    name = "inapp"

    def address(self, recipient: Recipient) -> str:
        return str(recipient.user_id) if recipient.user_id else ""

    def send(self, *, address: str, message: Message, user_id: int | None = None) -> None:
        from .models import Notification

        Notification.objects.create(user_id=int(address), appeal_id=message.appeal_id, subject=message.subject, body=message.text,
                                    link=message.link, created_at=timezone.now())


BUILT_IN = {c.name: c for c in (LoggingChannel, EmailChannel, SmsChannel, WeChatChannel, InAppChannel)}


def configured() -> list[Channel]:
    """The channels named in ``SHEQU_NOTIFY_CHANNELS`` (built-in names or dotted class paths)."""
    names = getattr(settings, "SHEQU_NOTIFY_CHANNELS", ["logging"])
    return [get(name) for name in names]


def get(name: str) -> Channel:
    cls = BUILT_IN.get(name) or import_string(name)
    channel = cls()
    channel.name = name  # what Delivery.channel stores, so the worker finds the same channel
    return channel
