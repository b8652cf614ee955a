"""Evaluators, one per kind of criterion; importing this package registers them all."""

from eligibility.criteria import clinical, drugs, histology, history, labs, serology, vitals  # noqa: F401
from eligibility.criteria.base import REGISTRY, Ctx, Outcome

__all__ = ["REGISTRY", "Ctx", "Outcome"]
