from django.contrib import admin

from shequ.core.admin import ConfigAdmin

from .models import Department, Node, ResidentGroup


@admin.register(Node)
class NodeAdmin(ConfigAdmin):
    list_display = ("name", "level", "kind", "code", "parent", "depth")
    list_filter = ("level", "kind")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "depth")
    fields = ("parent", "level", "kind", "name", "code", "sort", "boundary", "path", "depth")

    def get_readonly_fields(self, request, obj=None):
        # Moving a node re-computes its whole subtree: use the tree service/API for that.
        return (*self.readonly_fields, "parent", "level") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        from . import services

        if change:
            services.node_update(actor=request.user, node=obj, name=obj.name, code=obj.code, boundary=obj.boundary, sort=obj.sort)
        else:
            created = services.node_create(actor=request.user, parent=obj.parent, level=obj.level, kind=obj.kind,
                                           name=obj.name, code=obj.code, boundary=obj.boundary, sort=obj.sort)
            obj.pk = created.pk


@admin.register(ResidentGroup)
class ResidentGroupAdmin(ConfigAdmin):
    list_display = ("name", "kind", "community", "code", "leader_name")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    raw_id_fields = ("community",)


@admin.register(Department)
class DepartmentAdmin(ConfigAdmin):
    list_display = ("name", "kind", "district", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
