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
CREATE FUNCTION lc_iso_datetime(ts timestamptz, zone text, fixed_since timestamptz, fixed_offset text)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN ts IS NULL THEN NULL
        -- The zone's offset has not changed since fixed_since (for Asia/Shanghai: September 1991):
        -- one to_char, and ".000000" dropped as Python's isoformat() drops it.
        WHEN ts >= fixed_since THEN
            replace(to_char(ts AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || fixed_offset
        ELSE
            to_char(ts AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN extract(microseconds FROM ts)::bigint % 1000000 <> 0
                    THEN to_char(ts AT TIME ZONE zone, '.US') ELSE '' END
            || CASE WHEN (ts AT TIME ZONE zone) = (ts AT TIME ZONE 'UTC') THEN 'Z'
                    WHEN (ts AT TIME ZONE zone) > (ts AT TIME ZONE 'UTC')
                    THEN '+' || to_char((ts AT TIME ZONE zone) - (ts AT TIME ZONE 'UTC'), 'HH24:MI')
                    ELSE '-' || to_char((ts AT TIME ZONE 'UTC') - (ts AT TIME ZONE zone), 'HH24:MI') END
            || CASE WHEN extract(second FROM (ts AT TIME ZONE zone) - (ts AT TIME ZONE 'UTC')) <> 0
                    THEN ':' || lpad(abs(extract(second FROM (ts AT TIME ZONE zone) - (ts AT TIME ZONE 'UTC')))::int::text, 2, '0')
                    ELSE '' END
    END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_police_reports")]

    operations = [
        migrations.RunSQL(
            FUNCTION_SQL, "DROP FUNCTION IF EXISTS lc_iso_datetime(timestamptz, text, timestamptz, text);"
        ),
    ]
