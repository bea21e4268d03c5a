"""Small helpers shared by the party and social-organization pages."""
from __future__ import annotations

from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level
from shequ.web.views import _int


def query_string(request, page: str = "page") -> str:
    """The page's query string without the pager's ``page`` parameter and ``export`` (for pager and
    export links)."""
    params = request.GET.copy()
    params.pop(page, None)
    params.pop("export", None)
    return params.urlencode()


def filter_node(request):
    """The ``?node=`` filter (404 when outside the user's area), or None."""
    pk = request.GET.get("node")
    return tree.node_get(user=request.user, pk=_int(pk)) if pk else None


def community_choices(user) -> list[tuple[int, str]]:
    return list(tree.node_search(user=user, q="", level=Level.COMMUNITY, limit=500).values_list("pk", "name"))
