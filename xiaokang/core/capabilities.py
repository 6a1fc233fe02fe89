"""One capability table: who may do what (U11; GB/T 22239-2019 8.1.4.2: deny by default, least privilege).

Each app declares what can be done in it, once, in ``xiaokang/<app>/permissions.py``::

    CAPABILITIES = {"transfer.decide": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}}

and registers it from its ``AppConfig.ready()`` (``capabilities.register(self.label, CAPABILITIES)``).
Views, services, API handlers, templates, the menu and the access-matrix test then ask this table and
nothing else: ``@requires("transfer.decide")`` on a view, ``require(actor, "transfer.decide")`` or
``can(actor, …)`` in a service, ``TokenAuth("transfer.request")`` on an API router,
``{% if user|can:"transfer.decide" %}`` in a template.

core imports no app (layers: core ← audit ← accounts ← …), so roles are plain strings here; the values of
``accounts.models.Role`` are those strings. Area scoping (which rows) is not a capability: that is
``accounts.actors.scope_of``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps

from django.core.exceptions import ImproperlyConfigured, PermissionDenied

_TABLE: dict[str, frozenset[str]] = {}
_OWNER: dict[str, str] = {}
# Who records a refused page (the audit app registers it: core cannot import audit). U11, 8.1.4.3.
_REFUSAL_RECORDERS: list[Callable[..., None]] = []


class UnknownCapabilityError(LookupError):
    """A capability name nobody registered: a programming error (a typo), never a silent "no"."""


def register(app_label: str, capabilities: Mapping[str, Iterable[str]]) -> None:
    """Add ``app_label``'s capabilities. A name already registered (by this or another app) raises: one
    name, one decision, one owner."""
    for name, roles in capabilities.items():
        if name in _TABLE:
            raise ImproperlyConfigured(
                f"capability {name!r} of {app_label} is already registered by {_OWNER[name]}"
            )
        role_values = frozenset(getattr(role, "value", role) for role in roles)
        if not role_values or not all(isinstance(role, str) and role for role in role_values):
            raise ImproperlyConfigured(f"capability {name!r} of {app_label} needs role names")
        _TABLE[name] = role_values
        _OWNER[name] = app_label


def roles_for(name: str) -> frozenset[str]:
    try:
        return _TABLE[name]
    except KeyError:
        raise UnknownCapabilityError(f"unknown capability {name!r}") from None


def owner_of(name: str) -> str:
    roles_for(name)
    return _OWNER[name]


def all_capabilities() -> dict[str, frozenset[str]]:
    """Every registered capability → its roles, sorted by name (the docs' table, the tests)."""
    return dict(sorted(_TABLE.items()))


def can(actor, name: str) -> bool:
    """May ``actor`` (a User, a SystemActor, an ApplicantActor, an anonymous user) do ``name``? An
    unknown name raises; an inactive or anonymous actor may do nothing."""
    roles = roles_for(name)
    if actor is None or not getattr(actor, "is_active", True):
        return False
    if not getattr(actor, "is_authenticated", True):
        return False
    return getattr(actor, "role", None) in roles


def require(actor, name: str) -> None:
    """The services' form: ``PermissionDenied`` unless ``actor`` may do ``name``."""
    if not can(actor, name):
        raise PermissionDenied(name)


def register_refusal_recorder(recorder: Callable[..., None]) -> None:
    """``recorder(request, *, person_id, details)`` is called for every page refused by ``requires`` or
    ``refuse`` (the audit app registers the one that writes ``access.denied``)."""
    if recorder not in _REFUSAL_RECORDERS:
        _REFUSAL_RECORDERS.append(recorder)


def refuse(request, *, person_id: int | str | None = None, **details) -> None:
    """403, recorded (U11; GB/T 22239-2019 8.1.4.3: "every refused access"). For a check inside a view
    (a page that needs a second capability for one option, e.g. the full export)."""
    for recorder in _REFUSAL_RECORDERS:
        recorder(request, person_id=person_id, details=details)
    raise PermissionDenied


def check(request, name: str, *, person_id: int | str | None = None, **details) -> None:
    """Inside a view: refuse (403, recorded) unless the signed-in user may do ``name``."""
    if not can(request.user, name):
        refuse(request, person_id=person_id, **details)


def requires(name: str, *, person_kwarg: str | None = None):
    """View decorator: signed in (else to the login page), ``no-store``, and ``name`` (else 403, recorded
    with the url name as the page). Put it inside the method check (``require_POST`` …): a method a page
    does not take is 405 for everyone. ``person_kwarg`` names the URL argument that is a person's id,
    recorded with the refusal. An unknown name raises at the first request (and in the access-matrix test)."""
    from django.contrib.auth.decorators import login_required
    from django.views.decorators.cache import never_cache

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not can(request.user, name):
                refuse(request, person_id=kwargs.get(person_kwarg) if person_kwarg else None)
            return view(request, *args, **kwargs)

        guarded.capability = name
        return never_cache(login_required(guarded))

    return decorator


def markdown_table() -> str:
    """The table of docs/architecture/capabilities.md (tests/test_capabilities.py keeps the two equal)."""
    lines = ["| capability | declared by | roles |", "|---|---|---|"]
    for name, roles in all_capabilities().items():
        lines.append(f"| `{name}` | {_OWNER[name]} | {', '.join(sorted(roles))} |")
    return "\n".join(lines) + "\n"
