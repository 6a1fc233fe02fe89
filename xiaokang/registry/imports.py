"""The registry's importable datasets (R5), registered with the import framework
(``xiaokang.core.importing.registry``): `xiaokang import persons`."""

from xiaokang.core.importing import register
from xiaokang.registry.importing.persons import PERSONS

register(PERSONS)
