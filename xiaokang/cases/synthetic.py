"""A working district for the demo database (``xiaokang seed --applications N``; docs/synthetic-data.md):
enrolments, applications in every state of the workflow with their timelines, approved payment rosters
of the last three months, outreach tasks (some answered), temporary assistance, and the demo resident's
own case (P2, P3, S3–S5, G2, U11).

Everything is written through the services staff use (``enrolments_import``, ``application_submit``,
``application_transition``, ``roster_build``/``roster_approve``, ``outreach_record_outcome``,
``temporary_assistance_grant``/``temporary_assistance_review``), so every timeline event, audit event,
deadline and separation-of-duties check is the real one. The steps are taken by synthetic officers
(``synth_…`` accounts, created once through ``user_create`` without a password: they cannot sign in), never
by the demo accounts: those can then take the next step of any seeded application themselves.

Deterministic: the same registry and ``seed`` give the same cases (a seeded ``random.Random``, persons
in primary-key order, dates counted back from ``today``). Only the dates the workflow uses are set in
the past (``received_on`` of an application, ``granted_on`` of a grant): the deadlines are computed from
them, so some are overdue; the timeline's timestamps are the seed's own time."""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xiaokang.accounts.actors import Actor, SystemActor
from xiaokang.accounts.demo import DEMO_STREET
from xiaokang.accounts.models import Role, User
from xiaokang.accounts.services import user_create
from xiaokang.cases.documents import document_add
from xiaokang.cases.evidence import required_documents
from xiaokang.cases.importing import enrolments_import
from xiaokang.cases.models import Application, Enrolment, OutreachTask, State
from xiaokang.cases.outreach import open_tasks_for, outreach_record_outcome
from xiaokang.cases.rosters import cash_policy_ids, roster_approve, roster_build
from xiaokang.cases.services import (
    TEMPORARY_POLICY_ID,
    WorkflowError,
    application_submit,
    application_transition,
    month_start,
)
from xiaokang.cases.temporary import limit_on, temporary_assistance_grant, temporary_assistance_review
from xiaokang.core import crypto
from xiaokang.core.models import Area, AreaLevel
from xiaokang.policies import evaluation, followups
from xiaokang.policies.engine.loader import person_policies
from xiaokang.policies.models import EvaluationResult
from xiaokang.registry.models import Person

SEED_READ = "seed: the synthetic district's cases"
# The demo resident's application in review carries this one-time key, so the portal's demo step
# (portal.demo) links the resident's account to the person this module gave a case (U11).
DEMO_RESIDENT_KEY = "seed-demo-resident"
LEGACY_ENROLLED_SHARE = 0.85  # of those eligible for a cash policy today: receiving it already (synthetic)
OTHER_STREETS = 2  # besides the demo street, the streets that get applications
ROSTER_MONTHS = 3
NOTE = "合成数据 synthetic"

# One officer per step, so that no one decides their own work (workflow.Step.other_than; G2).
#   counter: accepts (or returns) and lodges appeals; community: the community review (forward);
#   street: the street review; decide: the district's decision; second: the enrolment, an appeal's
#   decision, a roster's approval.
STREET_OFFICERS = ("counter", "community", "street")
DISTRICT_OFFICERS = ("decide", "second")

RETURN_REASON = "材料不全：缺少残疾人证复印件（合成数据） / documents missing: no copy of the certificate"
SEND_BACK_REASON = "请核实家庭经济状况（合成数据） / check the household's economic status"
REJECT_REASON = "经审核不符合条件（合成数据） / does not meet the conditions"
APPEAL_REASON = "申请人对决定有异议，补充了材料（合成数据） / the applicant disagrees and adds documents"

ACCEPT = ("accept", "counter", "")
COMMUNITY_REVIEW = ("forward", "community", "")
STREET_REVIEW = ("forward", "street", "")
REJECT = ("reject", "decide", REJECT_REASON)
APPEAL = ("appeal", "counter", APPEAL_REASON)


