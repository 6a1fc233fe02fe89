"""API authentication (U11): a bearer token for a username, a password and, for an account with a second
factor, the current TOTP code (``otp``); and the bearer check every other endpoint runs. Login security is
the pages' (accounts.services.login_check): 5 failures lock a username for 15 minutes whatever the client
address, a client address that keeps failing is throttled (429), and every attempt is audited."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from xiaokang.accounts.actors import SystemActor
from xiaokang.accounts.forms import client_address
from xiaokang.accounts.models import User
from xiaokang.accounts.services import (
    API_TOKEN_HOURS,
    LOCKOUT_MINUTES,
    LoginRefused,
    LoginThrottled,
    TokenRefused,
    api_token_sign_in,
    api_token_user,
)
from xiaokang.audit.services import log_action
from xiaokang.core.capabilities import can

# The same answer for an unknown username and a wrong password: a caller cannot probe for usernames.
INVALID_CREDENTIALS = "用户名或密码错误 / wrong username or password"
LOCKED = (
    f"失败次数过多，该用户名已锁定 {LOCKOUT_MINUTES} 分钟 / "
    f"too many failed attempts: this username is locked for {LOCKOUT_MINUTES} minutes"
)
TOKEN_REQUIRED = "需要有效的令牌 / a valid bearer token is required (missing, invalid or expired)"  # noqa: S105
ROLE_REFUSED = "您的角色无权使用此接口 / your role may not use this endpoint"
OTP_REQUIRED = (
    "需要动态口令：请在 otp 中提供身份验证器当前显示的 6 位数字 / "
    "a one-time code is required: send the 6 digits your authenticator app shows now as otp "
    "(a code is accepted once)"
)
ENROL_FIRST = (
    "该账号须先在网页登录时设置第二因素（动态口令） / "
    "this account must first set up its second factor (sign in on the web pages once)"
)


def throttled_response(retry_after: int) -> JsonResponse:
    response = JsonResponse(
        {
            "detail": f"该网络地址登录失败次数过多，请 {retry_after} 秒后重试 / "
            f"too many failed sign-ins from your address: retry in {retry_after} seconds"
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


# A password someone else set must be changed on the change-password page first (GB/T 22239-2019 8.1.4.1).
PASSWORD_CHANGE_REQUIRED = (
    "请先登录网页修改密码 / change your password first: sign in to the web pages (/staff/password/)"  # noqa: S105
)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``, and the caller must have ``capability`` (core.capabilities). Deny
    by default: without a capability nobody passes, so an endpoint is open only to the roles it names.

    A missing, unknown or expired token answers 401; a valid token of another role answers 403."""

    def __init__(self, capability: str | None = None):
        self.capability = capability
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(token)
        # Every refused access is audited (U11; GB/T 22239-2019 8.1.4.3): a token that opens nothing, and a
        # role that may not use the endpoint. The token itself never enters the trail.
        if user is None:
            log_action(
                SystemActor("api"),
                "api.token_refused",
                object_type="api",
                object_id=request.path[:64],
            )
            return None
        if user.must_change_password:
            log_action(user, "api.token_refused", object_type="api", object_id=request.path[:64])
            raise AuthorizationError(message=PASSWORD_CHANGE_REQUIRED)
        if self.capability is None or not can(user, self.capability):
            log_action(user, "access.denied", object_type="api", object_id=request.path[:64])
            raise AuthorizationError(message=ROLE_REFUSED)
        return user


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None  # the current TOTP code; required for an account with a second factor


class TokenOut(Schema):
    token: str


class DetailOut(Schema):
    detail: str


router = Router(tags=["authentication"])


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: DetailOut, 403: DetailOut, 429: DetailOut},
    summary="Get a bearer token",
    description=(
        f"A bearer token for the account, valid {API_TOKEN_HOURS} hours and refused after "
        "XIAOKANG_API_TOKEN_IDLE_MINUTES (default 30) minutes unused; send it as "
        "`Authorization: Bearer <token>`. An account with a second factor sends the current "
        "6-digit TOTP code as `otp` (each code is accepted once). Five failed attempts (passwords or "
        f"codes) for one username lock it for {LOCKOUT_MINUTES} minutes, whatever the client address; "
        "a client address that keeps failing waits longer and longer (429 with Retry-After). "
        "Every attempt is audited. An account whose password was set by someone else gets 403 until "
        "its user changes it on the web pages."
    ),
)
def token(request: HttpRequest, payload: TokenIn):
    try:
        issued = api_token_sign_in(
            request=request,
            username=payload.username,
            password=payload.password,
            otp=payload.otp,
            throttle_address=client_address(request),  # login throttling per address (U11)
        )
    except LoginThrottled as throttled:
        return throttled_response(throttled.retry_after)
    except LoginRefused as refused:
        raise AuthenticationError(message=LOCKED if refused.locked else INVALID_CREDENTIALS) from None
    except TokenRefused as refused:
        if refused.why == "password_change":
            raise AuthorizationError(message=PASSWORD_CHANGE_REQUIRED) from None
        answer = {"enrol": ENROL_FIRST, "locked": LOCKED}.get(refused.why, OTP_REQUIRED)
        raise AuthenticationError(message=answer) from None
    return {"token": issued}
