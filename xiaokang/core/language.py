"""The page's language, for code that chooses between the Chinese and English form of a text (policy
names, bilingual service messages)."""

from __future__ import annotations

from django.utils.translation import get_language


def is_chinese() -> bool:
    """True when the request's language is Chinese (the default, zh-hans)."""
    return (get_language() or "zh-hans").lower().startswith("zh")


def in_page_language(message: str) -> str:
    """Service messages are "中文 / English": the half in the page's language."""
    if " / " not in message:
        return message
    zh, en = message.split(" / ", 1)
    return zh if is_chinese() else en
