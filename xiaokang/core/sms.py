"""Text messages to a phone (U11: a portal account proves control of the phone the registry holds for
the person, GB/T 22239-2019 8.1.4.1; PIPL art. 51). docs/portal-accounts.md.

One interface, ``SmsSender.send(phone, text)``, and the backend named by ``XIAOKANG_SMS_BACKEND``:

- ``console`` (development): the message is printed and appended to ``DATA_DIR/sms/outbox.txt``, so a
  developer reads the code there; never in production (the code would sit in a log).
- ``locmem`` (tests): the message is appended to ``outbox`` in this module.
- ``http``: a POST of JSON ``{"to": phone, "text": text}`` to ``XIAOKANG_SMS_GATEWAY_URL`` with
  ``Authorization: Bearer XIAOKANG_SMS_GATEWAY_TOKEN``, within ``XIAOKANG_SMS_TIMEOUT`` seconds; any
  answer but 2xx, a timeout or a refused connection is an ``SmsError``.
- ``disabled``: no SMS at all (``available()`` is False): residents verify with an office code.

The sender raises ``SmsError`` (never anything else) when the message could not be handed over; the
caller tells the user to try later and records it in the audit trail (this module is below the audit
layer and records nothing itself). The phone number and the text are never written to the logs."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(RuntimeError):
    """The message could not be handed to the gateway; ``reason`` is short, for the audit trail."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class Message:
    phone: str
    text: str


# The locmem backend's messages, oldest first (tests read and clear it).
outbox: list[Message] = []


class LocmemSender:
    def send(self, phone: str, text: str) -> None:
        outbox.append(Message(phone, text))


class ConsoleSender:
    """Development: stdout and ``DATA_DIR/sms/outbox.txt`` (created with mode 0600)."""

    def send(self, phone: str, text: str) -> None:
        line = f"{timezone.now().isoformat(timespec='seconds')} to {phone}: {text}"
        print(f"SMS (console backend) {line}", file=sys.stdout, flush=True)
        try:
            path = Path(settings.DATA_DIR) / "sms" / "outbox.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as error:
            raise SmsError(f"console outbox: {error.__class__.__name__}") from None


class HttpGatewaySender:
    def __init__(self, url: str, token: str, timeout: float):
        if not url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("XIAOKANG_SMS_GATEWAY_URL must be an http(s) address")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"gateway unreachable: {error.__class__.__name__}") from None
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")


BACKENDS = {"console": ConsoleSender, "locmem": LocmemSender}


def available() -> bool:
    return settings.XIAOKANG_SMS_BACKEND != "disabled"


def get_sender() -> SmsSender:
    name = settings.XIAOKANG_SMS_BACKEND
    if name == "http":
        return HttpGatewaySender(
            settings.XIAOKANG_SMS_GATEWAY_URL or "",
            settings.XIAOKANG_SMS_GATEWAY_TOKEN or "",
            float(settings.XIAOKANG_SMS_TIMEOUT),
        )
    if name in BACKENDS:
        return BACKENDS[name]()
    if name == "disabled":
        raise SmsError("SMS is disabled")
    return import_string(name)()


def send(phone: str, text: str) -> None:
    """Send ``text`` to ``phone`` with the configured backend, or SmsError."""
    get_sender().send(phone, text)
