"""``shequ demo --scale small|medium|large [--seed N] [--reset]``: load the demo district."""
import time

from django.core.management.base import BaseCommand
from django.db import connection

from shequ.admission.demo import load_admission_demo
from shequ.appeals.services import appeals_sweep
from shequ.consultation.demo import load_demo as consultation_demo
from shequ.demo.appeals import AppealLoader
from shequ.surveys.demo import fill as fill_surveys
from shequ.workforce.demo import fill as fill_workforce
from shequ.indicators.demo import load_demo as load_indicators_demo
from shequ.demo.loader import DISTRICT_CODE, SCALES, DemoLoader
from shequ.demo.logins import ensure_demo_logins
from shequ.demo.reset import reset_demo
from shequ.jurisdiction.models import Node
from shequ.stars.demo import load_stars_demo
from shequ.party.demo import load_party_demo
from shequ.socialorgs.demo import load_socialorgs_demo
from shequ.volunteers.demo import load_demo as volunteers_demo


APPEALS_BY_SCALE = {"tiny": 150, "small": 6000, "medium": 40000, "large": 200000}


class Command(BaseCommand):
    help = "Load the demo district 示范市/示范区 (tree, registry, actual units) and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small",
                            help="tiny (tests, ~450 residents), small (~20,000), medium (~200,000), large (~1,000,000)")
        parser.add_argument("--seed", type=int, default=20250630, help="same seed, same names, ID numbers and codes")
        parser.add_argument("--appeals", type=int, default=None,
                            help="how many appeals to generate (default by scale: 150 / 6,000 / 40,000 / 200,000)")
        parser.add_argument("--reset", action="store_true",
                            help="first delete the tree, the registry and the demo users (the audit log stays)")

    def handle(self, *args, scale, seed, reset, appeals=None, **options):
        say = self.stdout.write
        started = time.monotonic()
        if reset:
            say("Resetting: deleting the tree, the registry and the demo users …")
            reset_demo(out=say)
        elif Node.objects.filter(code=DISTRICT_CODE).exists():
            ensure_demo_logins()
            say(self.style.WARNING("The demo district is already loaded; nothing to do (use --reset to reload)."))
            return
        say(f"Loading the demo district, scale {scale}, seed {seed} …")
        loader = DemoLoader(scale=scale, seed=seed, out=say)
        loader.run()
        ensure_demo_logins()
        load_stars_demo(seed=seed, out=say)
        load_party_demo(seed=seed, out=say)
        load_socialorgs_demo(seed=seed, out=say)
        counts = loader.summary
        n_appeals = APPEALS_BY_SCALE[scale] if appeals is None else appeals
        if n_appeals:
            say(f"Generating {n_appeals:,} appeals over the last 180 days …")
            made = AppealLoader(count=n_appeals, seed=seed, out=say).run()
            swept = appeals_sweep()
            say(f"  {made['appeals']:,} appeals, {made['events']:,} timeline events; the deadline sweep warned "
                f"{swept.warned:,} and escalated {swept.escalated:,}.")
        load_admission_demo(seed=seed, out=say)
        say(f"Volunteers {volunteers_demo(district_code=DISTRICT_CODE, seed=seed)}, consultation {consultation_demo(district_code=DISTRICT_CODE, seed=seed)}")
        say(f"  workforce: {fill_workforce(seed=seed)}; surveys: {fill_surveys(seed=seed)}")
        load_indicators_demo(out=say)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Planner statistics for every table the steps above filled (the tree and registry loader
            # analyses its own; the modules' demo data went in through the ORM). Autovacuum would
            # gather them within minutes where it runs; until then, or where it is off, the planner
            # takes a table of thousands of rows for an empty one (the party page: 5.6 s, not 0.1).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        say(self.style.SUCCESS(
            f"Demo loaded in {time.monotonic() - started:.1f} s: {counts['node']:,} nodes, {counts['address']:,} addresses, "
            f"{counts['house']:,} houses, {counts['household']:,} households, {counts['resident']:,} residents, "
            f"{counts['establishment']:,} units, {counts['tenancy']:,} tenancies."))
