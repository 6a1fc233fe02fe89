"""The API under /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).
Routers live with their apps (accounts/api.py, registry/api.py); each app declares where they are
mounted on its AppConfig (``api_mounts``, core/mounts.py) and they are added here in that order;
docs/api.md describes every endpoint.

Every error a caller can cause answers JSON with a ``detail`` (401, 403, 404, 422, 400), never a page or
a traceback; programming errors are not caught here (Django's 500 page, no traceback outside DEBUG)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from xiaokang.accounts.api import ROLE_REFUSED, TOKEN_REQUIRED, DetailOut, TokenAuth
from xiaokang.core.mounts import api_mounts
from xiaokang.registry.importing.columns import BY_FIELD

NOT_FOUND = "未找到 / not found"
BAD_BODY = "请求正文不是有效的 JSON / the request body is not valid JSON"


class Utf8JSONRenderer(JSONRenderer):
    # Chinese as it is, not \uXXXX escapes: the answers are read by people testing with curl too.
    json_dumps_params = {"ensure_ascii": False}


def _ref(name: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


class XiaokangAPI(NinjaAPI):
    """The OpenAPI document also lists the answers the framework itself gives on every operation, so a
    client (and the schema fuzzer, tests/fuzz) can rely on it listing every status code the API sends:
    400 for a body that is not JSON, 422 for parameters or a body the schemas refuse (the handler below),
    401 for a missing or expired token on every operation that needs one."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("DetailOut", DetailOut.model_json_schema())
        components.setdefault("ValidationErrorOut", _validation_error_schema(components))
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                # Ninja keys the codes by int: as strings, so that a code is listed once in the JSON
                # (a duplicate key is invalid for stricter parsers: Swagger UI's refused the document).
                for code in [code for code in responses if not isinstance(code, str)]:
                    responses[str(code)] = responses.pop(code)
                has_body = "requestBody" in operation
                if has_body:
                    responses.setdefault("400", {"description": "Bad Request", **_ref("DetailOut")})
                if has_body or operation.get("parameters"):
                    responses.setdefault(
                        "422", {"description": "Unprocessable Entity", **_ref("ValidationErrorOut")}
                    )
                if operation.get("security"):
                    responses.setdefault("401", {"description": "Unauthorized", **_ref("DetailOut")})
        return schema


def _validation_error_schema(components: dict) -> dict:
    """``{"detail": [{"field", "column", "message"}]}``: the shape of every 422 (``_invalid`` below)."""
    components.setdefault(
        "FieldError",
        {
            "type": "object",
            "title": "FieldError",
            "properties": {
                name: {"type": "string", "title": name.title()} for name in ("field", "column", "message")
            },
            "required": ["field", "column", "message"],
        },
    )
    return {
        "type": "object",
        "title": "ValidationErrorOut",
        "properties": {
            "detail": {
                "type": "array",
                "title": "Detail",
                "items": {"$ref": "#/components/schemas/FieldError"},
            }
        },
        "required": ["detail"],
    }


api = XiaokangAPI(
    title="Xiaokang API",
    version="1",
    description="Haidian District disabled-persons registry (小康). See docs/api.md.",
    urls_namespace="api",
    # Deny by default: an endpoint that names no capability (and is not auth=None) lets nobody in.
    auth=TokenAuth(),
    renderer=Utf8JSONRenderer(),
    # Swagger UI from ninja's own static files (ninja is in INSTALLED_APPS): no CDN. Its default
    # validator badge would fetch https://validator.swagger.io/: switched off, nothing leaves the site.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
for mount in api_mounts():
    api.add_router(mount.prefix, import_string(mount.router), tags=list(mount.tags) if mount.tags else None)


# ---------------------------------------------------------------------------------------------------
# Errors


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = TOKEN_REQUIRED if exc.message == "Unauthorized" else exc.message
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    message = ROLE_REFUSED if exc.message == "Forbidden" else exc.message
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for a person out of the caller's area and one that does not exist (no existence leak).
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = BAD_BODY if exc.message.startswith("Cannot parse request body") else exc.message
    return api.create_response(request, {"detail": message}, status=exc.status_code)


# pydantic's error types → bilingual messages (the rest keep pydantic's English message).
_MESSAGES = {
    "missing": "必填 / required",
    "extra_forbidden": "未知字段 / unknown field",
    "int_parsing": "应为整数 / expected an integer",
    "int_type": "应为整数 / expected an integer",
    "int_from_float": "应为整数 / expected an integer",
    "string_type": "应为文本 / expected text",
    "string_pattern_mismatch": "格式不对 / wrong format",
    "model_attributes_type": "应为 JSON 对象 / expected a JSON object",
    "dict_type": "应为 JSON 对象 / expected a JSON object",
}


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')} / must be at most {ctx.get('le')}"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')} / must be at least {ctx.get('ge')}"
    if kind == "string_too_long":
        return f"过长 / too long (at most {ctx.get('max_length')} characters)"
    return _MESSAGES.get(kind) or f"值无效 / invalid value: {error.get('msg', '')}"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Input the schemas refuse, in the same shape as the import's own errors (services.person_save):
    ``{"detail": [{"field", "column", "message"}]}``, one entry per field."""
    detail: list[dict] = []
    seen: set[str] = set()
    for error in exc.errors:
        # loc = (source, [parameter name,] field, …): ("query", "limit"), ("body", "payload", "grade").
        loc = [str(part) for part in error.get("loc", ())]
        path = loc[1:]
        if loc[:1] == ["body"] and path[:1] in (["payload"], ["query"]):
            path = path[1:]
        field = path[0] if path else (loc[0] if loc else "body")
        if field in seen:
            continue
        seen.add(field)
        column = BY_FIELD[field].zh if field in BY_FIELD else field
        detail.append({"field": field, "column": column, "message": _message(error)})
    return api.create_response(request, {"detail": detail}, status=422)


# Any other path under /api/v1/ answers a JSON 404 rather than the site's HTML page. Added last, so every
# real route is matched first.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def _no_such_endpoint(request: HttpRequest, rest: str):
    raise Http404


api.add_router("", _fallback)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 (``handler404`` in config/urls.py): under /api/ the API's JSON answer even for a path
    no route can match (Django's resolver does not match a line break or other control characters, so
    the fallback router above never sees ``/api/v1/persons/%0A``); elsewhere the site's own page."""
    if request.path.startswith("/api/"):
        return api.create_response(request, {"detail": NOT_FOUND}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
