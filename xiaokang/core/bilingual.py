"""One bilingual message type (ARCHITECTURE rule 7: a message a person can cause is in Chinese and
English). ``Message(zh, en)`` is what services raise and reports carry; ``str()`` gives the
"中文 / English" form the CLI, the API and the import reports have always shown; a page shows the half
in its own language (``{{ message.local }}`` in a template, ``in_page_language`` in Python).

Plain Python apart from the page-language lookup, which is imported when it is used: the Django-free
policy engine may build messages too (``import-linter``: "Policy engine is Django-free").

A message written once in English can take its Chinese from the translation catalogue
(``Message.from_catalogue(gettext_noop("…"))``): ``makemessages`` collects the English, the Chinese is
written in ``locale/zh_Hans/LC_MESSAGES/django.po``, and ``str()`` still reads "中文 / English"."""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = " / "


@dataclass(frozen=True)
class Message:
    """Chinese and English together. ``zh`` is empty for a catalogue message until it is read."""

    zh: str
    en: str
    catalogue: bool = False  # zh comes from the zh_Hans catalogue entry for ``en``

    @classmethod
    def from_catalogue(cls, en: str) -> Message:
        """A message whose Chinese is the catalogue's translation of ``en`` (mark ``en`` with
        ``gettext_noop`` so that makemessages collects it)."""
        return cls("", en, catalogue=True)

    @classmethod
    def parse(cls, text: str | Message) -> Message:
        """ "中文 / English" → Message("中文", "English"), to read one half (``local``); a text without
        the separator is both halves (a name, a number: the same in either language)."""
        if isinstance(text, Message):
            return text
        text = str(text)
        if SEPARATOR not in text:
            return cls(text, text)
        zh, en = text.split(SEPARATOR, 1)
        return cls(zh, en)

    @property
    def chinese(self) -> str:
        if not self.catalogue:
            return self.zh
        from django.utils import translation

        with translation.override("zh-hans"):
            return translation.gettext(self.en)

    @property
    def local(self) -> str:
        """The half in the page's (the request's) language."""
        from xiaokang.core.language import is_chinese

        return self.chinese if is_chinese() else self.en

    def format(self, **values) -> Message:
        """Both halves with ``{name}`` placeholders filled in."""
        return Message(self.chinese.format(**values), self.en.format(**values))

    def __str__(self) -> str:
        return f"{self.chinese}{SEPARATOR}{self.en}"


def bilingual(zh: str, en: str) -> str:
    """ "中文 / English" as text, for code that stores or compares the joined form (polars frames of
    import errors, JSON reports)."""
    return str(Message(zh, en))


def in_page_language(message: str | Message) -> str:
    """A "中文 / English" text or a Message: the half in the page's language."""
    return Message.parse(message).local
