"""Reuse the catalogue tests' network and the workflow tests' cast."""

from tests.referrals.conftest import cast  # noqa: F401
from tests.trials.conftest import english, network  # noqa: F401
