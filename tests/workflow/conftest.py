"""Workflow tests share the referral tests' small network (``cast``)."""

from tests.referrals.conftest import Cast, cast  # noqa: F401 (the fixture)
