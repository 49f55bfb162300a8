#!/usr/bin/env bash
# Back up LegalCases: the database (pg_dump custom format) and the uploaded files (MEDIA_ROOT).
#
#   DATABASE_URL=postgres://user@host:5432/legalcases MEDIA_ROOT=/srv/legalcases/media \
#   BACKUP_DIR=/srv/backups scripts/backup.sh
#
# Writes BACKUP_DIR/legalcases-<UTC time>/ with db.dump, media.tar.gz (skipped with
# EVIDENCE_STORAGE=s3: the bucket is versioned and object-locked, see docs/deploy.md), counts.json
# and SHA256SUMS, then prints the directory. Keep FIELD_ENCRYPTION_KEYS and SECRET_KEY with the
# backups (apart from them): without the keys the owners' contact data cannot be read.
# Restore with scripts/restore.sh. Needs pg_dump of the server's major version or newer.
set -euo pipefail
umask 077  # backups hold personal data

: "${DATABASE_URL:?Set DATABASE_URL (postgres://user@host:port/database)}"
: "${BACKUP_DIR:?Set BACKUP_DIR (where backups are written)}"
storage="${EVIDENCE_STORAGE:-local}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/legalcases-$stamp"
work="$target.partial"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT  # a failed backup leaves nothing that looks complete

# Row counts taken just before the dump: these tables only grow (append-only, soft deletes), so a
# restore must hold at least as many rows (restore.sh checks).
psql --no-psqlrc --quiet --tuples-only --no-align "$DATABASE_URL" --command="
  SELECT json_build_object(
    'evidence', (SELECT count(*) FROM cases_evidence),
    'custody_events', (SELECT count(*) FROM cases_custodyevent),
    'audit_events', (SELECT count(*) FROM cases_auditevent))" >"$work/counts.json"

# One consistent snapshot of the whole database (pg_dump runs in a single repeatable-read transaction).
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$work/db.dump" "$DATABASE_URL"

if [ "$storage" = "local" ]; then
    : "${MEDIA_ROOT:?Set MEDIA_ROOT (the uploaded files)}"
    # Files are never changed once written (new versions get new names), so a tar taken after the
    # dump holds every file the dump references; extra files are harmless orphans.
    tar --create --gzip --file="$work/media.tar.gz" --directory="$MEDIA_ROOT" .
fi

(cd "$work" && sha256sum -- * >SHA256SUMS)
mv "$work" "$target"
trap - EXIT
echo "$target"
