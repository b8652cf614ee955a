"""What the web pages read from a bot message's custom payload, beside the question.

`left`: how many questions remain (the portal's "about N questions left"). `report`: the
whole report (contract.md), for a clinician's criteria panel only: a patient's payload never
holds record values, codes or reasons (the portal shows plain words of its own).
"""

from __future__ import annotations

from typing import Any

from actions.screening import Screening
from eligibility import Report


def page_payload(screening: Screening, report: Report, plan: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if plan is not None:
        out["left"] = len(plan)
    if screening.audience == "clinician":
        out["report"] = report.to_dict()
    return out
