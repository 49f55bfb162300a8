"""lc_iso_datetime(): the ISO 8601 text DRF's DateTimeField writes, computed in SQL.

The content-item list API builds each row's JSON in PostgreSQL (cases/api/json_rows.py): parsing
four timestamps per row in Python and formatting them again was a fifth of a list request's CPU.
The text equals ``cases.api.serializers._iso``: local time in ``zone``, microseconds only when
there are any, the UTC offset as ``+HH:MM`` (``:SS`` when it has seconds, as for local mean time
before 1901) and ``Z`` for a zero offset. Since the zone's last change of offset (``fixed_since``,
found by cases/api/json_rows.py) the offset is the constant ``fixed_offset``: the general formula
cost three times as much. tests/api/test_json_rows.py compares the two.
"""

from django.db import migrations

FUNCTION_SQL = r"""
-- Any moment in any zone. Not inlined (STRICT plpgsql): the planner would otherwise expand its
-- body once per timestamp of every list row, and planning the list query took longer than running it.
CREATE FUNCTION lc_iso_datetime_general(ts timestamptz, zone text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    local_time timestamp := ts AT TIME ZONE zone;
    offset_ interval := (ts AT TIME ZONE zone) - (ts AT TIME ZONE 'UTC');
BEGIN
    RETURN to_char(local_time, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN extract(microseconds FROM ts)::bigint % 1000000 <> 0
                THEN to_char(local_time, '.US') ELSE '' END
        || CASE WHEN offset_ = interval '0' THEN 'Z'
                WHEN offset_ > interval '0' THEN '+' || to_char(offset_, 'HH24:MI')
                ELSE '-' || to_char(-offset_, 'HH24:MI') END
        || CASE WHEN extract(second FROM offset_) <> 0
                THEN ':' || lpad(abs(extract(second FROM offset_))::int::text, 2, '0') ELSE '' END;
END
$$;

-- Inlined into the list query: one to_char for a moment after the zone's last change of offset
-- (for Asia/Shanghai: September 1991), ".000000" dropped as Python's isoformat() drops it.
CREATE FUNCTION lc_iso_datetime(ts timestamptz, zone text, fixed_since timestamptz, fixed_offset text)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN ts IS NULL THEN NULL
        WHEN ts >= fixed_since THEN
            replace(to_char(ts AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || fixed_offset
        ELSE lc_iso_datetime_general(ts, zone)
    END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_audit_chain_retention")]

    operations = [
        migrations.RunSQL(
            FUNCTION_SQL,
            "DROP FUNCTION IF EXISTS lc_iso_datetime(timestamptz, text, timestamptz, text);\n"
            "DROP FUNCTION IF EXISTS lc_iso_datetime_general(timestamptz, text);",
        ),
    ]
