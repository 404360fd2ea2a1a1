"""Build and release aggregate reports; the only code that writes the register (P6, P14).

``report_release`` is the one way to produce a downloadable file: it builds the table,
suppresses, adds noise when asked, renders, runs the PII guard on the rendered bytes,
then writes the register entry and archives the files in one transaction. Downloads are
served from register entries only (views.disclosure_file_view).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum

from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent

from .checks import min_cell
from .guard import check_csv, check_svg
from .models import Disclosure, DisclosureFile, Recipient, recipient_key
from .noise import laplace_counts
from .render import render_csv, render_svg
from .selectors import DP_CAPABLE, ReportKind, member_identities, report_table
from .suppression import CountTable, SuppressedTable, suppress


class ReleaseRefused(Exception):
    """A release is not allowed (budget, mechanism); the message says why."""


@dataclass(frozen=True)
class Built:
    """A table ready to release: the suppressed grid and the epsilon it spent (or None)."""

    released: SuppressedTable
    epsilon: float | None


def disclosure_dir() -> Path:
    """Return ``VAR_DIR/disclosures``, where released files are archived (created)."""
    path = Path(settings.VAR_DIR) / "disclosures"
    path.mkdir(parents=True, exist_ok=True)
    return path


def prior_releases(*, kind: str) -> list[dict[str, int]]:
    """Return the released cells of every earlier non-noisy release of ``kind``."""
    return list(
        Disclosure.objects.filter(report_kind=kind, epsilon__isnull=True).values_list(
            "released_cells", flat=True
        )
    )


def report_build(*, kind: str, start: dt.date, end: dt.date, epsilon: float | None = None) -> Built:
    """Return report ``kind`` for [start, end] as it would be released (clause P14).

    Without ``epsilon``: small-cell and complementary suppression, checked against earlier
    releases of the same report (differencing). With ``epsilon`` (member-count reports
    only): OpenDP discrete Laplace noise first, then suppression of the noisy counts.
    Raises ReleaseRefused when ``epsilon`` is asked for a report that does not support it.
    """
    k = min_cell()
    table = report_table(kind=kind, start=start, end=end, k=k)
    if epsilon is None:
        return Built(suppress(table=table, k=k, prior_releases=prior_releases(kind=kind)), None)
    if ReportKind(kind) not in DP_CAPABLE:
        raise ReleaseRefused(
            f"Differential privacy is offered for member counts only, not for "
            f"\u201c{ReportKind(kind).label}\u201d."
        )
    flat = [row[0] for row in table.values]
    noisy = laplace_counts(values=flat, epsilon=epsilon)
    noisy_table = CountTable(
        title=table.title,
        row_header=table.row_header,
        rows=table.rows,
        columns=table.columns,
        values=[[v] for v in noisy.values],
    )
    return Built(suppress(table=noisy_table, k=k), noisy.epsilon)


def _metadata(*, kind: str, start: dt.date, end: dt.date, k: int, built: Built) -> dict[str, str]:
    eps = built.epsilon
    return {
        "Lead411 aggregate report": ReportKind(kind).label,
        "Period": f"{start.isoformat()} to {end.isoformat()}",
        "Minimum released count": f"k = {k}",
        "Differential privacy": (
            f"epsilon = {eps:g} (discrete Laplace, OpenDP)" if eps is not None else "none"
        ),
        "Suppressed": "cells below k and the cells that would reveal them",
    }


def _budget_check(*, recipient: Recipient | None, epsilon: float) -> None:
    """Raise ReleaseRefused when ``epsilon`` would take ``recipient`` over its budget."""
    budget = recipient.epsilon_budget if recipient else settings.REPORT_EPSILON_BUDGET_PER_RECIPIENT
    spent = (recipient.disclosures.aggregate(s=Sum("epsilon"))["s"] if recipient else 0.0) or 0.0
    if spent + epsilon > budget + 1e-9:
        who = recipient.name if recipient else "A new recipient"
        raise ReleaseRefused(
            f"Refused: {who} has used epsilon {spent:g} of its budget {budget:g}; "
            f"this release would spend {epsilon:g}."
        )


def _newest_release_id(*, kind: str) -> int:
    return Disclosure.objects.filter(report_kind=kind).aggregate(m=Max("id"))["m"] or 0


def report_release(
    *,
    actor: Any,
    recipient_name: str,
    purpose: str,
    kind: str,
    start: dt.date,
    end: dt.date,
    epsilon: float | None = None,
) -> Disclosure:
    """Release report ``kind`` to ``recipient_name``; return the register entry.

    The recipient is the one whose ``recipient_key`` equals the name's (case, spaces and
    punctuation do not make another recipient, nor another budget: issue 17); a new key
    creates a recipient under the name as given.

    The report is built, rendered to CSV and SVG and checked by the PII guard first; then
    one transaction locks the recipient row, checks the epsilon budget
    (``REPORT_EPSILON_BUDGET_PER_RECIPIENT`` for a new recipient) and that no release of
    the same report slipped in meanwhile, writes the entry and archives the files with
    their SHA-256. Raises ReleaseRefused (budget, mechanism) or
    guard.ReleaseBlocked (PII); nothing is written or kept then.
    """
    name = " ".join(recipient_name.split())
    key = recipient_key(name)
    if not key or not purpose.strip():
        raise ReleaseRefused("A release needs a named recipient and a purpose.")
    # Build, render and check outside the transaction: a report over millions of rows
    # must not hold the database's write lock (SQLite) while it runs.
    if epsilon is not None:
        _budget_check(recipient=Recipient.objects.filter(key=key).first(), epsilon=epsilon)
    newest_before = _newest_release_id(kind=kind)
    k = min_cell()
    built = report_build(kind=kind, start=start, end=end, epsilon=epsilon)
    meta = _metadata(kind=kind, start=start, end=end, k=k, built=built)
    subtitle = f"k = {k}" + (f", epsilon = {built.epsilon:g}" if built.epsilon is not None else "")
    files = {
        DisclosureFile.Format.CSV: render_csv(released=built.released, meta=meta),
        DisclosureFile.Format.SVG: render_svg(released=built.released, subtitle=subtitle),
    }
    identities = member_identities()
    check_csv(content=files[DisclosureFile.Format.CSV], k=k, identities=identities)
    check_svg(content=files[DisclosureFile.Format.SVG], identities=identities)
    written: list[Path] = []
    try:
        with transaction.atomic():
            recipient, _ = Recipient.objects.select_for_update().get_or_create(
                key=key,
                defaults={
                    "name": name,
                    "epsilon_budget": settings.REPORT_EPSILON_BUDGET_PER_RECIPIENT,
                    "created_at": clock.now(),
                },
            )
            if epsilon is not None:
                _budget_check(recipient=recipient, epsilon=epsilon)
            if _newest_release_id(kind=kind) != newest_before:
                # The differencing check compared with the releases known at build time.
                raise ReleaseRefused(
                    "Another release of this report was made meanwhile; build it again."
                )
            disclosure = Disclosure.objects.create(
                recipient=recipient,
                purpose=purpose.strip(),
                released_at=clock.now(),
                released_by=actor,
                released_by_label=getattr(actor, "email", ""),
                report_kind=kind,
                period_start=start,
                period_end=end,
                definition={
                    "kind": kind,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "title": built.released.table.title,
                    "rows": built.released.table.rows,
                    "columns": built.released.table.columns,
                },
                min_cell=k,
                epsilon=built.epsilon,
                released_cells=built.released.released(),
            )
            for fmt, content in files.items():
                digest = hashlib.sha256(content).hexdigest()
                file_name = f"disclosure-{disclosure.pk:06d}-{kind}.{fmt}"
                path = disclosure_dir() / file_name
                path.write_bytes(content)
                written.append(path)
                DisclosureFile.objects.create(
                    disclosure=disclosure,
                    file_format=fmt,
                    name=file_name,
                    sha256=digest,
                    size_bytes=len(content),
                )
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, obj=disclosure, verb="release report"
            )
    except BaseException:
        for path in written:  # a rolled-back release leaves no file behind
            path.unlink(missing_ok=True)
        raise
    return disclosure


def disclosure_file_read(*, file: DisclosureFile) -> bytes:
    """Return the archived bytes of ``file`` after checking them against the register.

    Raises ValueError when the archive was altered (SHA-256 differs) or is missing.
    """
    path = disclosure_dir() / file.name
    if not path.is_file():
        raise ValueError(f"The archived file {file.name} is missing.")
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != file.sha256:
        raise ValueError(f"The archived file {file.name} does not match its register hash.")
    return content
