"""Users, their role and their bindings to jurisdiction nodes or to a department."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.models import BaseModel


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员/楼栋长")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    STREET_STAFF = "street_staff", _("街道/乡镇干部")
    DEPARTMENT = "department", _("区直部门")
    DISTRICT_OFFICE = "district_office", _("区社区办")
    ORGANIZATION = "organization", _("组织部/考评人员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("系统管理员")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    resident = models.OneToOneField(
        "registry.Resident", verbose_name=_("对应居民"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="user",
        help_text=_("居民账号对应的登记居民;其可见范围是本户"),
    )
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Binding(BaseModel):
    """A user's jurisdiction: one tree node (and everything under it) or one department."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="bindings")
    node = models.ForeignKey("jurisdiction.Node", verbose_name=_("辖区节点"), null=True, blank=True, on_delete=models.CASCADE, related_name="bindings")
    department = models.ForeignKey("jurisdiction.Department", verbose_name=_("部门"), null=True, blank=True, on_delete=models.CASCADE, related_name="bindings")

    class Meta:
        verbose_name = _("辖区绑定")
        verbose_name_plural = _("辖区绑定")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(node__isnull=False, department__isnull=True) | models.Q(node__isnull=True, department__isnull=False)),
                name="binding_node_xor_department",
            ),
            models.UniqueConstraint(fields=["user", "node"], name="binding_unique_node"),
            models.UniqueConstraint(fields=["user", "department"], name="binding_unique_department"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.node or self.department}"

    def clean(self) -> None:
        if bool(self.node_id) == bool(self.department_id):
            raise ValidationError(_("绑定须且只能指定一个辖区节点或一个部门"))
        if self.node_id and self.node.level == "unit":
            raise ValidationError(_("不能绑定到单元,请绑定到楼栋或更高层级"))


class ApiToken(BaseModel):
    """A personal API token. Only its SHA-256 is stored; the key is shown once when created."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
