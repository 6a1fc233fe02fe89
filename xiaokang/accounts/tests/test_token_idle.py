"""API tokens expire after an idle period (U11; GB/T 22239-2019 8.1.4.1 c), besides 8 hours after issue."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from xiaokang.accounts.models import ApiToken
from xiaokang.accounts.services import api_token_issue, api_token_user

pytestmark = pytest.mark.django_db


def _persons(token):
    return Client().get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_idle_longer_than_the_setting_is_refused(wang_street_a, settings):
    assert settings.XIAOKANG_API_TOKEN_IDLE_MINUTES == 30
    token = api_token_issue(user=wang_street_a)
    assert _persons(token).status_code == 200
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=31))
    assert _persons(token).status_code == 401


def test_a_never_used_token_idles_from_its_issue(wang_street_a):
    token = api_token_issue(user=wang_street_a)
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert api_token_user(token) is None


def test_each_use_keeps_it_alive_recorded_at_most_once_a_minute(
    wang_street_a, settings, django_assert_num_queries
):
    settings.XIAOKANG_API_TOKEN_IDLE_MINUTES = 5
    token = api_token_issue(user=wang_street_a)
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=4))
    assert api_token_user(token) == wang_street_a  # used within the idle period: recorded now
    used = ApiToken.objects.get().last_used_at
    assert timezone.now() - used < dt.timedelta(seconds=5)
    with django_assert_num_queries(1):  # a second use within the minute: no UPDATE
        assert api_token_user(token) == wang_street_a
    ApiToken.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=4, seconds=59))
    assert api_token_user(token) == wang_street_a