@dataclass(frozen=True)
class Route:
    """A route through the workflow (S4): the actions in order, who takes each, the reason; whether
    the person should qualify (an approval) or not (a rejection); open (its deadline may be overdue)."""

    name: str
    weight: int
    actions: tuple[tuple[str, str, str], ...]
    eligible: bool | None  # None: either
    open: bool


ROUTES = (
    Route("submitted", 12, (), None, True),
    Route("returned", 5, (("return", "counter", RETURN_REASON),), None, False),
    Route("community_review", 12, (ACCEPT,), None, True),
    Route("street_review", 10, (ACCEPT, COMMUNITY_REVIEW), None, True),
    Route(
        "street_review_sent_back",
        4,
        (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW, ("send_back", "decide", SEND_BACK_REASON)),
        None,
        True,
    ),
    Route("district_review", 14, (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW), True, True),
    Route("approved", 8, (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW, ("approve", "decide", "")), True, False),
    Route(
        "enrolled",
        16,
        (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW, ("approve", "decide", ""), ("enrol", "second", "")),
        True,
        False,
    ),
    Route("rejected", 8, (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW, REJECT), False, False),
    Route("appeal_review", 5, (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW, REJECT, APPEAL), False, True),
    Route(
        "approved_on_appeal",
        3,
        (ACCEPT, COMMUNITY_REVIEW, STREET_REVIEW, REJECT, APPEAL, ("approve", "second", "")),
        True,
        False,
    ),
    Route(
        "enrolled_after_appeal",
        3,
        (
            ACCEPT,
            COMMUNITY_REVIEW,
            STREET_REVIEW,
            REJECT,
            APPEAL,
            ("approve", "second", ""),
            ("enrol", "decide", ""),
        ),
        True,
        False,
    ),
)


@dataclass
class CasesSeed:
    """What was made (printed by the seed step, compared by the determinism test)."""

    officers: int = 0
    legacy_enrolments: int = 0
    applications: Counter = field(default_factory=Counter)  # by state
    overdue: int = 0
    skipped: int = 0  # routes for which no person and policy were left (a small registry)
    rosters: list[tuple[str, str, int, int]] = field(default_factory=list)  # policy, month, paid, total_fen
    outreach_tasks: int = 0
    outreach_answered: Counter = field(default_factory=Counter)
    temporary: Counter = field(default_factory=Counter)  # by review state
    demo_resident: str = ""  # the masked ID number

    def summary(self) -> dict:
        return {
            "officers": self.officers,
            "legacy_enrolments": self.legacy_enrolments,
            "applications": dict(sorted(self.applications.items())),
            "overdue": self.overdue,
            "skipped": self.skipped,
            "rosters": self.rosters,
            "outreach_tasks": self.outreach_tasks,
            "outreach_answered": dict(sorted(self.outreach_answered.items())),
            "temporary": dict(sorted(self.temporary.items())),
            "demo_resident": self.demo_resident,
        }


def demo_resident_person() -> Person | None:
    """The person whose portal account is the demo resident's (portal.demo): the one this module gave an
    application in review and past payments; None if the cases were not seeded."""
    application = (
        Application.objects.unscoped(reason=SEED_READ).filter(idempotency_key=DEMO_RESIDENT_KEY).first()
    )
    return application.person if application is not None else None


def _officers(streets: list[Area], result: CasesSeed) -> dict:
    """The synthetic officers (created once): per street the three counter/review officers, and the two
    district officers. They have no password: they sign in nowhere."""
    wanted = [(f"synth_district_{n}", Role.DISTRICT_OFFICER, None) for n in (1, 2)]
    for street in streets:
        wanted += [(f"synth_{street.code[6:9]}_{n}", Role.STREET_OFFICER, street.code) for n in (1, 2, 3)]
    actor = SystemActor("cli seed")
    users = {}
    for username, role, area in wanted:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(actor=actor, username=username, role=role, password=None, area_code=area)
            result.officers += 1
        users[username] = user
    district = (users["synth_district_1"], users["synth_district_2"])
    officers = {"district": dict(zip(DISTRICT_OFFICERS, district, strict=True))}
    for street in streets:
        officers[street.pk] = {
            key: users[f"synth_{street.code[6:9]}_{n}"] for n, key in enumerate(STREET_OFFICERS, start=1)
        }
    return officers


