"""Empty the tree, the registry and the domain records before a demo reload. The audit log is left untouched."""
from __future__ import annotations

from django.db import connection, transaction

from shequ.accounts.models import User
from shequ.core.audit import audit_record

from .logins import DEMO_USERNAMES

# Children before parents. Foreign keys are deferred, so the order only keeps it readable.
# Records of the domain apps (they point at demo users and at the tree) go before the users;
# their configuration (catalogs, time limits, settings, API keys) stays. Many-to-many tables of
# these models are cleared with them. Foreign keys are deferred, so the order is for reading only.
_DATA_MODELS = [
    "notify.Delivery", "notify.Notification", "notify.WeChatBinding", "open311.Submission",
    "proactive.TopicNote", "proactive.TopicMilestone", "proactive.Topic",
    "admission.TaskEvent", "admission.ResultFile", "admission.AvoidedCollection", "admission.Assignment",
    "admission.WorkTask", "admission.UnadmittedReport", "admission.StampRecord", "admission.Plaque",
    "admission.AdmissionItem", "admission.AdmissionList",
    "whistle.WhistleEvent", "whistle.WhistleTarget", "whistle.Whistle",
    "stars.RatingEvent", "stars.Objection", "stars.StarChange", "stars.MassVote", "stars.RatingStar", "stars.Rating",
    "party.ResolutionFollowUp", "party.Resolution", "party.MeetingTopic", "party.MeetingAttendance", "party.JointMeeting",
    "party.ServiceRecord", "party.DualRegistration", "party.ExpectedRegistrant", "party.CentralHousehold",
    "party.PartyOrganization", "socialorgs.ServiceProject", "socialorgs.SocialOrganization",
    "volunteers.CallOutReply", "volunteers.CallOut", "volunteers.SignUp", "volunteers.Activity", "volunteers.Volunteer",
    "consultation.Vote", "consultation.Action", "consultation.Participant", "consultation.Meeting", "consultation.Option",
    "consultation.Topic",
    "agency.Visit", "agency.Trip", "agency.CaseStep", "agency.AgencyCase",
    "appeals.AppealEvent", "appeals.AppealAttachment", "appeals.TimeRequest", "appeals.CoHandler", "appeals.Appeal",
    "appeals.AppealCounter",
    "surveys.Answer", "surveys.Response", "surveys.Option", "surveys.Question", "surveys.Survey",
    "workforce.ReviewFinding", "workforce.Candidate", "workforce.Assessment", "workforce.Training", "workforce.Worker",
    "workforce.Spending", "workforce.Funding", "workforce.Facility",
]


def _data_tables() -> list[str]:
    from django.apps import apps

    tables = []
    for label in _DATA_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:  # an optional app that is not installed
            continue
        tables += [f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many
                   if f.remote_field.through._meta.auto_created]
        tables.append(model._meta.db_table)
    return tables


_TABLES = [
    "registry_resident_tags", "registry_tenancy", "registry_householdmembership", "registry_establishment",
    "registry_resident", "registry_household", "registry_house", "registry_address", "jurisdiction_residentgroup",
    "accounts_binding", "jurisdiction_department", "jurisdiction_node",
]


@transaction.atomic
def reset_demo(out=lambda msg: None) -> dict[str, int]:
    """Delete the demo users, every binding, and every registry and tree row (not the audit log)."""
    counts = {}
    with connection.cursor() as cur:
        for table in _data_tables():
            cur.execute(f'DELETE FROM "{table}"')
            counts[table] = cur.rowcount
            out(f"  {table}: {cur.rowcount:,} rows deleted")
    deleted, _ = User.objects.filter(username__in=DEMO_USERNAMES).delete()
    counts["demo users (with their rows)"] = deleted
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_user SET resident_id = NULL WHERE resident_id IS NOT NULL")
        cur.execute("UPDATE registry_household SET head_id = NULL WHERE head_id IS NOT NULL")
        cur.execute("UPDATE jurisdiction_node SET parent_id = NULL WHERE parent_id IS NOT NULL")
        for table in _TABLES:
            cur.execute(f'DELETE FROM "{table}"')
            counts[table] = cur.rowcount
            out(f"  {table}: {cur.rowcount:,} rows deleted")
    audit_record(actor=None, verb="demo.reset", target_type="jurisdiction.node", target_repr="demo reset",
                 extra={"deleted": counts})
    return counts
