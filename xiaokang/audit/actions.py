"""What the audit list says instead of codes (U11; the issue's "no raw application.approve"): a translated
label for every action the code base records, a translated name for every object type, and the links
from an event to its object.

``ACTION_LABELS``: every action code → what happened, in the page's language. A test
(audit/tests/test_action_labels.py) reads the source for the codes given to the audit calls and fails
when one has no label here, naming its file and line: add the label with the action.

``OBJECT_LINKS``: object type → the page that shows one object (URL name, the capability it needs, and
whether the event's ``object_id`` is that page's key). The audit app is the lowest app (ARCHITECTURE
rule 3): it names the pages as strings and reverses them when the list is drawn; a link is drawn only
when the viewer holds the capability (the auditor reads no personal data, 三权分立, so for the auditor
the object's own events in the trail are the link, always offered). A test reverses every URL name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from xiaokang.core.capabilities import can

ACTION_LABELS = {
    "2fa.accepted": _("Second factor code accepted"),
    "2fa.enrol_refused": _("Second factor not set up: wrong code"),
    "2fa.enrolled": _("Second factor set up"),
    "2fa.enrolment_code_accepted": _("Enrolment code accepted"),
    "2fa.enrolment_code_issued": _("Enrolment code for a second factor issued"),
    "2fa.enrolment_code_refused": _("Enrolment code refused"),
    "2fa.recovery_used": _("Recovery code used"),
    "2fa.refused": _("Second factor code refused"),
    "2fa.replay_refused": _("Second factor code refused: already used"),
    "2fa.required": _("API token refused: second factor not set up"),
    "2fa.reset": _("Second factor reset"),
    "access.denied": _("Access refused"),
    "account.create": _("Account created"),
    "account.password_change": _("Own password changed"),
    "account.password_change_refused": _("Password change refused: wrong current password"),
    "account.password_set": _("Password set by the security administrator"),
    "account.unlock": _("Account unlocked"),
    "account.update": _("Account changed"),
    "alert.bulk_read": _("Alert: stopped for reading too many person records"),
    "api.token": _("API token issued"),
    "api.token_refused": _("API token refused"),
    "applicant.link": _("Portal account linked to a registry person"),
    "applicant.login.failure": _("Portal sign-in failed"),
    "applicant.login.locked": _("Portal sign-in refused: account locked"),
    "applicant.login.success": _("Signed in to the portal"),
    "applicant.logout": _("Signed out of the portal"),
    "applicant.office_code.issue": _("Office verification code issued"),
    "applicant.register": _("Portal account registered"),
    "applicant.unlink": _("Portal account unlinked from its person"),
    "applicant.verify.failure": _("Portal verification code refused"),
    "applicant.verify.sms_failed": _("Verification text message not sent"),
    "applicant.verify.sms_limited": _("Verification text message refused: too many"),
    "applicant.verify.sms_sent": _("Verification text message sent"),
    "application.accept": _("Application accepted"),
    "application.appeal": _("Appeal recorded"),
    "application.approve": _("Application approved"),
    "application.enrol": _("Applicant enrolled"),
    "application.export": _("Applications exported"),
    "application.forward": _("Application forwarded"),
    "application.grant": _("Temporary assistance granted on the spot"),
    "application.list": _("Applications listed"),
    "application.reject": _("Application rejected"),
    "application.return": _("Application returned (not accepted)"),
    "application.send_back": _("Application sent back"),
    "application.status_lookup": _("Application status looked up on the portal"),
    "application.submit": _("Application received"),
    "application.view": _("Application viewed"),
    "audit.protect": _("Audit trail protection installed"),
    "audit.export": _("Audit trail exported"),
    "audit.verify": _("Audit chain verified"),
    "audit.view": _("Audit trail viewed"),
    "declaration.approve": _("Declaration approved"),
    "declaration.conflict_resolve": _("Conflict between declarations resolved"),
    "declaration.correct": _("Declaration corrected"),
    "declaration.export": _("Declarations exported"),
    "declaration.list": _("Declarations listed"),
    "declaration.recheck": _("Declaration checked again against the registry"),
    "declaration.submit": _("Declaration submitted"),
    "declaration.view": _("Declaration viewed"),
    "document.download": _("Document downloaded"),
    "document.upload": _("Document uploaded"),
    "employer.create": _("Employer created"),
    "employer.export": _("Employers exported"),
    "employer.import": _("Employers imported"),
    "employer.seed": _("Synthetic employers added"),
    "employer.update": _("Employer changed"),
    "enrolment.import": _("Enrolments imported"),
    "enrolment.reinstate": _("Enrolment reinstated"),
    "enrolment.review": _("Enrolments suspended for review"),
    "enrolment.terminate": _("Enrolment terminated"),
    "grant.approve": _("Role change approved"),
    "grant.propose": _("Role change proposed"),
    "grant.refused": _("Role change refused"),
    "grant.reject": _("Role change rejected"),
    "interpreting.book": _("Interpretation booked"),
    "interpreting.cancel": _("Interpretation booking cancelled"),
    "interpreting.confirm": _("Interpretation booking confirmed"),
    "interpreting.details": _("Interpretation booking changed"),
    "interpreting.export": _("Interpretation bookings exported"),
    "interpreting.interpreter.create": _("Interpreter added"),
    "interpreting.interpreter.update": _("Interpreter changed"),
    "interpreting.list": _("Interpretation bookings listed"),
    "interpreting.reassign": _("Interpretation booking given to another interpreter"),
    "interpreting.reveal": _("Requester's contact details shown"),
    "interpreting.slot.withdraw": _("Interpretation time withdrawn"),
    "interpreting.slots.add": _("Interpretation times added"),
    "interpreting.view": _("Interpretation booking viewed"),
    "login.failure": _("Failed sign-in"),
    "login.flood": _("Failed sign-ins from an address (summary)"),
    "login.locked": _("Sign-in refused: user name locked"),
    "login.password": _("Password accepted, second factor next"),
    "login.success": _("Signed in"),
    "login.throttled": _("Sign-ins refused from an address: too many failures"),
    "member_units.export": _("Member units exported"),
    "outreach.create": _("Outreach tasks created"),
    "outreach.export": _("Outreach tasks exported"),
    "outreach.list": _("Outreach tasks listed"),
    "outreach.outcome": _("Outreach answer recorded"),
    "person.create": _("Person created"),
    "person.eligibility": _("Person's eligibility read"),
    "person.export": _("Person list exported"),
    "person.list": _("Persons listed"),
    "person.reveal": _("Full ID number shown"),
    "person.search": _("Persons searched"),
    "person.update": _("Person changed"),
    "person.view": _("Person viewed"),
    "policy.evaluate": _("Policies evaluated for the registry"),
    "registry.export": _("Persons exported"),
    "registry.form": _("Person saved from the form"),
    "registry.import": _("Persons imported"),
    "registry.out_of_area": _("Rows refused: outside the importer's area"),
    "registry.out_of_area_limited": _("Rows refused outside the importer's area (summary)"),
    "registry.quality": _("Data-quality report viewed"),
    "registry.quality_export": _("Data-quality report downloaded"),
    "registry.seed": _("Synthetic persons added"),
    "review.list": _("Reviews listed"),
    "roster.approve": _("Roster approved"),
    "roster.build": _("Roster built"),
    "roster.export": _("Roster downloaded"),
    "roster.list": _("Rosters listed"),
    "system.backup": _("Backup made"),
    "system.restore": _("Backup restored"),
    "temporary.list": _("Temporary assistance listed"),
    "temporary_assistance.confirm": _("Temporary assistance confirmed by the district"),
    "temporary_assistance.grant": _("Temporary assistance granted"),
    "temporary_assistance.reject": _("Temporary assistance rejected by the district"),
    "transfer.approve": _("Transfer approved"),
    "transfer.cancel": _("Transfer request withdrawn"),
    "transfer.reject": _("Transfer rejected"),
    "transfer.request": _("Transfer to another street requested"),
}

OBJECT_LABELS = {
    "api": _("API"),
    "applicant": _("Portal account"),
    "application": _("Application"),
    "audit": _("Audit trail"),
    "backup": _("Backup"),
    "booking": _("Interpretation booking"),
    "client": _("Client address"),
    "declaration": _("Declaration"),
    "document": _("Document"),
    "employer": _("Employer"),
    "enrolment": _("Enrolment"),
    "evaluation_run": _("Evaluation run"),
    "file": _("File"),
    "interpreter": _("Interpreter"),
    "member_units": _("Member units"),
    "outreach": _("Outreach task"),
    "page": _("Page"),
    "person": _("Person"),
    "review": _("Review"),
    "role_grant": _("Role change"),
    "roster": _("Roster"),
    "slot": _("Interpretation time"),
    "temporary": _("Temporary assistance"),
    "transfer": _("Transfer"),
    "user": _("Account"),
}


@dataclass(frozen=True)
class ObjectLink:
    url_name: str  # reversed with the event's object_id as ``pk``
    capability: str  # the viewer must hold it to be offered the link


# Pages keyed by the id the events record (object_id is the row's primary key for these types).
OBJECT_LINKS = {
    "person": ObjectLink("person-detail", "person.read"),
    "declaration": ObjectLink("declaration-detail", "declaration.read"),
    "employer": ObjectLink("employer-detail", "employer.read"),
    "booking": ObjectLink("interpreting-booking-detail", "interpreting.manage"),
    "user": ObjectLink("account-edit", "account.manage"),
}


def action_label(action: str) -> str:
    """The action in words; an action without a label (an old event) is shown by its code."""
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label else object_type


def object_page(viewer, object_type: str, object_id: str) -> str | None:
    """The address of the page showing the event's object, when there is one and ``viewer`` may open
    it; None otherwise. The page itself still checks scope (a link is not access)."""
    link = OBJECT_LINKS.get(object_type)
    if link is None or not str(object_id).isdigit() or not can(viewer, link.capability):
        return None
    try:
        return reverse(link.url_name, kwargs={"pk": int(object_id)})
    except NoReverseMatch:
        return None


def object_events(object_type: str, object_id: str) -> str:
    """The audit list filtered to one object's events (offered to every viewer of the trail)."""
    return reverse("audit-list") + "?" + urlencode({"object_type": object_type, "object_id": object_id})
