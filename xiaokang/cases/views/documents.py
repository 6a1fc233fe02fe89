"""An application's documents (S4): attaching a PDF, JPEG or PNG (its type read from its content), and
downloading one (audited; type and name from the stored bytes, U11). The application comes through
``application_for`` (404 out of scope, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaokang.cases.documents import document_add, document_download
from xiaokang.cases.selectors import application_document as document_of
from xiaokang.cases.selectors import application_for
from xiaokang.cases.services import WorkflowError
from xiaokang.cases.views.applications import render_detail
from xiaokang.cases.views.common import see_other
from xiaokang.core.capabilities import requires
from xiaokang.core.language import in_page_language


@require_POST
@requires("application.read")
def application_document_upload(request, pk: int):
    """Attach a PDF, JPEG or PNG (its type read from its content) to an application in the user's area."""
    application = application_for(request.user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        return render_detail(request, application, status=422, document_error=_("Choose a file to attach."))
    try:
        document = document_add(
            actor=request.user,
            application=application,
            upload=upload,
            requirement=request.POST.get("requirement", "")[:100],
        )
    except WorkflowError as error:
        return render_detail(request, application, status=422, document_error=in_page_language(error.message))
    messages.success(request, _("%(name)s has been attached.") % {"name": document.name})
    return see_other(reverse("application-detail", args=[application.pk]) + "#documents")


@require_GET
@requires("application.read")
def application_document(request, pk: int, document_pk: int):
    """A document of an application in the user's area (404 otherwise, audited); the download is
    audited too."""
    application = application_for(request.user, pk)
    document = document_of(application, document_pk)
    # Type and name from the stored bytes, never from the upload's name (U11): always an attachment.
    handle, content_type, filename = document_download(actor=request.user, document=document)
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
