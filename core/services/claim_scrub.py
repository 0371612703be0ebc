"""The claim scrub lives in ``core.rules.scrub`` (pure rules); this module re-exports it for
the services and the desktop that import it from here."""

from core.rules.scrub import (
    CLAIM_ROUTE,
    REASON_MAX,
    SCRUB_CATALOG,
    ClaimRouteRequired,
    LeftOff,
    NothingToBill,
    ScrubBlocked,
    ScrubFacts,
    clean_override_reason,
    scrub,
    scrub_finding,
)

__all__ = [
    "CLAIM_ROUTE",
    "REASON_MAX",
    "SCRUB_CATALOG",
    "ClaimRouteRequired",
    "LeftOff",
    "NothingToBill",
    "ScrubBlocked",
    "ScrubFacts",
    "clean_override_reason",
    "scrub",
    "scrub_finding",
]
