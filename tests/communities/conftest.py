"""Reuse the catalogue tests' network and helpers."""

from tests.trials.conftest import count_queries, english, network  # noqa: F401
