"""Ingest: which feeds are due, polling them, parsing feeds, fetching pages safely."""
