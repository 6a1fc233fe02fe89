"""The case app's importable datasets (S5), registered with the import framework:
`xiaokang import enrolments`."""

from xiaokang.cases.importing import ENROLMENTS
from xiaokang.core.importing import register

register(ENROLMENTS)
