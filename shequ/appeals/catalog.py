"""The service catalog and the district departments as a process keeps them (``shequ.core.kept``).

Every appeal intake looks its category (with its time-limit class) up, and every Open311 list
names the category, time limit and department of each request: small tables read on every
request. A process keeps them for ``SHEQU_CATALOG_CACHE_SECONDS`` (default 10; 0 in the tests);
a change saved through the application (the admin, the services) is seen at once by every process
(the signals in ``apps``), one made around it (raw SQL, ``QuerySet.update()``) within those seconds.
"""
from __future__ import annotations

from dataclasses import dataclass

from shequ.core.kept import Kept, instance_copy
from shequ.jurisdiction.models import Department

from .models import ServiceCategory, TimeLimitClass

kept_catalog = Kept("catalog", setting="SHEQU_CATALOG_CACHE_SECONDS")
#: What, when saved or deleted, changes the catalog (watched in ``apps``).
MODELS = (ServiceCategory, TimeLimitClass, Department)


@dataclass(frozen=True)
class Catalog:
    #: Every category (active or not) by code and by id, with its time-limit class and parent read.
    by_code: dict[str, ServiceCategory]
    by_id: dict[int, ServiceCategory]
    #: Department names by id.
    department_names: dict[int, str]


def _load() -> Catalog:
    categories = list(ServiceCategory.objects.select_related("time_limit", "parent"))
    return Catalog(by_code={c.code: c for c in categories}, by_id={c.pk: c for c in categories},
                   department_names=dict(Department.objects.values_list("id", "name")))


def catalog() -> Catalog:
    """The catalog as kept (read-only: use ``active_category`` for an entry to work with)."""
    return kept_catalog.read("catalog", _load)


def active_category(code: str) -> ServiceCategory | None:
    """The active category with ``code`` (its own copy, time limit and parent read), or None."""
    category = catalog().by_code.get(code)
    return instance_copy(category) if category is not None and category.active else None
