"""Offboarding cases: one per departure, from the form to closure."""
