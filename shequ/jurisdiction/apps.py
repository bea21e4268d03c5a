from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JurisdictionConfig(AppConfig):
    name = "shequ.jurisdiction"
    label = "jurisdiction"
    verbose_name = _("辖区")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Node
        from .selectors import _grid_index

        # The grid index (selectors._GridIndex) is rebuilt everywhere when a grid or an ancestor changes.
        post_save.connect(_grid_index.watched, sender=Node, dispatch_uid="jurisdiction_grid_index_save")
        post_delete.connect(_grid_index.watched, sender=Node, dispatch_uid="jurisdiction_grid_index_delete")
