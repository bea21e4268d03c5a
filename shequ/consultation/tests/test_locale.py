"""The English catalogs: the resident vote page and the volunteer page read in English."""
from django.urls import reverse
from django.utils import translation

from .factories import voting_topic


def test_resident_pages_in_english(client, world):
    t = voting_topic(world)
    client.force_login(world.users["resident_a"])
    with translation.override("en"):
        page = client.get(reverse("consultation:mine_detail", args=[t.pk]), HTTP_ACCEPT_LANGUAGE="en")
        client.cookies["django_language"] = "en"
        page = client.get(reverse("consultation:mine_detail", args=[t.pk])).content.decode()
        assert "Cast my vote" in page and "One vote per household" in page
        assert "Become a volunteer" in client.get(reverse("volunteers:mine")).content.decode()
