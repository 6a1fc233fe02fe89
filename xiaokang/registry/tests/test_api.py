"""The persons API (R1–R5; docs/api.md): the same scope (404 out of scope, audited), validation (422 naming
the field) and audit as the pages, with the three actors of ARCHITECTURE.md (district, street A, street B)."""

import json

import pytest
from django.test import Client

from tests.browser.conftest import browser, new_page, page  # noqa: F401 (fixtures of the browser test)
from tests.helpers import STREET_A, STREET_B, make_id, person_row, write_csv
from xiaokang.accounts.models import User
from xiaokang.accounts.services import api_token_issue
from xiaokang.audit.models import AuditEvent
from xiaokang.core.models import Area
from xiaokang.registry.importing.columns import PERSON_COLUMNS
from xiaokang.registry.models import Person, PersonHistory
from xiaokang.registry.services import persons_import

pytestmark = pytest.mark.django_db
ZH_TO_FIELD = {c.zh: c.field for c in PERSON_COLUMNS}
PHONE_A = "13812345678"


class Api:
    """A client that sends ``user``'s bearer token and JSON bodies."""

    def __init__(self, user, address="10.2.2.2"):
        self.client = Client(REMOTE_ADDR=address)
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"} if user else {}

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self.headers)

    def post(self, path, body):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers
        )

    def patch(self, path, body, **headers):
        return self.client.patch(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers, **headers
        )


@pytest.fixture
def registry(tmp_path, system_actor):
    """Person A in street A (with a phone), person B in street B."""
    rows = [person_row(1, 联系电话=PHONE_A), person_row(2, 街道乡镇="中关村街道")]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    a = Person.objects.unscoped(reason="test").get(street__code=STREET_A)
    b = Person.objects.unscoped(reason="test").get(street__code=STREET_B)
    return {"a": a, "b": b, "id_a": rows[0]["公民身份号码"], "id_b": rows[1]["公民身份号码"]}


def _values(n, **overrides):
    return {ZH_TO_FIELD[k]: v for k, v in person_row(n, **overrides).items()}


def _names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def _snapshot(person):
    person = Person.objects.unscoped(reason="test").get(pk=person.pk)
    return (person.name, person.phone_masked, person.version, person.street_id, person.history.count())


# ---------------------------------------------------------------------------------------------------
# Scope: district, street A, street B


def test_the_district_officer_sees_both_streets(registry, li_district_officer):
    api = Api(li_district_officer)
    assert _names(api.get("/persons")) == ["测试1", "测试2"]
    assert api.get(f"/persons/{registry['a'].pk}").status_code == 200
    assert api.get(f"/persons/{registry['b'].pk}").status_code == 200


def test_street_b_gets_404_for_street_as_person_and_the_attempt_is_audited(registry, zhao_street_b):
    api = Api(zhao_street_b, address="10.3.3.3")
    a = registry["a"]

    response = api.get(f"/persons/{a.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到 / not found"}
    denied = AuditEvent.objects.get(action="access.denied")
    assert (denied.actor_label, denied.object_id, denied.person_id, denied.client) == (
        "street_b",
        str(a.pk),
        a.pk,
        "10.3.3.3",
    )
    assert not AuditEvent.objects.filter(action="person.view").exists()


def test_a_missing_person_answers_exactly_like_an_out_of_scope_one(registry, zhao_street_b):
    api = Api(zhao_street_b)
    out_of_scope = api.get(f"/persons/{registry['a'].pk}")
    missing = api.get(f"/persons/{registry['a'].pk + 1000}")
    assert (out_of_scope.status_code, out_of_scope.json()) == (missing.status_code, missing.json())
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


@pytest.mark.parametrize(
    "path", ["/persons/" + "9" * 30, "/persons/" + "9" * 100, "/persons/-1", "/persons/abc"]
)
def test_an_impossible_id_is_a_json_404_too(registry, zhao_street_b, path):
    api = Api(zhao_street_b)
    assert (api.get(path).status_code, api.get(path).json()) == (404, {"detail": "未找到 / not found"})
    assert api.patch(path, {"name": "改名"}).status_code == 404


