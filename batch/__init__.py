"""Batch pre-screening: many patients, a bounded worker pool, resume, summaries, Bulk Data."""
