"""Layoff day: many departures from one CSV, one batch."""
