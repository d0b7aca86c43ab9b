"""The invariants under random sequences on the whole app: real keys and pastes through the
cockpit's terminal parser, resizes, prompts, a full disk, restarts. Fewer than the engine's
(each step renders): a hundredth of the sequences in each of two cases."""

from tests.truth.machine import CockpitMachine
from tests.truth.profile import share

SETTINGS = share(1 / 100, steps=20)


class TestCockpitA(CockpitMachine.TestCase):
    settings = SETTINGS


class TestCockpitB(CockpitMachine.TestCase):
    settings = SETTINGS
