from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only")

    def delete(self):
        raise PermissionError("The audit log is append-only")


class AuditLog(models.Model):
    """Who did what to which record, when and from where. Rows are never changed or deleted.

    Besides this model's guards, database triggers (migration 0002) refuse UPDATE and DELETE.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    node_id = models.BigIntegerField(_("所在辖区节点"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("来源IP"), null=True, blank=True)
    extra = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.verb} {self.target_type}#{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only")


class AuditSeal(models.Model):
    """One link of the audit log's hash chain (tamper evidence, docs/security.md).

    ``seq`` orders the chain; ``digest`` = HMAC-SHA256(key, ``prev`` + the audit row's canonical
    form), keyed by a secret held outside the database, so someone who can write to the database
    cannot forge a consistent chain after changing or deleting a row. Rows are sealed shortly after
    they are written (a periodic task), in the order the sealer finds them; ``shequ audit_verify``
    walks the chain. Like the log itself, seals are never changed or deleted.
    """

    seq = models.BigAutoField(primary_key=True)
    audit_id = models.BigIntegerField(_("审计记录"), unique=True)
    prev = models.CharField(_("前一摘要"), max_length=64)
    digest = models.CharField(_("摘要"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} audit {self.audit_id} {self.digest[:12]}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for a request that creates a record: a retry with the same key
    gets the record made the first time instead of a second one (shequ.core.idempotency)."""

    owner = models.CharField(_("客户端"), max_length=64, help_text=_("user:<id> 或 open311:<api_key id>"))
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求摘要"), max_length=64, help_text=_("请求正文的 SHA-256"))
    target_type = models.CharField(_("对象类型"), max_length=100)
    target_id = models.BigIntegerField(_("对象 ID"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique_per_owner")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