def test_street_b_cannot_patch_street_as_person_nothing_changes(registry, zhao_street_b):
    a = registry["a"]
    before = _snapshot(a)

    response = Api(zhao_street_b).patch(f"/persons/{a.pk}", {"name": "改名", "phone": "13900000000"})

    assert response.status_code == 404
    assert _snapshot(a) == before
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(a.pk)).exists()
    assert not AuditEvent.objects.filter(action="person.update").exists()


def test_street_b_never_lists_or_finds_street_as_persons(registry, zhao_street_b):
    api = Api(zhao_street_b)
    a_cert = registry["id_a"] + "41"
    assert _names(api.get("/persons")) == ["测试2"]
    assert _names(api.get("/persons", {"search": "测试"})) == ["测试2"]
    assert _names(api.get("/persons", {"search": "测试1"})) == []
    assert _names(api.get("/persons", {"id_number": registry["id_a"]})) == []
    assert _names(api.get("/persons", {"certificate_number": a_cert})) == []
    assert _names(api.get("/persons", {"street": STREET_A})) == []
    assert _names(api.post("/persons/search", {"id_number": registry["id_a"]})) == []
    assert _names(api.post("/persons/search", {"certificate_number": a_cert})) == []
    # … while B's own person is found by every route.
    assert _names(api.get("/persons", {"id_number": registry["id_b"]})) == ["测试2"]
    assert _names(api.post("/persons/search", {"id_number": registry["id_b"].lower()})) == ["测试2"]


def test_street_a_sees_only_street_a(registry, wang_street_a):
    api = Api(wang_street_a)
    assert _names(api.get("/persons")) == ["测试1"]
    assert api.get(f"/persons/{registry['b'].pk}").status_code == 404
    assert _names(api.get("/persons", {"id_number": registry["id_a"]})) == ["测试1"]


def test_a_community_worker_sees_only_their_community(tmp_path, system_actor):
    rows = [person_row(1), person_row(3, 社区村="第二社区")]
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    community = Area.objects.get(parent__code=STREET_A, name="第二社区")
    worker = User.objects.create_user(
        "worker", password="Pass-word-123", role="community_worker", area=community
    )
    api = Api(worker)
    assert _names(api.get("/persons")) == ["测试3"]
    other = Person.objects.unscoped(reason="test").get(name="测试1")
    assert api.get(f"/persons/{other.pk}").status_code == 404


# ---------------------------------------------------------------------------------------------------
# Roles: deny by default, 三权分立


