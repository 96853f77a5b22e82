"""Reuse the catalogue tests' network and helpers."""

from tests.trials.conftest import english, network  # noqa: F401
