"""Versioned billing data packs (codes, NCCI pairs, KX thresholds, payer profiles).

Read only through ``core.rules.packs``. Each JSON file carries version, effective_date, source.
"""
