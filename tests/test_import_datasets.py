"""The apps' datasets as the import framework sees them (cross-app: core must not import the apps)."""

from __future__ import annotations

import pytest

from xiaokang.core.importing import Dataset, Message, Rule, dataset, datasets, register
from xiaokang.core.tests.test_importing import VOLUNTEERS

pytestmark = pytest.mark.django_db


def test_the_registry_finds_every_apps_datasets_by_name(monkeypatch):
    from xiaokang.cases.importing import ENROLMENTS
    from xiaokang.core.importing import registry
    from xiaokang.employment.importing import EMPLOYERS
    from xiaokang.registry.importing.persons import PERSONS

    assert {"persons", "enrolments", "employers"} <= set(datasets())
    assert (dataset("persons"), dataset("enrolments"), dataset("employers")) == (
        PERSONS,
        ENROLMENTS,
        EMPLOYERS,
    )
    # The test's own dataset is registered on a copy: later tests in this process see the apps' only.
    monkeypatch.setattr(registry, "_DATASETS", dict(registry._DATASETS))
    register(VOLUNTEERS)
    register(VOLUNTEERS)  # the same dataset again: no-op
    with pytest.raises(ValueError, match="registered already"):
        register(Dataset(**{**VOLUNTEERS.__dict__, "columns": VOLUNTEERS.columns[:2]}))


def test_the_person_rules_are_named_and_each_has_both_languages():
    from xiaokang.registry.importing.persons import PERSONS

    rules = [r for r in PERSONS.all_rules() if isinstance(r, Rule)]
    assert len(rules) > 50
    for rule in rules:
        assert rule.name.split(".")[0] in PERSONS.by_field, rule.name
        if isinstance(rule.message, Message):
            assert rule.message.zh and rule.message.en, rule.name
