"""Notifications to requesters: every send recorded (``Delivery``), in-app messages
(``Notification``), and the WeChat official-account openid of a resident account."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel


class Delivery(BaseModel):
    """One message to one recipient through one channel, sent in the background after commit.

    The address (phone, e-mail, openid, user id) is encrypted; screens show ``recipient_masked``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("appeals.AppealEvent", verbose_name=_("办理记录"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    event_verb = models.CharField(_("事件"), max_length=32)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    channel = models.CharField(_("渠道"), max_length=100)
    recipient_masked = models.CharField(_("接收人"), max_length=64)
    address = EncryptedTextField(_("接收地址"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.TextField(_("链接"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = _("通知发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient_masked} ({self.status})"


class Notification(models.Model):
    """An in-app message, shown to a signed-in resident on their "我的诉求" page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="notifications")
    appeal = models.ForeignKey("appeals.Appeal", verbose_name=_("诉求"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.TextField(_("链接"), blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read_idx")]

    def __str__(self) -> str:
        return self.subject


class WeChatBinding(BaseModel):
    """The openid of a resident account in the official account (公众号), for template messages."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="wechat_binding")
    openid = EncryptedTextField(_("OpenID"))

    class Meta:
        verbose_name = _("微信绑定")
        verbose_name_plural = _("微信绑定")

    def __str__(self) -> str:
        return str(self.user)
