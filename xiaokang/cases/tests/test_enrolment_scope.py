"""U11, R5: the enrolment import answers a person registered in another street exactly as one registered
nowhere (the registry's neutral out-of-area message), and enrols nobody."""

import csv

import pytest

from tests.helpers import make_id
from xiaokang.cases.importing import enrolments_import
from xiaokang.cases.models import Enrolment
from xiaokang.registry.services import OUT_OF_AREA

pytestmark = pytest.mark.django_db


def _enrol(tmp_path, actor, id_number, name):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["公民身份号码", "项目", "开始月份"])
        writer.writerow([id_number, "living_subsidy", "2024-01"])
    return enrolments_import(actor=actor, path=path)


def test_an_enrolment_of_another_streets_person_gets_the_neutral_error(tmp_path, people, wang_street_a):
    from xiaokang.core import crypto

    b = people["b"]
    id_b = crypto.decrypt(b.id_number_encrypted)
    elsewhere = _enrol(tmp_path, wang_street_a, id_b, "b.csv")
    nowhere = _enrol(tmp_path, wang_street_a, make_id("11010819800101999"), "n.csv")

    assert elsewhere.errors == [{"row": 2, "column": "公民身份号码", "message": OUT_OF_AREA}]
    assert elsewhere.as_json() == nowhere.as_json()
    assert not Enrolment.objects.filter(person=b).exists()
