"""Named actors: one staff user per role and area, as pytest fixtures every test can ask for by name
(a pytest plugin, loaded by the root conftest.py). See docs/architecture/tests.md.

A test names the person it is about (``wang_street_a`` reads a record of street B and gets 404) instead
of building a user by hand or indexing a dictionary of anonymous roles. Each actor is created in the
test's own database when the test asks for it; the user names are the ones the tests have always used
(pages and audit trails that a test reads show them). All actors share the password ``PASSWORD``.

Two of a kind (``liu_district_officer``, ``zheng_community_a``, ``feng_street_a``) exist because no one
decides their own work: separation of duties (U11, G2).
"""

from __future__ import annotations

import pytest

from tests.helpers import STREET_A, STREET_B

PASSWORD = "Pass-word-123"

COMMUNITY = "测试社区"  # the community person_row() puts every person in, whatever their street


def make_staff(username: str, role: str, area=None):
    """A staff user with the actors' password (for a test that needs one more of a kind)."""
    from xiaokang.accounts.models import User

    return User.objects.create_user(username, password=PASSWORD, role=role, area=area)


def street(code: str):
    from xiaokang.core.models import Area

    return Area.objects.get(code=code)


def community(street_code: str, name: str):
    """The community ``name`` of a street: the one a person import made, or a new one with the next free
    code (the code the import itself would give it, so an import after this finds it by its name)."""
    from xiaokang.core.models import Area, AreaLevel

    parent = street(street_code)
    found = Area.objects.filter(level=AreaLevel.COMMUNITY, parent=parent, name=name).first()
    if found is not None:
        return found
    taken = Area.objects.filter(level=AreaLevel.COMMUNITY, code__startswith=street_code[:9]).values_list(
        "code", flat=True
    )
    number = max((int(code[9:]) for code in taken), default=0) + 1
    return Area.objects.create(
        code=f"{street_code[:9]}{number:03d}", name=name, level=AreaLevel.COMMUNITY, parent=parent
    )


def _actor(username: str, role: str, area=None, *, doc: str):
    """A fixture giving the staff user ``username`` (``area``: a function of no arguments, called in the
    test's database)."""

    def actor(db):
        return make_staff(username, role, area() if area else None)

    actor.__doc__ = doc
    return pytest.fixture(actor)


# --- the district ---------------------------------------------------------------------------------

li_district_officer = _actor(
    "district", "district_officer", doc="A district officer: reads and decides everything."
)
liu_district_officer = _actor(
    "district2",
    "district_officer",
    doc="A second district officer: decides what Li may not (separation of duties).",
)
chen_district_admin = _actor(
    "admin", "district_admin", doc="The district administrator: accounts, settings, batches."
)
auditor_qian = _actor(
    "auditor", "auditor", doc="The auditor: reads the audit trail, nothing of the registry."
)
security_zhou = _actor(
    "security", "security_admin", doc="The security administrator: second factors and locks, no registry."
)

# --- the streets ----------------------------------------------------------------------------------

wang_street_a = _actor(
    "street_a", "street_officer", lambda: street(STREET_A), doc="An officer of street A (万寿路街道)."
)
feng_street_a = _actor(
    "street_a2", "street_officer", lambda: street(STREET_A), doc="A second officer of street A."
)
zhao_street_b = _actor(
    "street_b", "street_officer", lambda: street(STREET_B), doc="An officer of street B (中关村街道)."
)

# --- the communities ------------------------------------------------------------------------------

sun_community_a = _actor(
    "community_a",
    "community_worker",
    lambda: community(STREET_A, COMMUNITY),
    doc="A community worker of 测试社区 in street A, where person_row() puts every person.",
)
zheng_community_a = _actor(
    "community_a2",
    "community_worker",
    lambda: community(STREET_A, COMMUNITY),
    doc="A second worker of the same community: reviews what Sun accepted.",
)
wu_community_b = _actor(
    "community_b",
    "community_worker",
    lambda: community(STREET_B, COMMUNITY),
    doc="A community worker of 测试社区 in street B.",
)


# --- by role --------------------------------------------------------------------------------------

#: The actor of each role, for a test that runs once per role (``@pytest.mark.parametrize("role", …)``).
BY_ROLE = {
    "district_admin": "chen_district_admin",
    "district_officer": "li_district_officer",
    "street_officer": "wang_street_a",
    "community_worker": "sun_community_a",
    "auditor": "auditor_qian",
    "security_admin": "security_zhou",
}


@pytest.fixture
def actor_of(request):
    """``actor_of("auditor")``: the named actor of a role (created on first use in the test)."""
    return lambda role: request.getfixturevalue(BY_ROLE[role])


@pytest.fixture
def staff_by_role(actor_of):
    """One named actor of each role, keyed by role (all six created), for tests that check every role."""
    return {role: actor_of(role) for role in BY_ROLE}


# --- the names the tests used before the named actors (kept so older tests and branches still run) --


@pytest.fixture
def district_officer(li_district_officer):
    return li_district_officer


@pytest.fixture
def officer_a(wang_street_a):
    return wang_street_a


@pytest.fixture
def officer_b(zhao_street_b):
    return zhao_street_b
