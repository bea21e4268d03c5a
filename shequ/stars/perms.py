"""Who may take which step. The role's capability comes from ``jurisdiction.scoping.CAPABILITIES``;
the review by city departments and the approval by the city committee also need the user's own
Django permission (``stars.review_rating`` / ``stars.approve_rating``), so an organization
department can give the two steps to different people."""
from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.core.errors import NotAllowed
from shequ.jurisdiction import scoping

#: capability -> the per-user permission it also needs
PER_USER = {"stars.review": "stars.review_rating", "stars.approve": "stars.approve_rating"}


def may(user, action: str) -> bool:
    if not scoping.can(user, action):
        return False
    needed = PER_USER.get(action)
    return needed is None or scoping.is_global(user) or user.has_perm(needed)


def ensure(user, action: str, obj=None) -> None:
    """403 without the capability (and per-user permission), 404 when ``obj`` is out of scope."""
    if not may(user, action):
        raise NotAllowed(_("您的角色无权执行此操作"), extra={"action": action})
    if obj is not None:
        scoping.ensure_can(user, action, obj)
