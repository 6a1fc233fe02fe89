"""The page's language, for code that chooses between the Chinese and English form of a text (policy
names, bilingual service messages)."""

from __future__ import annotations

from django.utils.translation import get_language


def is_chinese() -> bool:
    """True when the request's language is Chinese (the default, zh-hans)."""
    return (get_language() or "zh-hans").lower().startswith("zh")


def in_page_language(message) -> str:
    """Service messages are "中文 / English" (or a ``core.bilingual.Message``): the half in the page's
    language."""
    from xiaokang.core.bilingual import Message

    return Message.parse(message).local
