"""Structured trial eligibility: criteria, patient summaries, their evaluation and vocabulary."""
