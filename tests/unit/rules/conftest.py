"""Fixtures for the rules tests (plain domain objects; see rules_fixtures.py)."""

from __future__ import annotations

import pytest
from rules_fixtures import Chart


@pytest.fixture
def chart() -> Chart:
    return Chart()
