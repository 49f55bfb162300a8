#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database, then re-verify it.
#
#   DATABASE_URL=postgres://user@host:5432/legalcases_restored MEDIA_ROOT=/srv/legalcases/media \
#   scripts/restore.sh /srv/backups/legalcases-20261130T020000Z
#
# Create the target database first (UTF-8, see docs/deploy.md). The files are extracted into
# MEDIA_ROOT (with EVIDENCE_STORAGE=s3 they stay in the bucket). Then `manage.py verify_integrity`
# re-hashes every evidence file and verifies every custody chain, and the row counts must be at least
# the backup's: the script fails if anything differs. Run it with the same FIELD_ENCRYPTION_KEYS,
# SECRET_KEY and settings as the application.
set -euo pipefail

backup="${1:?Usage: scripts/restore.sh BACKUP_DIRECTORY}"
: "${DATABASE_URL:?Set DATABASE_URL (the empty target database)}"
storage="${EVIDENCE_STORAGE:-local}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"

(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

tables="$(psql --no-psqlrc --tuples-only --no-align "$DATABASE_URL" \
    --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
    echo "restore.sh: the target database is not empty ($tables tables): restore into a new database" >&2
    exit 1
fi

pg_restore --exit-on-error --no-owner --no-privileges --single-transaction --dbname="$DATABASE_URL" "$backup/db.dump"

if [ "$storage" = "local" ]; then
    : "${MEDIA_ROOT:?Set MEDIA_ROOT (where the files go)}"
    mkdir -p "$MEDIA_ROOT"
    tar --extract --gzip --file="$backup/media.tar.gz" --directory="$MEDIA_ROOT" --no-same-owner
fi

summary="$(cd "$here" && "$python" manage.py verify_integrity)"
echo "$summary"
"$python" - "$backup/counts.json" "$summary" <<'PY'
import json
import sys

expected = json.load(open(sys.argv[1]))
actual = json.loads(sys.argv[2])
wrong = {key: (value, actual.get(key)) for key, value in expected.items() if actual.get(key, -1) < value}
if wrong:
    sys.exit(f"restore.sh: fewer rows than the backup counted (backup, restored): {wrong}")
print("restore.sh: restored and verified")
PY
