"""Stub: filled in by the extension point of personal data."""
