"""Helpers of the staff-list tests (core.listing): a signed-in client with English pages, the rows of a
downloaded xlsx."""

from __future__ import annotations

import io

import openpyxl
from django.test import Client


def client_for(user) -> Client:
    """A test client signed in as ``user``, the pages in English."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def xlsx_rows(content: bytes) -> list[tuple]:
    """Every row of the workbook's first sheet, header first, as tuples of cell values."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def download(response) -> bytes:
    """The body of a FileResponse (streamed) or an HttpResponse."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
