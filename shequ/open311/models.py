"""Open311 GeoReport v2: the attributes of each service type, the API keys of client
applications, and what a client sent with each request beyond the appeal itself.

The service types are the appeals catalog (``appeals.ServiceCategory``); a service request is
an ``appeals.Appeal`` (its number is the ``service_request_id``).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel


class Datatype(models.TextChoices):
    """The attribute datatypes of GeoReport v2 (service definition)."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_DATATYPES = (Datatype.SINGLE, Datatype.MULTI)


class ServiceAttribute(BaseModel):
    """One extra question of a service type (``attribute[code]`` in a POST)."""

    category = models.ForeignKey("appeals.ServiceCategory", verbose_name=_("类别"), on_delete=models.CASCADE,
                                 related_name="open311_attributes")
    code = models.SlugField(_("代码"), max_length=40)
    description = models.CharField(_("问题"), max_length=300, help_text=_("向填写人显示的问题或说明"))
    datatype = models.CharField(_("数据类型"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    variable = models.BooleanField(_("需要填写"), default=True, help_text=_("不勾选:仅向用户展示说明,不需要输入"))
    required = models.BooleanField(_("必填"), default=False)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(_("选项"), default=list, blank=True,
                              help_text=_('单选/多选的选项,如 [{"key": "night", "name": "夜间"}]'))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务附加字段")
        verbose_name_plural = _("服务附加字段")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code_unique"),
            models.UniqueConstraint(fields=["category", "order"], name="open311_attribute_order_unique"),
            models.CheckConstraint(condition=models.Q(order__gte=1), name="open311_attribute_order_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"

    def clean(self) -> None:
        values = self.values or []
        if not isinstance(values, list) or not all(
                isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip() for v in values):
            raise ValidationError({"values": _("选项应为 [{\"key\": ..., \"name\": ...}] 的列表,键和名称都不能为空")})
        keys = [str(v["key"]) for v in values]
        if len(set(keys)) != len(keys):
            raise ValidationError({"values": _("选项的 key 不能重复")})
        if self.datatype in LIST_DATATYPES and not values:
            raise ValidationError({"values": _("单选和多选必须列出选项")})
        if self.datatype not in LIST_DATATYPES and values:
            raise ValidationError({"values": _("只有单选和多选可以有选项")})
        if self.required and not self.variable:
            raise ValidationError({"required": _("不需要填写的字段不能设为必填")})

    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values or []]


class ApiKey(BaseModel):
    """The key of one Open311 client application. Only the SHA-256 of the key is stored; the
    key is shown once, when it is created (admin or ``manage.py open311_key``)."""

    name = models.CharField(_("客户端名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    district = models.ForeignKey("jurisdiction.Node", verbose_name=_("限定区"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "district"},
                                 help_text=_("填写后,此密钥只能向该区提交诉求"))
    batch = models.BooleanField(_("返回令牌"), default=False,
                                help_text=_("勾选:提交后返回令牌(token),客户端再用令牌查询诉求编号"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Submission(BaseModel):
    """What an Open311 client sent with a request besides the appeal's own fields.

    The requester's email, device and account ids are personal data: encrypted at rest and
    never returned by any GET.
    """

    appeal = models.OneToOneField("appeals.Appeal", verbose_name=_("诉求"), on_delete=models.CASCADE,
                                  related_name="open311")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("客户端"), on_delete=models.PROTECT, related_name="submissions")
    # Unique through Meta.constraints: looked up by equality only, so without the pattern-matching
    # twin index that unique=True adds to a text column (every intake would write both).
    token = models.CharField(_("令牌"), max_length=40, editable=False)
    email = EncryptedTextField(_("电子邮箱"), blank=True)
    device_id = EncryptedTextField(_("设备标识"), blank=True)
    account_id = EncryptedTextField(_("账号标识"), blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    attributes = models.JSONField(_("附加字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Open311 提交")
        verbose_name_plural = _("Open311 提交")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["token"], name="open311_submission_token_unique")]

    def __str__(self) -> str:
        return f"{self.token}"
