"""Billing in the desktop: the superbill dialog (preview, Save, Print, override) and the list
of superbill exports from the audit log.

Contract: standalone widgets that talk to the chart only through ``desktop.billing.ops`` (ops
on the app's one ``DatabaseWorker``); the host window creates them with ids, e.g.
``SuperbillDialog.for_visit(patient_id, visit_id, parent=window).open()`` or
``SuperbillDialog.for_patient(patient_id, parent=window)``, and may connect ``exported``; or
it adds the ready-made actions (``visit_superbill_action``, ``patient_superbill_action``).
"""

from desktop.billing.actions import patient_superbill_action, visit_superbill_action
from desktop.billing.dialog import SuperbillDialog
from desktop.billing.exports import SuperbillExportsWidget

__all__ = [
    "SuperbillDialog",
    "SuperbillExportsWidget",
    "patient_superbill_action",
    "visit_superbill_action",
]
