"""Which domain id a domain-aware detector reads (topic, platform or platform group) and how many there are.

A shared helper, not a detector: it serves EANN (Wang et al., 2018), MDFEND (Nan et al., 2021) and M3FEND
(Zhu et al., 2022). It holds no deviation from those papers; mapping their single domain label onto
FineFake's domain kinds is each detector's documented deviation, listed in its own module docstring.

The multi-domain detectors (EANN's events, MDFEND's and M3FEND's domain gates) are written for one domain
label per item. FineFake gives three kinds through the ``domain`` input; the detector's ``domain`` keyword
picks one. Kept free of torch so that constructors and tests can check a kind without importing it.
"""

from __future__ import annotations

from typing import Any

#: Domain kind -> the Batch array holding its ids, and the key of its size in ``info["domains"]``.
DOMAIN_KINDS: dict[str, tuple[str, str]] = {
    "topic": ("domain_topic", "topic"),
    "platform": ("domain_platform", "platform"),
    "platform_group": ("domain_group", "platform_group"),
}


def check_domain_kind(kind: str) -> str:
    """``kind`` itself, or a ValueError naming the kinds there are."""
    if kind not in DOMAIN_KINDS:
        raise ValueError(f"domain must be one of {sorted(DOMAIN_KINDS)}, got {kind!r}")
    return kind


def domain_array(kind: str) -> str:
    """The Batch array holding the ids of domain ``kind``."""
    return DOMAIN_KINDS[check_domain_kind(kind)][0]


def domain_count(info: dict[str, Any], kind: str) -> int:
    """How many ids domain ``kind`` has in this setting (``info["domains"]``, filled by the harness)."""
    key = DOMAIN_KINDS[check_domain_kind(kind)][1]
    sizes = info.get("domains") or {}
    if key not in sizes:
        raise ValueError(f"the Batch info gives no size for domain {key!r} (info['domains'] = {sizes})")
    return int(sizes[key])
