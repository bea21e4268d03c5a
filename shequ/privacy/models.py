"""A resident's requests under the Personal Information Protection Law (个人信息保护法, arts. 44–47):
to see and copy their data, to correct it, to delete it (docs/privacy.md)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located


class DataRequest(Located, BaseModel):
    class Kind(models.TextChoices):
        ACCESS = "access", _("查阅、复制")
        CORRECT = "correct", _("更正、补充")
        DELETE = "delete", _("删除")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        COMPLETED = "completed", _("已办结")
        REJECTED = "rejected", _("不予办理")

    class Channel(models.TextChoices):
        SELF = "self", _("本人在线申请")
        WINDOW = "window", _("窗口代为登记")

    number = models.CharField(_("编号"), max_length=24, unique=True)
    kind = models.CharField(_("请求类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    resident = models.ForeignKey("registry.Resident", verbose_name=_("居民"), on_delete=models.PROTECT,
                                 related_name="data_requests")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("申请说明"), blank=True)
    # the corrected values the resident asks for: personal data, so encrypted (a JSON object)
    corrections = EncryptedTextField(_("更正内容"), blank=True)
    due_on = models.DateField(_("答复期限"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    response = models.TextField(_("答复"), blank=True)

    class Meta:
        verbose_name = _("个人信息权利请求")
        verbose_name_plural = _("个人信息权利请求")
        ordering = ["-id"]
        indexes = [models.Index(fields=["community", "status", "id"], name="datarequest_community_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"
