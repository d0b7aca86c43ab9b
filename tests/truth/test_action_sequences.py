"""I5 (every action ends on the record; nothing executes without its durable confirm) and
I1 for actions, under random sequences against the Kubernetes emulator: a twentieth of the
sequences, each on its own emulated cluster."""

from tests.truth.action_machine import ActionMachine
from tests.truth.profile import share


class TestActions(ActionMachine.TestCase):
    settings = share(1 / 20, steps=15)
