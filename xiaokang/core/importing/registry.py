"""The registration point of importable datasets: each app declares its datasets in its ``imports``
module (``register(PERSONS)``); the command line and the pages find them by name, and nothing lists
every app by hand (ARCHITECTURE rule 3: a higher app plugs into core)."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

from xiaokang.core.importing.dataset import Dataset

_DATASETS: dict[str, Dataset] = {}
_discovered = False


def register(dataset: Dataset) -> Dataset:
    """Adds ``dataset`` under its name; the same dataset again is a no-op, another under a taken name an
    error."""
    present = _DATASETS.get(dataset.name)
    if present is not None and present is not dataset:
        raise ValueError(f"an import dataset named {dataset.name!r} is registered already")
    _DATASETS[dataset.name] = dataset
    return dataset


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True


def datasets() -> dict[str, Dataset]:
    """Every registered dataset by name, in registration order."""
    _discover()
    return dict(_DATASETS)


def dataset(name: str) -> Dataset:
    """The dataset called ``name``; KeyError when there is none."""
    _discover()
    return _DATASETS[name]
