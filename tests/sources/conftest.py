"""The sources are tested against the Kubernetes emulator of tests/sim."""

from tests.sim.conftest import cluster, kubeconfig  # noqa: F401 - fixtures used by these tests