@pytest.mark.parametrize("role", ["auditor", "security_admin"])
def test_the_auditor_and_the_security_administrator_get_403_on_every_persons_endpoint(
    registry, role, actor_of
):
    user = actor_of(role)
    api = Api(user)
    a = registry["a"]
    before = (_snapshot(a), Person.objects.unscoped(reason="test").count())
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    responses = [
        api.get("/persons"),
        api.get("/persons", {"id_number": registry["id_a"]}),
        api.post("/persons/search", {}),
        api.get(f"/persons/{a.pk}"),
        api.get(f"/persons/{a.pk + 1000}"),
        api.post("/persons", _values(5)),
        api.patch(f"/persons/{a.pk}", {"name": "改名"}),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert all(set(r.json()) == {"detail"} for r in responses)
    assert (_snapshot(a), Person.objects.unscoped(reason="test").count()) == before
    # Each refusal is audited (U11; GB/T 22239-2019 8.1.4.3), naming the endpoint; nothing else was recorded.
    refused = AuditEvent.objects.filter(pk__gt=last_event)
    assert refused.count() == len(responses)
    assert set(refused.values_list("action", "actor_label")) == {("access.denied", user.username)}


@pytest.mark.parametrize("role", ["district_admin", "district_officer", "street_officer", "community_worker"])
def test_every_registry_reader_may_use_the_persons_endpoints(db, role):
    street = Area.objects.get(code=STREET_A)
    area = {
        "street_officer": street,
        "community_worker": Area.objects.create(
            code="110108001999", name="某社区", level="community", parent=street
        ),
    }.get(role)
    user = User.objects.create_user("reader", password="Pass-word-123", role=role, area=area)
    assert Api(user).get("/persons").status_code == 200


def test_every_endpoint_without_a_token_is_401(registry):
    api = Api(None)
    a = registry["a"]
    responses = [
        api.get("/persons"),
        api.post("/persons/search", {}),
        api.get(f"/persons/{a.pk}"),
        api.post("/persons", _values(5)),
        api.patch(f"/persons/{a.pk}", {"name": "改名"}),
    ]
    assert [r.status_code for r in responses] == [401] * len(responses)
    assert Person.objects.unscoped(reason="test").count() == 2


# ---------------------------------------------------------------------------------------------------
# Reading one person: masked numbers, audited view


def test_a_person_is_shown_masked_and_the_view_is_audited(registry, wang_street_a):
    a = registry["a"]

    response = Api(wang_street_a, address="10.4.4.4").get(f"/persons/{a.pk}")

    assert response.status_code == 200
    person = response.json()
    masked_id = a.id_number_masked
    assert person["id_number_masked"] == masked_id and "*" in masked_id
    assert person["phone_masked"] == "138****5678"
    assert person["certificate"] == {
        "number": masked_id + "41",
        "category": "physical",
        "grade": 1,
        "components": [],
        "issued_on": "2020-01-01",
        "valid_until": "2029-12-31",
        "status": "active",
    }
    assert (person["street_code"], person["street_name"]) == (STREET_A, "万寿路街道")
    assert person["community_name"] == "测试社区" and len(person["community_code"]) == 12
    assert (person["household"], person["economic_status"], person["relation"]) == ("H1", "dibao", "head")
    assert (person["hukou"], person["status"], person["version"]) == ("beijing_urban", "normal", 1)
    # Never a clear ID, certificate or phone number in the answer.
    text = response.content.decode()
    assert registry["id_a"] not in text and PHONE_A not in text
    view = AuditEvent.objects.get(action="person.view")
    assert (view.actor_label, view.object_type, view.object_id, view.person_id, view.client) == (
        "street_a",
        "person",
        str(a.pk),
        a.pk,
        "10.4.4.4",
    )


def test_the_list_is_masked_too(registry, li_district_officer):
    response = Api(li_district_officer).get("/persons")
    text = response.content.decode()
    assert registry["id_a"] not in text and registry["id_b"] not in text and PHONE_A not in text
    assert [p["certificate"]["number"][-2:] for p in response.json()["items"]] == ["41", "41"]


# ---------------------------------------------------------------------------------------------------
# Creating


def test_post_creates_a_person_with_history_and_audit(registry, wang_street_a):
    values = _values(5, 联系电话="13700001111")

    response = Api(wang_street_a, address="10.5.5.5").post("/persons", values)

    assert response.status_code == 201, response.content
    created = response.json()
    person = Person.objects.unscoped(reason="test").get(pk=created["id"])
    assert (response["Location"], response["ETag"]) == (f"/api/v1/persons/{person.pk}", '"1"')
    assert (person.name, person.street.code, created["phone_masked"]) == ("测试5", STREET_A, "137****1111")
    assert values["id_number"] not in response.content.decode()
    history = PersonHistory.objects.get(person=person)
    assert (history.action, history.source, history.actor_label) == ("create", "api", "street_a")
    event = AuditEvent.objects.get(action="person.create", person_id=person.pk)
    assert event.actor_label == "street_a"
    assert event.details["source"] == "api"
    assert "13700001111" not in json.dumps(event.details)


def test_post_accepts_json_numbers_and_booleans_for_digits_and_yes_no(registry, li_district_officer):
    values = _values(6, 街道乡镇="中关村街道") | {"category": 4, "grade": 1, "self_care": False}
    values["multiple_categories"] = None

    response = Api(li_district_officer).post("/persons", values)

    assert response.status_code == 201, response.content
    assert (response.json()["certificate"]["category"], response.json()["self_care"]) == ("physical", False)


def test_a_multiple_disability_takes_its_components_as_a_list(registry, li_district_officer):
    values = _values(7, 残疾类别="多重", 残疾等级="二级")
    values |= {"certificate_number": values["id_number"] + "72", "multiple_categories": ["肢体", 6]}

    response = Api(li_district_officer).post("/persons", values)

    assert response.status_code == 201, response.content
    certificate = response.json()["certificate"]
    assert (certificate["category"], certificate["components"]) == ("multiple", ["physical", "mental"])
    assert certificate["number"].endswith("72") and "*" in certificate["number"]


def test_post_with_a_bad_field_is_422_naming_it_and_writes_nothing(registry, wang_street_a):
    api = Api(wang_street_a)
    events = AuditEvent.objects.count()

    response = api.post("/persons", _values(5, 残疾等级="五级"))

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "grade"
    assert response.json()["detail"][0]["column"] == "残疾等级"
    assert response.json()["detail"][0]["message"]
    assert Person.objects.unscoped(reason="test").count() == 2
    assert AuditEvent.objects.count() == events


def test_post_names_every_missing_field_and_every_unknown_one(registry, wang_street_a):
    missing = Api(wang_street_a).post("/persons", {"name": "只有名字"})
    assert missing.status_code == 422
    assert {"id_number", "certificate_number", "grade", "street"} <= {
        e["field"] for e in missing.json()["detail"]
    }

    unknown = Api(wang_street_a).post("/persons", _values(5) | {"nickname": "小五"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == [
        {"field": "nickname", "column": "nickname", "message": "未知字段 / unknown field"}
    ]
    assert Person.objects.unscoped(reason="test").count() == 2


def test_street_a_cannot_create_a_person_in_street_b(registry, wang_street_a):
    response = Api(wang_street_a).post("/persons", _values(5, 街道乡镇="中关村街道"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["street"]
    assert Person.objects.unscoped(reason="test").count() == 2


def test_an_id_number_already_registered_cannot_be_created_again(registry, wang_street_a):
    response = Api(wang_street_a).post("/persons", _values(1))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "id_number"


# ---------------------------------------------------------------------------------------------------
# Changing


def test_patch_changes_only_the_fields_sent(registry, wang_street_a):
    a = registry["a"]

    response = Api(wang_street_a).patch(f"/persons/{a.pk}", {"name": "新名", "phone": "13911112222"})

    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["name"], changed["phone_masked"], changed["version"]) == ("新名", "139****2222", 2)
    assert (changed["street_code"], changed["household"], changed["certificate"]["grade"]) == (
        STREET_A,
        "H1",
        1,
    )
    history = PersonHistory.objects.get(person=a, action="update")
    assert history.source == "api"
    assert history.changes["name"] == ["测试1", "新名"]
    assert AuditEvent.objects.filter(action="person.update", person_id=a.pk, details__source="api").exists()


def test_patch_with_null_empties_an_optional_field_and_an_empty_patch_changes_nothing(
    registry, wang_street_a
):
    a = registry["a"]
    api = Api(wang_street_a)

    cleared = api.patch(f"/persons/{a.pk}", {"phone": None})
    unchanged = api.patch(f"/persons/{a.pk}", {})

    assert (cleared.status_code, cleared.json()["phone_masked"], cleared.json()["version"]) == (200, "", 2)
    assert (unchanged.status_code, unchanged.json()["version"]) == (200, 2)
    assert PersonHistory.objects.filter(person=a, action="update").count() == 1


def test_patch_with_if_match_refuses_a_stale_version_and_changes_nothing(
    registry, wang_street_a, li_district_officer
):
    a = registry["a"]
    mine, theirs = Api(wang_street_a), Api(li_district_officer)
    read = mine.get(f"/persons/{a.pk}")
    assert read["ETag"] == '"1"'
    assert (
        theirs.patch(f"/persons/{a.pk}", {"name": "乙的改名"}, HTTP_IF_MATCH=read["ETag"]).status_code == 200
    )

    stale = mine.patch(f"/persons/{a.pk}", {"name": "甲的改名"}, HTTP_IF_MATCH=read["ETag"])

    assert stale.status_code == 412
    assert "ETag" in stale.json()["detail"]
    assert Person.objects.unscoped(reason="test").get(pk=a.pk).name == "乙的改名"
    fresh = mine.patch(f"/persons/{a.pk}", {"name": "甲的改名"}, HTTP_IF_MATCH='W/"2"')
    assert (fresh.status_code, fresh["ETag"], fresh.json()["name"]) == (200, '"3"', "甲的改名")
    assert mine.patch(f"/persons/{a.pk}", {"name": "x"}, HTTP_IF_MATCH="nonsense").status_code == 412
    assert mine.patch(f"/persons/{a.pk}", {"name": "x"}, HTTP_IF_MATCH="*").status_code == 200


def test_patch_cannot_change_the_id_number(registry, wang_street_a):
    a = registry["a"]
    before = _snapshot(a)

    response = Api(wang_street_a).patch(f"/persons/{a.pk}", {"id_number": make_id("11010819700101001")})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "id_number"
    assert response.json()["detail"][0]["column"] == "公民身份号码"
    assert _snapshot(a) == before


def test_patch_with_a_bad_value_or_out_of_the_area_is_422_and_changes_nothing(registry, wang_street_a):
    a = registry["a"]
    before = _snapshot(a)
    api = Api(wang_street_a)

    bad_grade = api.patch(f"/persons/{a.pk}", {"name": "新名", "self_care": "也许"})
    moved = api.patch(f"/persons/{a.pk}", {"street": "中关村街道"})
    wrong_type = api.patch(f"/persons/{a.pk}", {"name": {"first": "新"}})
    a_list = api.patch(f"/persons/{a.pk}", {"address": ["一", "二"]})

    assert [e["field"] for e in bad_grade.json()["detail"]] == ["self_care"]
    assert [e["field"] for e in moved.json()["detail"]] == ["street"]
    assert [e["field"] for e in wrong_type.json()["detail"]] == ["name"]
    assert [e["field"] for e in a_list.json()["detail"]] == ["address"]
    assert {r.status_code for r in (bad_grade, moved, wrong_type, a_list)} == {422}
    assert _snapshot(a) == before


# ---------------------------------------------------------------------------------------------------
# Lists: filters and keyset pagination


@pytest.fixture
def many(tmp_path, system_actor):
    rows = [person_row(n, 姓名=f"王{n}") for n in range(1, 8)]
    rows.append(person_row(8, 姓名="李八", 街道乡镇="中关村街道", 家庭经济状况="一般"))
    cert9 = person_row(9)["公民身份号码"] + "12"
    rows.append(
        person_row(9, 姓名="王九", 人员状态="死亡", 残疾类别="视力", 残疾等级="二级", 残疾人证号=cert9)
    )
    persons_import(actor=system_actor, path=write_csv(tmp_path / "p.csv", rows))
    return rows


def test_keyset_pages_with_after_cover_everything_once(many, li_district_officer):
    api = Api(li_district_officer)
    seen, after, pages = [], None, 0
    while True:
        body = api.get("/persons", {"limit": 4} | ({"after": after} if after is not None else {})).json()
        pages += 1
        seen += [item["id"] for item in body["items"]]
        after = body["next_after"]
        if after is None:
            break
        assert after == body["items"][-1]["id"]
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 9


def test_filters(many, li_district_officer):
    api = Api(li_district_officer)
    assert _names(api.get("/persons", {"street": "110108011"})) == ["李八"]
    assert _names(api.get("/persons", {"economic_status": "ordinary"})) == ["李八"]
    assert _names(api.get("/persons", {"economic_status": "一般"})) == ["李八"]
    assert _names(api.get("/persons", {"status": "deceased"})) == ["王九"]
    assert _names(api.get("/persons", {"category": "visual", "grade": 2})) == ["王九"]
    assert _names(api.get("/persons", {"category": "视力"})) == ["王九"]
    assert len(_names(api.get("/persons", {"search": "王"}))) == 8
    assert _names(api.post("/persons/search", {"search": "李", "street": STREET_B})) == ["李八"]
    community = Area.objects.get(parent__code=STREET_B).code
    assert _names(api.get("/persons", {"community": community})) == ["李八"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"after": "x"}, "after"),
        ({"grade": 5}, "grade"),
        ({"category": "purple"}, "category"),
        ({"street": "万寿路"}, "street"),
    ],
)
def test_a_bad_filter_is_422_naming_it(many, li_district_officer, params, field):
    response = Api(li_district_officer).get("/persons", params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == [field]


def test_a_misspelt_filter_in_a_search_body_is_422_not_everyone(many, li_district_officer):
    response = Api(li_district_officer).post("/persons/search", {"idnumber": many[0]["公民身份号码"]})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "idnumber", "column": "idnumber", "message": "未知字段 / unknown field"}
    ]


