"""What a process keeps (``shequ.core.kept``): each caller gets its own copy of a kept instance."""
from shequ.core.kept import instance_copy
from shequ.jurisdiction.models import Node


def test_a_copy_is_the_callers_own(world):
    kept = Node.objects.select_related("parent").get(pk=world.nodes["A"].pk)
    mine = instance_copy(kept)
    assert type(mine) is Node and mine.pk == kept.pk and mine.name == kept.name
    assert mine.parent is kept.parent  # related objects shared, as copy.copy shares them
    assert not mine._state.adding and mine._state.db == kept._state.db
    mine.name = "改了"
    mine._state.fields_cache.clear()  # e.g. assigning another parent
    mine._state.adding = True
    assert kept.name != "改了" and "parent" in kept._state.fields_cache and not kept._state.adding
    mine.save(update_fields=["name"])  # a copy is a model instance like any other
    assert Node.objects.get(pk=kept.pk).name == "改了"


def test_a_shared_generation_is_read_again_only_when_its_file_changes(tmp_path, settings):
    """With the file-based cache a generation's file is read again only when another process
    (another cache object on the same directory here) has replaced it."""
    from unittest import mock

    from django.core.cache import caches
    from django.core.cache.backends.filebased import FileBasedCache

    from shequ.core.kept import shared_get

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}}
    other = FileBasedCache(str(tmp_path), {})  # what another process writes through
    assert shared_get("gen") is None
    other.set("gen", "one", None)
    assert shared_get("gen") == "one"
    with mock.patch.object(FileBasedCache, "get", side_effect=AssertionError("read again")):
        assert shared_get("gen") == "one"  # same file: not opened again
    other.set("gen", "two", None)
    assert shared_get("gen") == "two"
    caches["default"].set("gen", "three", None)
    assert shared_get("gen") == "three"
    other.delete("gen")
    assert shared_get("gen") is None
