"""The evidence an application is decided on (S4, P2, G2): the documents its policy requires against
the documents attached, so that an approval is never made with a required document missing unless the
officer says so explicitly (``services.application_transition``: the override and its reason are
recorded in the timeline and the audit trail).

A policy declares its required documents as data in its rule file (``how_to_apply.documents``, the same
list the policy guide prints under "Documents to bring"); an attached document says which of them it is
by the requirement's Chinese name (``ApplicationDocument.requirement``)."""

from __future__ import annotations

from dataclasses import dataclass

from xiaokang.cases.models import Application, ApplicationDocument
from xiaokang.policies.engine.loader import policies


@dataclass(frozen=True)
class RequiredDocument:
    """One document the policy requires, with the attached files that are it."""

    zh: str
    en: str
    attached: tuple[ApplicationDocument, ...] = ()

    @property
    def missing(self) -> bool:
        return not self.attached


def required_documents(policy_id: str) -> list[dict]:
    """The policy file's required documents, ``[{"zh": …, "en": …}]`` (none for an unknown policy)."""
    policy = policies().get(policy_id)
    if policy is None:
        return []
    documents = (policy.how_to_apply or {}).get("documents") or []
    return [
        {"zh": str(document.get("zh", "")), "en": str(document.get("en") or document.get("zh", ""))}
        for document in documents
        if isinstance(document, dict) and document.get("zh")
    ]


def document_checklist(
    application: Application, documents: list[ApplicationDocument] | None = None
) -> list[RequiredDocument]:
    """Every required document of ``application``'s policy with the files attached as it (``documents``:
    the application's documents when the caller already read them)."""
    if documents is None:
        # .all() uses the documents a caller prefetched (the dashboard's queue): no query per row.
        documents = sorted(application.documents.all(), key=lambda document: document.pk)
    return [
        RequiredDocument(
            required["zh"],
            required["en"],
            tuple(document for document in documents if document.requirement == required["zh"]),
        )
        for required in required_documents(application.policy_id)
    ]


def missing_documents(application: Application) -> list[RequiredDocument]:
    """The required documents of ``application`` that no attached file is."""
    return [required for required in document_checklist(application) if required.missing]
