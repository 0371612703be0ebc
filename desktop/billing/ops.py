"""Superbill ops (one ``core.services`` call each) for the database worker and the job pool.

Contract: the functions only build ops; nothing runs until ``run()``. Preview, export and print
are ``CommandOp``s (they write audit rows and may draw prepaid packages down, so their
``Changes`` reach ``changes_applied``); so is the account (an audited view that may draw a
package down); the exports list is a ``QueryOp``. Page images are not
an op: ``desktop.billing.pdfpages`` renders them with QtPdf on the GUI thread.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from desktop.worker import CommandOp, QueryOp


def preview(parent: QObject, request: Any) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import superbill

        return superbill.preview_superbill(chart, request)

    return CommandOp(parent, run)


def export(parent: QObject, request: Any, out: Path, override_reason: str | None) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import superbill

        return superbill.export_superbill(chart, request, out, override_reason=override_reason)

    return CommandOp(parent, run)


def print_pdf(parent: QObject, request: Any, override_reason: str | None) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import superbill

        return superbill.print_superbill(chart, request, override_reason=override_reason)

    return CommandOp(parent, run)


def exports(parent: QObject, patient_id: uuid.UUID | None) -> QueryOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import superbill

        return superbill.list_exports(chart, patient_id)

    return QueryOp(parent, run)


def account(parent: QObject, patient_id: uuid.UUID) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import billing

        return billing.account(chart, patient_id)

    return CommandOp(parent, run)
