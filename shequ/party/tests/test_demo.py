"""The party and social-organization demo: fills the tiny demo district with data the pages and the
indicators can show, and the demo community worker sees only their community's."""
import datetime as dt

import pytest

from shequ.accounts.models import User
from shequ.demo.loader import DISTRICT_CODE, DemoLoader
from shequ.demo.logins import COMMUNITY_A, ensure_demo_logins
from shequ.demo.reset import reset_demo
from shequ.jurisdiction.models import Node
from shequ.party import indicators, selectors
from shequ.party.demo import load_party_demo
from shequ.party.models import JointMeeting, PartyOrganization
from shequ.socialorgs import selectors as org_selectors
from shequ.socialorgs.demo import load_socialorgs_demo
from shequ.socialorgs.models import SocialOrganization

pytestmark = pytest.mark.django_db


def test_demo_fills_both_modules_and_stays_scoped():
    DemoLoader(scale="tiny", seed=7).run()
    ensure_demo_logins()
    party = load_party_demo(seed=7)
    orgs = load_socialorgs_demo(seed=7)
    assert party["organizations"] >= 4 and party["meetings"] >= 4 and orgs["organizations"] >= 1
    district = Node.objects.get(code=DISTRICT_CODE)
    today = dt.date.today()
    values = indicators.compute([district], dt.date(today.year - 1, today.month, 1), today)[district.pk]
    assert values["party_org_coverage"] is not None and values["joint_meetings_per_community"] is not None
    worker = User.objects.filter(bindings__node__code=COMMUNITY_A, role="community_worker").first()
    assert worker is not None
    community = Node.objects.get(code=COMMUNITY_A)
    assert {o.community_id for o in selectors.organization_list(user=worker)} == {community.pk}
    assert {m.community_id for m in selectors.meeting_list(user=worker)} <= {community.pk}
    assert {o.community_id for o in org_selectors.organization_list(user=worker)} <= {community.pk}
    reset_demo()
    assert not PartyOrganization.objects.exists() and not JointMeeting.objects.exists()
    assert not SocialOrganization.objects.exists()
