"""Application documents (S4): attachments checked by content, stored outside the database,
read back only through the application's scope gate, every upload and download audited."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xiaokang.accounts.actors import Actor, actor_label
from xiaokang.audit.services import log_action
from xiaokang.cases.evidence import required_documents
from xiaokang.cases.models import Application, ApplicationDocument
from xiaokang.cases.services import WorkflowError
from xiaokang.core.bilingual import Message

# The type is what the bytes say, never the file name: (magic prefix, content type, extension).
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


UNKNOWN_TYPE = "application/octet-stream"


def download_name(name: str, extension: str | None) -> str:
    """The file name a download gets (U11): the uploaded name up to its first dot, then the extension
    of the type the bytes say (``x.pdf.html`` holding a PDF downloads as ``x.pdf``); no extension when
    the type is unknown (``.bin``)."""
    stem = Path(name or "").name.split(".", 1)[0].strip() or "document"
    return f"{stem}.{extension or 'bin'}"


def documents_dir() -> Path:
    return Path(settings.XIAOKANG_DOCUMENTS_DIR)


def document_add(
    *, actor: Actor, application: Application, upload, requirement: str = ""
) -> ApplicationDocument:
    """Store ``upload`` (a Django UploadedFile) for ``application`` (already let through the gate);
    ``requirement``: which of the policy's required documents it is (its Chinese name), or empty."""
    limit = settings.XIAOKANG_DOCUMENT_MAX_BYTES
    requirement = (requirement or "").strip()
    if requirement and requirement not in {d["zh"] for d in required_documents(application.policy_id)}:
        raise WorkflowError(
            "invalid",
            f"“{requirement[:50]}”不是此政策要求的材料 / not a document this policy requires",
            "requirement",
        )
    if upload.size == 0:
        raise WorkflowError("invalid", "文件为空 / the file is empty", "file")
    if upload.size > limit:
        raise WorkflowError(
            "invalid",
            f"文件超过 {limit // (1024 * 1024)} MB / the file is larger than {limit // (1024 * 1024)} MB",
            "file",
        )
    chunks = upload.chunks()
    first = next(chunks, b"")
    kind = sniff(first[:16])
    if kind is None:
        raise WorkflowError(
            "invalid", "只接受PDF、JPEG或PNG文件 / only PDF, JPEG or PNG files are accepted", "file"
        )
    content_type, extension = kind
    today = timezone.localdate()
    relative = Path(f"{today:%Y}") / f"{uuid.uuid4().hex}.{extension}"
    target = documents_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = target.with_suffix(".part")
    size = 0
    try:
        with open(partial, "wb") as handle:
            for chunk in (first, *chunks):
                size += len(chunk)
                if size > limit:
                    raise WorkflowError("invalid", "文件过大 / the file is too large", "file")
                digest.update(chunk)
                handle.write(chunk)
        os.replace(partial, target)
        with transaction.atomic():
            document = ApplicationDocument.objects.create(
                application=application,
                name=Path(upload.name or "document").name[:200],
                requirement=requirement,
                content_type=content_type,
                size=size,
                sha256=digest.hexdigest(),
                path=str(relative),
                uploaded_by=actor if getattr(actor, "pk", None) else None,
                uploaded_by_label=actor_label(actor),
            )
            log_action(
                actor,
                "document.upload",
                object_type="application",
                object_id=application.number,
                person_id=application.person_id,
                details={
                    "document": document.pk,
                    "type": content_type,
                    "size": size,
                    **({"requirement": requirement} if requirement else {}),
                },
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        if target.exists() and not ApplicationDocument.objects.filter(path=str(relative)).exists():
            target.unlink(missing_ok=True)
        raise
    return document


def documents_add(
    *, actor: Actor, application: Application, uploads, requirement: str = ""
) -> list[ApplicationDocument]:
    """Store several uploads for ``application``, all or none, inside the caller's transaction (an online
    application and its documents are recorded together, S4). On a refused file the files
    already written by this call are removed (their rows roll back with the caller's transaction) and the
    WorkflowError names the file."""
    stored: list[ApplicationDocument] = []
    try:
        for upload in uploads:
            try:
                stored.append(
                    document_add(actor=actor, application=application, upload=upload, requirement=requirement)
                )
            except WorkflowError as error:
                name = Path(upload.name or "document").name
                said = Message.parse(error.message)
                bilingual = said.zh != said.en  # a message without its English half keeps one name
                message = (
                    Message(f"{name}：{said.zh}", f"{name}: {said.en}") if bilingual else f"{name}: {said.zh}"
                )
                raise WorkflowError(error.kind, message, error.field) from None
    except BaseException:
        for document in stored:
            (documents_dir() / document.path).unlink(missing_ok=True)
        raise
    return stored


def document_open(*, actor: Actor, document: ApplicationDocument):
    """The stored file, opened for reading; the download is audited. ``document`` belongs to an
    application the caller read through the gate. See ``document_download`` for the type and name."""
    log_action(
        actor,
        "document.download",
        object_type="application",
        object_id=document.application.number,
        person_id=document.application.person_id,
        details={"document": document.pk},
    )
    return open(documents_dir() / document.path, "rb")


def document_download(*, actor: Actor, document: ApplicationDocument) -> tuple[object, str, str]:
    """The stored file opened for reading (audited, as ``document_open``), with the content type and
    file name its bytes imply, sniffed again at download (U11; GB/T 22239-2019 8.1.4.4): never the name
    or type the uploader claimed, and ``application/octet-stream`` with a ``.bin`` name for content that
    is not PDF, JPEG or PNG (a file altered on disk, a record from before the check)."""
    handle = document_open(actor=actor, document=document)
    try:
        head = handle.read(16)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    kind = sniff(head)
    content_type, extension = kind if kind else (UNKNOWN_TYPE, None)
    return handle, content_type, download_name(document.name, extension)
