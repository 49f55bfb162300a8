"""Attach the audit trail and the append-only rules to the tables (see cases/audit.py)."""

from django.db import migrations

from cases.audit import DROP_FUNCTIONS_SQL, FUNCTIONS_SQL, append_only_sql, track_sql, untrack_sql

# Every table whose writes are audited, with the columns whose values are masked in the diff.
TRACKED = [
    ("accounts_user", "accounts.user", ("password",)),
    ("accounts_user_groups", "accounts.user_groups", ()),
    ("accounts_user_user_permissions", "accounts.user_user_permissions", ()),
    ("cases_platform", "cases.platform", ()),
    ("cases_agency", "cases.agency", ()),
    ("cases_monitoredaccount", "cases.monitoredaccount", ()),
    ("cases_campaign", "cases.campaign", ()),
    ("cases_campaign_accounts", "cases.campaign_accounts", ()),
    ("cases_campaign_agencies", "cases.campaign_agencies", ()),
    ("cases_contentitem", "cases.contentitem", ()),
    ("cases_assessment", "cases.assessment", ()),
    ("cases_evidence", "cases.evidence", ()),
    ("cases_evidence_content_items", "cases.evidence_content_items", ()),
    ("cases_evidence_assistance_requests", "cases.evidence_assistance_requests", ()),
    ("cases_evidence_lawsuits", "cases.evidence_lawsuits", ()),
    ("cases_platformcomplaint", "cases.platformcomplaint", ()),
    ("cases_platformcomplaint_content_items", "cases.platformcomplaint_content_items", ()),
    ("cases_rebuttal", "cases.rebuttal", ()),
    ("cases_rebuttal_content_items", "cases.rebuttal_content_items", ()),
    ("cases_lawyerletter", "cases.lawyerletter", ()),
    ("cases_lawyerletter_content_items", "cases.lawyerletter_content_items", ()),
    ("cases_identitydisclosure", "cases.identitydisclosure", ("disclosed_name", "disclosed_contact", "disclosed_address")),
    ("cases_lawsuit", "cases.lawsuit", ()),
    ("cases_lawsuit_content_items", "cases.lawsuit_content_items", ()),
    ("cases_lawsuitparty", "cases.lawsuitparty", ()),
    ("cases_lawsuitclaim", "cases.lawsuitclaim", ()),
    ("cases_proceeding", "cases.proceeding", ()),
    ("cases_hearing", "cases.hearing", ()),
    ("cases_deadline", "cases.deadline", ()),
    (
        "cases_assistancerequest",
        "cases.assistancerequest",
        # Contact data, and free text or links an owner wrote, never enter the audit trail.
        (
            "owner_name", "owner_phone", "owner_email", "phone_digest", "token_digest",
            "description", "city", "vin_last6", "content_links",
        ),
    ),
    ("cases_assistancerequest_content_items", "cases.assistancerequest_content_items", ()),
    ("cases_consentrecord", "cases.consentrecord", ()),
]

# Append-only tables: the audit trail itself and the evidence chain of custody.
APPEND_ONLY = ["cases_auditevent", "cases_custodyevent"]

# A suit past preparation must have a defendant. Checked at commit (deferred), so a
# lawsuit and its parties can be written in any order inside one transaction.
DEFENDANT_SQL = r"""
CREATE OR REPLACE FUNCTION legalcases_lawsuit_needs_defendant() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    suit bigint;
    suit_stage text;
BEGIN
    IF TG_TABLE_NAME = 'cases_lawsuit' THEN
        suit := NEW.id;
    ELSE
        suit := OLD.lawsuit_id;
    END IF;
    SELECT stage INTO suit_stage FROM cases_lawsuit WHERE id = suit;
    IF suit_stage IS NOT NULL AND suit_stage <> 'preparing' AND NOT EXISTS (
        SELECT 1 FROM cases_lawsuitparty WHERE lawsuit_id = suit AND role = 'defendant'
    ) THEN
        RAISE EXCEPTION 'lawsuit % is past preparation but has no defendant', suit
            USING ERRCODE = 'check_violation', CONSTRAINT = 'cases_lawsuit_has_defendant';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER cases_lawsuit_has_defendant
    AFTER INSERT OR UPDATE OF stage ON cases_lawsuit
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION legalcases_lawsuit_needs_defendant();
CREATE CONSTRAINT TRIGGER cases_lawsuitparty_keeps_defendant
    AFTER DELETE OR UPDATE OF role, lawsuit_id ON cases_lawsuitparty
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION legalcases_lawsuit_needs_defendant();
"""

DROP_DEFENDANT_SQL = """
DROP TRIGGER IF EXISTS cases_lawsuit_has_defendant ON cases_lawsuit;
DROP TRIGGER IF EXISTS cases_lawsuitparty_keeps_defendant ON cases_lawsuitparty;
DROP FUNCTION IF EXISTS legalcases_lawsuit_needs_defendant();
"""

# Users are never hard-deleted: every audit row must keep naming a real person.
NO_USER_DELETE_SQL = """
CREATE TRIGGER accounts_user_no_delete BEFORE DELETE ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION legalcases_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS_SQL, DROP_FUNCTIONS_SQL),
        migrations.RunSQL(
            "\n".join(track_sql(table, label, masked) for table, label, masked in TRACKED),
            "\n".join(untrack_sql(table) for table, _label, _masked in TRACKED),
        ),
        migrations.RunSQL(
            "\n".join(append_only_sql(table) for table in APPEND_ONLY),
            "\n".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in APPEND_ONLY),
        ),
        migrations.RunSQL(DEFENDANT_SQL, DROP_DEFENDANT_SQL),
        migrations.RunSQL(NO_USER_DELETE_SQL, "DROP TRIGGER IF EXISTS accounts_user_no_delete ON accounts_user;"),
    ]
