"""The chaos run uses the integration tests' dev server fixture."""

from tests.integration.conftest import dev_env  # noqa: F401
