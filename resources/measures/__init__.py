"""Outcome-measure definitions (item counts, ranges, scoring method, missing-item rule,
interpretation bands, MCID/MDC with population and source, licensing of the item text).

Read only through ``core.rules.measures.definitions``. Numbers only: no questionnaire wording.
"""
