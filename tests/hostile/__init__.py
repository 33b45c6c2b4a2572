"""Hostile and odd files (issue 18): a generated corpus and what the user gets from each."""