def _eligibility(run) -> dict[tuple[int, str], bool]:
    rows = EvaluationResult.objects.filter(run_policy__run=run).values_list(
        "person_id", "run_policy__policy_id", "eligible"
    )
    return {(person_id, policy_id): eligible for person_id, policy_id, eligible in rows}


def _months_back(today: dt.date, months: int) -> dt.date:
    return month_start(today, -months)


def _import_enrolments(actor: Actor, rows: list[tuple[str, str, dt.date]]) -> int:
    """The legacy system's recipients through the enrolment import (S5): a file, as an operator would."""
    if not rows:
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic-enrolments.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id_number", "policy", "start_month"])
            writer.writerows((id_number, policy, f"{start:%Y-%m}") for id_number, policy, start in rows)
        report = enrolments_import(actor=actor, path=path)
    if report.errors:  # a bug in this module, not bad input: say which row
        raise RuntimeError(f"synthetic enrolments refused: {report.errors[:3]}")
    return report.created


def _received_on(rng: random.Random, route: Route, overdue: bool, today: dt.date) -> dt.date:
    if not route.open:
        return today - dt.timedelta(days=rng.randint(20, 150))
    if route.name == "submitted":  # accepted within 5 working days (S4)
        return today - dt.timedelta(days=rng.randint(12, 30) if overdue else rng.randint(0, 2))
    # decided within 20 working days (plus any publicity period)
    return today - dt.timedelta(days=rng.randint(45, 90) if overdue else rng.randint(2, 14))


def _attach_required(actor: Actor, application: Application) -> None:
    """The policy's required documents, each a small synthetic PDF, uploaded through the documents service
    before an approval: an approval needs them or an override with a reason (S4, G2)."""
    attached = set(application.documents.values_list("requirement", flat=True))
    for required in required_documents(application.policy_id):
        if required["zh"] not in attached:
            upload = SimpleUploadedFile(
                f"{required['zh']}（合成）.pdf", SYNTHETIC_PDF, content_type="application/pdf"
            )
            document_add(actor=actor, application=application, upload=upload, requirement=required["zh"])


def _walk(application: Application, route: Route, officers: dict, district: dict) -> Application:
    for action, who, reason in route.actions:
        actor = district[who] if who in DISTRICT_OFFICERS else officers[who]
        if action == "approve":
            _attach_required(officers["counter"], application)
        application = application_transition(
            actor=actor, application=application, action=action, version=application.version, reason=reason
        )
    return application


def _pick(rng, persons, policies, eligibility, taken, wanted: bool | None) -> tuple[Person, str] | None:
    """A person of ``persons`` and a policy they may apply for (not enrolled, no application yet), that
    they qualify for (``wanted`` True), do not (False), or either (None)."""
    for _attempt in range(60):
        person = rng.choice(persons)
        choices = [
            policy
            for policy in policies
            if (person.pk, policy) not in taken
            and (wanted is None or eligibility.get((person.pk, policy), False) == wanted)
        ]
        if choices:
            return person, rng.choice(choices)
    return None


def _demo_resident(persons: list[Person], eligibility: dict, cash: list[str]) -> tuple[Person, str] | None:
    """The first person of the demo street (by primary key) with a phone who qualifies for a cash policy
    today: paid on the rosters, so the portal has payments to show."""
    for person in persons:
        if person.phone_encrypted is None:
            continue
        for policy in cash:
            if eligibility.get((person.pk, policy)):
                return person, policy
    return None


