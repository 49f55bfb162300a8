from django.db import migrations, models

# ruff: noqa: S608 (constant SQL built from constants; no input reaches it)
# The breakdown by campaign category and infringement type as a per-day rollup (reports/rollups.py,
# AssessmentValueDay), kept exact like the items' (0001) and the requests' (0002): statement-level triggers with
# transition tables on cases_assessment append to reports_rollupdirtyday the local (Beijing, settings.TIME_ZONE)
# days of every inserted or deleted item assessment and of every updated one whose item, time, category or types
# changed — and every later day on which the same items have another assessment, since a row's "previous assessment
# day" depends on the item's earlier assessments. Campaign assessments (no item) mark nothing. The new table starts empty,
# so the rollups' state is cleared: every figure is read live until the next refresh rebuilds all the rollups.
TZ = "Asia/Shanghai"
RELEVANT = "content_item_id, created_at, category, infringement_types"
OLD_COLUMNS = ", ".join("o." + column for column in RELEVANT.split(", "))
NEW_COLUMNS = ", ".join("n." + column for column in RELEVANT.split(", "))
# (item, time) pairs of the changed rows. A rollup row of day D depends only on the item's assessments up to D, so
# the days marked are the changed rows' own and those of the same items' later assessments (usually none).
DAYS = """
    SELECT DISTINCT (t.created_at AT TIME ZONE '{tz}')::date FROM (
        SELECT r.created_at FROM ({rows}) r
        UNION ALL
        SELECT a.created_at FROM ({rows}) r
          JOIN cases_assessment a ON a.content_item_id = r.content_item_id AND a.created_at > r.created_at
    ) t WHERE t.created_at IS NOT NULL"""
CHANGED = f"""
        SELECT x.content_item_id, x.created_at
          FROM old_rows o JOIN new_rows n ON n.id = o.id
          CROSS JOIN LATERAL (VALUES (o.content_item_id, o.created_at), (n.content_item_id, n.created_at))
                AS x(content_item_id, created_at)
         WHERE ({OLD_COLUMNS}) IS DISTINCT FROM ({NEW_COLUMNS}) AND x.content_item_id IS NOT NULL"""
INSERTED = "SELECT content_item_id, created_at FROM new_rows WHERE content_item_id IS NOT NULL"
DELETED = "SELECT content_item_id, created_at FROM old_rows WHERE content_item_id IS NOT NULL"
FORWARD = f"""
CREATE FUNCTION reports_assessment_dirty_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_rollupdirtyday (day) {DAYS.format(rows=INSERTED, tz=TZ)};
    RETURN NULL;
END $$;
CREATE FUNCTION reports_assessment_dirty_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_rollupdirtyday (day) {DAYS.format(rows=DELETED, tz=TZ)};
    RETURN NULL;
END $$;
CREATE FUNCTION reports_assessment_dirty_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_rollupdirtyday (day) {DAYS.format(rows=CHANGED, tz=TZ)};
    RETURN NULL;
END $$;
CREATE TRIGGER reports_assessment_dirty_insert AFTER INSERT ON cases_assessment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_assessment_dirty_on_insert();
CREATE TRIGGER reports_assessment_dirty_delete AFTER DELETE ON cases_assessment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_assessment_dirty_on_delete();
CREATE TRIGGER reports_assessment_dirty_update AFTER UPDATE ON cases_assessment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports_assessment_dirty_on_update();
DELETE FROM reports_rollupstate;
"""
BACKWARD = """
DROP TRIGGER IF EXISTS reports_assessment_dirty_insert ON cases_assessment;
DROP TRIGGER IF EXISTS reports_assessment_dirty_delete ON cases_assessment;
DROP TRIGGER IF EXISTS reports_assessment_dirty_update ON cases_assessment;
DROP FUNCTION IF EXISTS reports_assessment_dirty_on_insert();
DROP FUNCTION IF EXISTS reports_assessment_dirty_on_delete();
DROP FUNCTION IF EXISTS reports_assessment_dirty_on_update();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_dash_request_rollups"),
        ("cases", "0015_api_iso_datetime"),
    ]

    operations = [
        migrations.CreateModel(
            name="AssessmentValueDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("dim", models.CharField(max_length=8)),
                ("value", models.CharField(max_length=24)),
                ("prev_day", models.DateField(null=True)),
                ("items", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["day"], include=("prev_day", "dim", "value", "items"), name="reports_assessvalday_idx"
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
