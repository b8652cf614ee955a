"""The synthetic FHIR cohort for NCT03951597 (see tools/generate_cohort.py). Standard library only."""
