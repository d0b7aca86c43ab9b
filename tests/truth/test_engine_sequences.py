"""The invariants under random sequences at the engine level: cheap, so many of them
(four cases of a quarter each, so the test workers share them). A failure prints its shrunk
steps and its seed (`--hypothesis-seed=N` runs it again)."""

from tests.truth.engine_machine import EngineMachine
from tests.truth.profile import share

SETTINGS = share(1 / 4, steps=30)


class TestEngineA(EngineMachine.TestCase):
    settings = SETTINGS


class TestEngineB(EngineMachine.TestCase):
    settings = SETTINGS


class TestEngineC(EngineMachine.TestCase):
    settings = SETTINGS


class TestEngineD(EngineMachine.TestCase):
    settings = SETTINGS
