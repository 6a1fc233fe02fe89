"""The employment app's importable datasets (E1), registered with the import framework:
`xiaokang import employers`."""

from xiaokang.core.importing import register
from xiaokang.employment.importing import EMPLOYERS

register(EMPLOYERS)
