"""Practice and money in the desktop: the practice profile and fee schedule
(``PracticeDialog``), taking a payment, giving a refund, selling a prepaid package
(``desktop.money.dialogs``). Every write is one ``core.services`` call on the database worker
(``desktop.money.ops``); the patient's ledger is ``desktop.billing.account.BillingTab``."""
