"""Document fixtures: the workflow cast and API clients."""

from tests.api.conftest import api_as  # noqa: F401 (the fixture)
from tests.referrals.conftest import cast  # noqa: F401 (the fixture)