# ---------------------------------------------------------------------------------------------------
# The OpenAPI document, the docs page, errors


def test_the_openapi_document_lists_every_path(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/auth/token",
        "/api/v1/persons",
        "/api/v1/persons/search",
        "/api/v1/persons/{person_id}",
        "/api/v1/persons/{person_id}/eligibility",
        "/api/v1/applications",
        "/api/v1/applications/{application_id}",
        "/api/v1/applications/{application_id}/transitions",
        "/api/v1/employers",
        "/api/v1/employers/{employer_id}",
        "/api/v1/transfers",
        "/api/v1/transfers/{transfer_id}/decide",
        "/api/v1/transfers/{transfer_id}/cancel",
    }
    assert set(document["paths"]["/api/v1/persons"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/persons/{person_id}"]) == {"get", "patch"}
    assert document["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert "security" not in document["paths"]["/api/v1/auth/token"]["post"]


def test_the_docs_page_loads_everything_from_the_site(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise fetch validator.swagger.io


def test_an_unknown_api_path_answers_json_404(db):
    response = Client().get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到 / not found"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_docs_page_in_a_browser_makes_no_request_outside_the_site(page, live_server):  # noqa: F811
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto("/api/v1/docs")
    page.locator(".opblock").first.wait_for()  # Swagger UI has read openapi.json and drawn the operations
    page.wait_for_load_state("networkidle")

    assert page.locator(".opblock").count() >= 6
    assert any(url.endswith("/api/v1/openapi.json") for url in requests)
    outside = [url for url in requests if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert outside == []


@pytest.mark.parametrize(
    ("path", "params"),
    [("/persons", {"after": "9" * 26}), ("/employers", {"offset": "41428754628104177787600896"})],
)
def test_a_page_position_past_any_row_is_a_422_not_a_server_error(
    registry, li_district_officer, path, params
):
    """Found by the schema fuzzer (tests/fuzz): an offset beyond 64 bits overflowed the database's integer
    and answered 500. Positions are bounded like ids (core.ids.MAX_ROW_ID)."""
    response = Api(li_district_officer).get(path, params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] in params


def test_the_openapi_document_lists_each_status_code_once(li_district_officer):
    """Each operation's answers once per status code: duplicate JSON keys ("401" twice, once from the
    framework's list) made Swagger UI refuse the whole document."""
    duplicates = []

    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        duplicates.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    response = Client().get("/api/v1/openapi.json")
    json.loads(response.content, object_pairs_hook=no_duplicates)
    assert response.status_code == 200 and duplicates == []
