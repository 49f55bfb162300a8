"""Evidence integrity: ``evidence_verify_all`` over 1 GB × scale of files vs ``sha256sum`` of the same files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.conf import settings

from bench.common import Figure, log, scaled, timed
from bench.data import DataSet

TOTAL_BYTES = 1024**3
FILE_BYTES = 16 * 1024**2
TARGET = 0.80


def _files(total: int) -> list[tuple[str, Path]]:
    folder = Path(settings.MEDIA_ROOT) / "bench-evidence"
    folder.mkdir(parents=True, exist_ok=True)
    size = min(FILE_BYTES, total)
    files = []
    block = os.urandom(1024**2)
    for i in range(max(1, total // size)):
        path = folder / f"file-{i:04d}.bin"
        with path.open("wb") as handle:
            for j in range(size // len(block)):
                # Distinct content per file: a counter changes each block.
                handle.write(block[:-16] + f"{i:08d}{j:08d}".encode())
            handle.write(os.urandom(size % len(block)))
        files.append((f"bench-evidence/{path.name}", path))
    return files


def run(data: DataSet) -> list[Figure]:
    import hashlib

    from cases.audit import audit_context
    from cases.models import Evidence
    from cases.services.evidence import evidence_verify_all

    total = scaled(TOTAL_BYTES, 8 * 1024**2)
    files = _files(total)
    size = sum(path.stat().st_size for _name, path in files)
    log(f"integrity: {len(files)} files, {size / 1024**2:.0f} MB")
    rows = []
    for i, (name, path) in enumerate(files):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rows.append(Evidence(title=f"证据 {i + 1}", file=name, sha256=digest, size=path.stat().st_size,
                             mime_type="application/octet-stream", capture_method="screenshot"))  # fmt: skip
    with audit_context():
        Evidence.objects.bulk_create(rows)
    command = ["sha256sum", *(str(path) for _name, path in files)]
    sums = [timed(lambda: subprocess.run(command, check=True, capture_output=True))[0] for _ in range(2)]  # noqa: S603
    with audit_context():
        app_seconds, report = timed(evidence_verify_all)
    sums.append(timed(lambda: subprocess.run(command, check=True, capture_output=True))[0])  # noqa: S603
    if report.ok != len(files):
        raise RuntimeError(f"integrity check found failures: {report.failures[:3]}")
    limit = min(sums)
    app_rate, limit_rate = size / app_seconds / 1024**2, size / limit / 1024**2
    ratio = app_rate / limit_rate
    return [
        Figure("integrity", "evidence re-hash (MB/s)", app_rate, "MB/s", limit_rate, "sha256sum, same files",
               ratio, f"≥ {TARGET:.0%}", ratio >= TARGET,
               {"files": len(files), "bytes": size, "seconds": app_seconds, "sha256sum_seconds": sums}),
    ]  # fmt: skip
