"""The process faults as random steps on real pseudo-terminals: real `cockpit run`
processes against the emulator, hung up, killed, restarted, doubled. Each sequence costs
seconds (processes start, actions run), so few of them: two cases of a two-hundred-and-
fiftieth of the sequences each (four in CI), ten steps at most. No shrinking (it would
rerun slow sequences for minutes): a failure prints its steps as they ran, and its seed."""

from hypothesis import Phase, settings

from tests.truth.process_machine import ProcessMachine
from tests.truth.profile import share

SETTINGS = settings(share(1 / 250, steps=10), phases=[Phase.explicit, Phase.generate])


class TestProcessesA(ProcessMachine.TestCase):
    settings = SETTINGS


class TestProcessesB(ProcessMachine.TestCase):
    settings = SETTINGS
