"""The invariants under random sequences against a misbehaving Kubernetes API: the real
source and two window locks on the emulator. Each sequence starts a cluster and waits on
real sockets (about a second and a half), so a sixteenth of the sequences: about a minute on
one worker by default, more with the long profile (COCKPIT_TRUTH_EXAMPLES)."""

from tests.truth.kube_machine import KubeMachine
from tests.truth.profile import share

SETTINGS = share(1 / 16, steps=25)


class TestKubeA(KubeMachine.TestCase):
    settings = SETTINGS