SYNTHETIC_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"% synthetic document for the demo database\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _temporary(rng, today, persons, officers, district, result: CasesSeed) -> None:
    """Three grants on the spot by the demo street's officer (S3): one awaiting the district's review,
    one whose review is overdue, one confirmed by the district with its documents attached."""
    officer = officers["counter"]
    plans = [("pending", 2), ("overdue", 30), ("confirmed", 20)]
    candidates = list(persons)
    rng.shuffle(candidates)
    for person in candidates:
        if not plans:
            break
        kind, days_ago = plans[0]
        granted_on = today - dt.timedelta(days=days_ago)
        limit = limit_on(granted_on)
        if limit is None:
            return
        try:
            application = temporary_assistance_grant(
                actor=officer,
                person=person,
                amount=Decimal(min(limit[0] // 2, 200000) // 100),
                reason="家中突发火灾，急需生活救助（合成数据） / a fire at home: urgent help (synthetic)",
                received_on=granted_on,
            ).application
        except WorkflowError:  # not eligible that day: the next person
            continue
        plans.pop(0)
        if kind == "confirmed":
            upload = SimpleUploadedFile("火灾证明（合成）.pdf", SYNTHETIC_PDF, content_type="application/pdf")
            document_add(actor=officer, application=application, upload=upload)
            temporary_assistance_review(
                actor=district["decide"],
                application=application,
                version=application.version,
                decision="confirm",
            )
        result.temporary[kind] += 1


def seed_cases(*, actor: Actor, applications: int, seed: int, today: dt.date) -> CasesSeed:
    """Nothing if there are applications already (a demo database is seeded once)."""
    result = CasesSeed()
    if applications <= 0 or Application.objects.unscoped(reason=SEED_READ).exists():
        return result
    with transaction.atomic():
        _seed_cases(actor, applications, seed, today, result)
    return result


def _seed_cases(actor: Actor, applications: int, seed: int, today: dt.date, result: CasesSeed) -> None:
    rng = random.Random(seed)
    people = Person.objects.unscoped(reason=SEED_READ).filter(status="normal").order_by("pk")
    demo_street = Area.objects.filter(code=DEMO_STREET).first()
    others = [
        street
        for street in Area.objects.filter(level=AreaLevel.STREET).exclude(code=DEMO_STREET).order_by("code")
        if people.filter(street=street).exists()
    ][:OTHER_STREETS]
    streets = ([demo_street] if demo_street and people.filter(street=demo_street).exists() else []) + others
    if not streets:
        return
    officers = _officers(streets, result)
    district = officers["district"]

    # Today's eligibility (P2): who qualifies for what; then most of those qualifying for a cash policy
    # receive it already (the legacy system's recipients), the rest are the outreach's (P3).
    run = evaluation.evaluate_registry(today, actor=actor).run
    eligibility = _eligibility(run)
    cash = cash_policy_ids()
    persons_by_street = {street.pk: list(people.filter(street=street)) for street in streets}
    resident = _demo_resident(
        persons_by_street.get(demo_street.pk, []) if demo_street else [], eligibility, cash
    )
    legacy = []
    eligible_cash = sorted(
        (pid, policy) for (pid, policy), ok in eligibility.items() if ok and policy in cash
    )
    for person_id, policy in eligible_cash:
        is_resident = resident is not None and (person_id, policy) == (resident[0].pk, resident[1])
        if is_resident or rng.random() < LEGACY_ENROLLED_SHARE:
            months = 12 if is_resident else rng.randint(ROSTER_MONTHS + 1, 48)
            legacy.append((person_id, policy, _months_back(today, months)))
    ids = dict(
        people.filter(pk__in={person_id for person_id, _policy, _start in legacy}).values_list(
            "pk", "id_number_encrypted"
        )
    )
    result.legacy_enrolments = _import_enrolments(
        actor, [(crypto.decrypt(ids[pid]), policy, start) for pid, policy, start in legacy]
    )
    taken = set(Enrolment.objects.values_list("person_id", "policy_id"))

    # Applications (S4): a route through the workflow each, the first of every route, then by weight;
    # in the demo street (half of them in its first community, the demo community worker's), and some
    # in two other streets.
    policies = sorted(policy.id for policy in person_policies() if policy.id != TEMPORARY_POLICY_ID)
    # The community the demo community worker is given (accounts.demo: the demo street's first).
    first = Area.objects.filter(parent=demo_street).order_by("code").first() if demo_street else None
    demo_community = first.pk if first else None
    weights = [route.weight for route in ROUTES]
    for number in range(applications):
        route = ROUTES[number] if number < len(ROUTES) else rng.choices(ROUTES, weights)[0]
        street = streets[0] if rng.random() < 0.6 or len(streets) == 1 else rng.choice(streets[1:])
        pool = [
            person for person in persons_by_street[street.pk] if resident is None or person != resident[0]
        ]
        picked = None
        if street == demo_street and rng.random() < 0.5:  # the demo community, while it has pairs left
            community = [person for person in pool if person.community_id == demo_community]
            picked = (
                _pick(rng, community, policies, eligibility, taken, route.eligible) if community else None
            )
        picked = picked or _pick(rng, pool, policies, eligibility, taken, route.eligible)
        if picked is None:
            result.skipped += 1
            continue
        person, policy = picked
        taken.add((person.pk, policy))
        overdue = route.open and rng.random() < 0.3
        street_officers = officers[street.pk]
        submission = application_submit(
            actor=street_officers["counter"],
            person=person,
            policy_id=policy,
            channel="online" if rng.random() < 0.3 else "counter",
            received_on=_received_on(rng, route, overdue, today),
        )
        _walk(submission.application, route, street_officers, district)

    # The demo resident (U11): an application in the street's review, lodged online, and the payments
    # of their enrolment on the rosters below.
    if resident is not None:
        person, _paid_policy = resident
        policy = next(
            (p for p in policies if eligibility.get((person.pk, p)) and (person.pk, p) not in taken), None
        )
        if policy is not None:
            taken.add((person.pk, policy))
            application = application_submit(
                actor=officers[demo_street.pk]["counter"],
                person=person,
                policy_id=policy,
                channel="online",
                received_on=today - dt.timedelta(days=4),
                idempotency_key=DEMO_RESIDENT_KEY,
            ).application
            _walk(
                application,
                Route("resident", 0, (ACCEPT, COMMUNITY_REVIEW), None, True),
                officers[demo_street.pk],
                district,
            )
            result.demo_resident = person.id_number_masked

    # Rosters (S5): the last three months, built by one district officer and approved by another.
    for months in range(ROSTER_MONTHS, 0, -1):
        month = _months_back(today, months)
        for policy in cash:
            built = roster_build(actor=district["decide"], policy_id=policy, month=month)
            roster_approve(actor=district["second"], roster=built.roster)
            result.rosters.append((policy, f"{month:%Y-%m}", built.paid, built.total_fen))
    # This month's, as a draft: the roster page opens on it, for a district officer to check and approve.
    for policy in cash:
        roster_build(actor=district["decide"], policy_id=policy, month=month_start(today))

    # Temporary assistance (S3) in the demo street.
    if demo_street is not None and demo_street.pk in officers:
        _temporary(rng, today, persons_by_street[demo_street.pk], officers[demo_street.pk], district, result)

    # Outreach (P3): the run of today's rules after all that gives the tasks; about a third of each
    # street's tasks are answered by its officer (applied, declined, unreachable).
    run = evaluation.evaluate_registry(today, actor=actor).run
    followups.after_run(actor=actor, run=run)
    result.outreach_tasks = OutreachTask.objects.unscoped(reason=SEED_READ).count()
    for street in streets:
        officer = officers[street.pk]["community"]
        tasks = list(open_tasks_for(officer).order_by("pk"))
        for task in tasks[: max(3, len(tasks) // 3)]:
            outcome = rng.choice(("applied", "declined", "unreachable"))
            try:
                outreach_record_outcome(actor=officer, task=task, outcome=outcome, note=NOTE)
            except WorkflowError:
                continue
            result.outreach_answered[outcome] += 1

    counted = Application.objects.unscoped(reason=SEED_READ)
    result.applications = Counter(counted.values_list("state", flat=True))
    result.overdue = (
        counted.filter(state=State.SUBMITTED, accept_by__lt=today).count()
        + counted.filter(
            state__in=[
                State.COMMUNITY_REVIEW,
                State.STREET_REVIEW,
                State.DISTRICT_REVIEW,
                State.APPEAL_REVIEW,
            ],
            decide_by__lt=today,
        ).count()
    )
