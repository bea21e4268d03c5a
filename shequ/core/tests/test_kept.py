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
