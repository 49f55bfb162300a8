import django.db.models.deletion
from django.db import migrations, models

# ruff: noqa: S608 (constant SQL built from constants; no input reaches it)
# The top lists' per-month rollup of the accounts (sums of reports_infringingaccountday, refreshed with it) and
# the assistance requests' per-day rollup (reports/rollups.py), kept exact like the items' (0001): statement-level
# triggers with transition tables append to reports_rollupdirtyday the local (Beijing, settings.TIME_ZONE) day of
# submission, before and after, of every inserted or deleted request and of every updated request whose submission
# time, status, eligibility, evidence flag or help types changed. The new table starts empty, so the rollups'
# state is cleared: every figure is read live until the next refresh rebuilds all the rollups.
TZ = "Asia/Shanghai"
RELEVANT = "submitted_at, status, eligibility, has_evidence, help_types"
OLD_COLUMNS = ", ".join("o." + column for column in RELEVANT.split(", "))
NEW_COLUMNS = ", ".join("n." + column for column in RELEVANT.split(", "))
DAYS = "SELECT DISTINCT (submitted_at AT TIME ZONE '{tz}')::date FROM {rows} WHERE submitted_at IS NOT NULL"
UPDATE_DAYS = f"""
    SELECT DISTINCT d FROM old_rows o JOIN new_rows n ON n.id = o.id
     CROSS JOIN LATERAL (VALUES ((o.submitted_at AT TIME ZONE '{TZ}')::date),
                                ((n.submitted_at AT TIME ZONE '{TZ}')::date)) v(d)
     WHERE ({OLD_COLUMNS}) IS DISTINCT FROM ({NEW_COLUMNS}) AND d IS NOT NULL"""
FORWARD = f"""
CREATE FUNCTION reports_request_dirty_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_rollupdirtyday (day) {DAYS.format(rows="new_rows", tz=TZ)};
    RETURN NULL;
END $$;
CREATE FUNCTION reports_request_dirty_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_rollupdirtyday (day) {DAYS.format(rows="old_rows", tz=TZ)};
    RETURN NULL;
END $$;
CREATE FUNCTION reports_request_dirty_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_rollupdirtyday (day) {UPDATE_DAYS};
    RETURN NULL;
END $$;
CREATE TRIGGER reports_request_dirty_insert AFTER INSERT ON cases_assistancerequest
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_request_dirty_on_insert();
CREATE TRIGGER reports_request_dirty_delete AFTER DELETE ON cases_assistancerequest
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_request_dirty_on_delete();
CREATE TRIGGER reports_request_dirty_update AFTER UPDATE ON cases_assistancerequest
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_request_dirty_on_update();
DELETE FROM reports_rollupstate;
"""
BACKWARD = """
DROP TRIGGER IF EXISTS reports_request_dirty_insert ON cases_assistancerequest;
DROP TRIGGER IF EXISTS reports_request_dirty_delete ON cases_assistancerequest;
DROP TRIGGER IF EXISTS reports_request_dirty_update ON cases_assistancerequest;
DROP FUNCTION IF EXISTS reports_request_dirty_on_insert();
DROP FUNCTION IF EXISTS reports_request_dirty_on_delete();
DROP FUNCTION IF EXISTS reports_request_dirty_on_update();
"""


def counter() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_pdash_rollups"),
        ("cases", "0012_owner2_links"),
    ]

    operations = [
        migrations.CreateModel(
            name="InfringingAccountMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField()),
                ("infringing", counter()),
                (
                    "account",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="cases.monitoredaccount",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("month", "account"), include=("infringing",), name="reports_infacctmonth_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RequestSubmittedDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True)),
                ("requests", counter()),
                ("with_evidence", counter()),
                ("suable", counter()),
                ("help_evidence_guidance", counter()),
                ("help_lawyer_letter", counter()),
                ("help_litigation_support", counter()),
                ("status_letter_or_suit", counter()),
                ("status_closed", counter()),
            ],
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
