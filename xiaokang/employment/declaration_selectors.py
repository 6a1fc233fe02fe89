"""Declaration reads (E1), scoped like employers (``selectors.employers_for``): a street officer
sees the declarations of their street's employers, district staff every declaration, anyone else none.
A declaration outside the actor's scope answers 404 exactly as one that does not exist, audited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext_lazy

from xiaokang.accounts.actors import Actor
from xiaokang.accounts.scoping import gate
from xiaokang.core.listing import Column, Listing
from xiaokang.employment.models import Declaration, DeclarationState, DeclaredEmployee, EmployeeCheck


def declarations_for(actor: Actor) -> QuerySet[Declaration]:
    return Declaration.objects.for_actor(actor).select_related("employer", "employer__street")


def declaration_for(actor: Actor, declaration_id: int) -> Declaration:
    """The one gate for a single declaration: out of scope or missing → Http404, audited."""
    return gate(declarations_for(actor), declaration_id, actor=actor, object_type="declaration")


def with_counts(declarations: QuerySet[Declaration]) -> QuerySet[Declaration]:
    """Each declaration with its number of listed, counted and conflicting employees."""
    return declarations.annotate(
        listed=Count("employees"),
        counted_rows=Count("employees", filter=Q(employees__outcome=EmployeeCheck.COUNTED)),
        conflict_rows=Count("employees", filter=Q(employees__outcome=EmployeeCheck.CONFLICT)),
    )


@dataclass
class ConflictGroup:
    """One person listed, in conflict, by two or more open declarations of one levy year."""

    person_id: int
    certificate_masked: str
    rows: list[DeclaredEmployee] = field(default_factory=list)  # in the actor's scope
    outside_scope: int = 0  # declarations in conflict the actor does not see (another street)


def conflicts_for(actor: Actor, levy_year: int) -> list[ConflictGroup]:
    """The persons in conflict in ``levy_year`` with at least one declaration in the actor's scope."""
    visible = set(declarations_for(actor).filter(levy_year=levy_year).values_list("pk", flat=True))
    if not visible:
        return []
    rows = (
        DeclaredEmployee.objects.filter(
            declaration__levy_year=levy_year,
            declaration__state=DeclarationState.SUBMITTED,
            outcome=EmployeeCheck.CONFLICT,
        )
        .select_related("declaration__employer__street", "person")
        .order_by("person_id", "declaration__employer__name", "pk")
    )
    groups: dict[int, ConflictGroup] = {}
    hidden: dict[int, int] = defaultdict(int)
    for row in rows:
        group = groups.setdefault(row.person_id, ConflictGroup(row.person_id, row.certificate_masked))
        if row.declaration_id in visible:
            group.rows.append(row)
        else:
            hidden[row.person_id] += 1
    result = []
    for person_id, group in groups.items():
        if group.rows:
            group.outside_scope = hidden[person_id]
            result.append(group)
    return result


def conflict_count(actor: Actor, levy_year: int | None = None) -> int:
    """How many persons are in conflict (in the actor's scope; one year or all)."""
    rows = DeclaredEmployee.objects.filter(
        outcome=EmployeeCheck.CONFLICT,
        declaration__in=declarations_for(actor).filter(**({"levy_year": levy_year} if levy_year else {})),
    )
    return rows.values("person_id", "declaration__levy_year").distinct().count()


# The declaration list's sortable columns (core.listing): the latest levy year first by default.
DECLARATIONS = Listing(
    name="declaration",
    columns=(
        Column("employer", gettext_lazy("Employer"), ("employer__name",)),
        Column("year", gettext_lazy("Levy year"), ("levy_year", "employer__name")),
        Column("street", gettext_lazy("Street or town"), ("employer__street__code", "employer__name")),
        Column("state", gettext_lazy("State"), ("state", "employer__name")),
        Column("levy", gettext_lazy("Levy (yuan)"), ("levy_fen", "employer__name")),
    ),
    default_sort="-year",
)


def declarations_listed(
    actor: Actor, *, year: int | None = None, state: str = "", street: str = "", sort: str | None = None
) -> QuerySet[Declaration]:
    """The actor's declarations for the list page, with their counts, newest levy year first (or by
    the declared column ``sort`` names); narrowed to one levy year, state or street code when given
    (a street narrows the actor's scope, never widens it)."""
    declarations = declarations_for(actor)
    if year:
        declarations = declarations.filter(levy_year=year)
    if state:
        declarations = declarations.filter(state=state)
    if street:
        declarations = declarations.filter(employer__street__code=street)
    if sort is None or DECLARATIONS.sort_key(sort) == DECLARATIONS.default_sort:
        return with_counts(declarations).order_by("-levy_year", "employer__name", "pk")
    return DECLARATIONS.order(with_counts(declarations), sort)


def latest_levy_year(actor: Actor) -> int | None:
    """The latest levy year the actor has declarations for (None: none)."""
    return declarations_for(actor).aggregate(latest=Max("levy_year"))["latest"]


def declaration_employees(declaration: Declaration, *, with_person: bool = False) -> list[DeclaredEmployee]:
    """The employees listed by ``declaration`` (read through its gate), in the order they were listed."""
    employees = declaration.employees.order_by("pk")
    return list(employees.select_related("person") if with_person else employees)


def declaration_changes(declaration: Declaration) -> list:
    """The history of ``declaration`` (read through its gate), oldest first."""
    return list(declaration.changes.order_by("at", "pk"))


def employer_declarations(employer) -> list[Declaration]:
    """The declarations of ``employer`` (read through its gate, ``selectors.employer_for``), newest
    levy year first."""
    return list(employer.declarations.order_by("-levy_year"))
