"""The memo in ``effective_payer_rules`` never returns another profile's rules: every field the
rules come from is varied, one at a time and on the same (mutable) profile object."""

from __future__ import annotations

import dataclasses

from core.domain.enums import UnitMethod
from core.domain.practice import PayerProfile
from core.rules.context import _effective, effective_payer_rules
from core.rules.packs import default_packs


def test_each_field_of_the_profile_reaches_the_rules() -> None:
    packs = default_packs()
    profile = PayerProfile("Medicare Part B", "medicare", UnitMethod.CMS_TOTAL_TIME,
                           requires_discipline_modifier=True, uses_kx_threshold=True,
                           progress_report_every_visits=10)
    changes = [("name", "Medicare (Noridian)"), ("key", "commercial"),
               ("unit_method", UnitMethod.PER_CODE), ("requires_discipline_modifier", False),
               ("uses_kx_threshold", False), ("progress_report_every_visits", None)]
    seen = [effective_payer_rules(packs, profile)]
    assert seen[0] == _effective(packs, profile)
    for name, value in changes:
        setattr(profile, name, value)  # the same object, edited in the payer dialog
        rules = effective_payer_rules(packs, profile)
        assert rules == _effective(packs, profile), name
        assert rules != seen[-1], name
        seen.append(rules)
    again = dataclasses.replace(profile)  # an equal profile: the memo's answer is the same
    assert effective_payer_rules(packs, again) is seen[-1]
