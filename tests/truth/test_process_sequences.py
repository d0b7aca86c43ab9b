"""The process faults as random steps on real pseudo-terminals: real `cockpit run`
processes against the emulator, hung up, killed, restarted, doubled. Each sequence costs
seconds (processes start, actions run), so few of them: two cases of a hundred-and-twenty-
fifth of the sequences each (four each in CI: hypothesis begins with two trivial ones, the
simplest and the empty, then two random), eight steps at most. No shrinking (it would rerun
slow sequences for minutes): a failure prints its steps as they ran, and its seed."""

from hypothesis import Phase, settings

from tests.truth.process_machine import ProcessMachine
from tests.truth.profile import share

SETTINGS = settings(share(1 / 125, steps=8), phases=[Phase.explicit, Phase.generate])


class TestProcessesA(ProcessMachine.TestCase):
    settings = SETTINGS


class TestProcessesB(ProcessMachine.TestCase):
    settings = SETTINGS
