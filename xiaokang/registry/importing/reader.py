"""The import framework's reader (``xiaokang.core.importing.reader``), under its former name."""

from xiaokang.core.importing.reader import FileRejected, Sheet, read_table

__all__ = ["FileRejected", "Sheet", "read_table"]
