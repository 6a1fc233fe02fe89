"""The simulated users of bench/load_bench.py (read that file's docstring). Staff sign in through the login
page and work on their own street; residents use the public portal without an account. Each simulated
user connects from a loopback address of its own so per-client limits see distinct clients."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# Every request as (time it ended, name, milliseconds, failed), written when the test stops, with the
# moment the last user was started: bench/load_bench.py computes the percentiles from them.
RECORDS: list[tuple[float, str, float, bool]] = []
SPAWNED: list[float] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    RECORDS.append((time.time(), f"{request_type} {name}", response_time, exception is not None))


@events.spawning_complete.add_listener
def _spawned(user_count, **kwargs):
    SPAWNED.append(time.time())


@events.test_stop.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["XIAOKANG_LOAD_RECORDS"], "w", encoding="utf-8") as out:
        json.dump({"spawned": SPAWNED[:1], "records": RECORDS}, out)


PLAN = json.loads(open(os.environ["XIAOKANG_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
_STAFF = itertools.count()
_CLIENTS = itertools.count(2)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="action" value="accept">\s*<input type="hidden" name="version" value="(\d+)"')
SCREENER_ANSWERS = [
    {"age": "45", "category": "肢体", "grade": "一级", "hukou": "本市城镇", "economic_status": "低保"},
    {"age": "12", "category": "听力", "grade": "二级", "hukou": "本市农业", "economic_status": "一般"},
    {"age": "70", "category": "视力", "grade": "四级", "hukou": "本市城镇", "economic_status": "低收入"},
]


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address (127.0.x.y): a distinct client as the server sees it."""

    def __init__(self, address: str):
        self.address = address
        # A GET on a kept-alive connection the server has just closed is sent again once, as a browser
        # does; a POST never is.
        super().__init__(max_retries=Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"}))

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def _own_address(user: HttpUser) -> None:
    n = next(_CLIENTS)
    user.client.mount("http://", SourceAddressAdapter(f"127.0.{n // 250}.{n % 250 + 2}"))


def _csrf(response) -> str:
    match = CSRF.search(response.text)
    return match.group(1) if match else ""


class Staff(HttpUser):
    weight = 3
    wait_time = between(2, 5)

    def on_start(self):
        _own_address(self)
        self.account = PLAN["staff"][next(_STAFF) % len(PLAN["staff"])]
        self.applications = list(self.account["applications"])
        self.next_transition = time.monotonic() + random.uniform(0, 60)
        form = self.client.get("/login/", name="/login/")
        self.client.post(
            "/login/",
            {
                "username": self.account["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": _csrf(form),
            },
            name="/login/ (POST)",
        )

    def _maybe_transition(self):
        """One step on an application of this officer's street a minute (accept, the counter's step)."""
        if time.monotonic() < self.next_transition or not self.applications:
            return
        self.next_transition += 60
        pk = self.applications.pop()
        page = self.client.get(f"/staff/applications/{pk}/", name="/staff/applications/[id]/")
        version = VERSION.search(page.text)
        if version is None:
            return
        with self.client.post(
            f"/staff/applications/{pk}/transition/",
            {
                "action": "accept",
                "version": version.group(1),
                "reason": "",
                "csrfmiddlewaretoken": _csrf(page),
            },
            name="/staff/applications/[id]/transition/",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code in (302, 303):
                response.success()
            else:
                response.failure(f"transition answered {response.status_code}")

    @task(4)
    def search(self):
        prefix = random.choice(self.account["name_prefixes"] or ["王"])
        self.client.get("/staff/persons/", params={"name": prefix}, name="/staff/persons/?name=")
        self._maybe_transition()

    @task(4)
    def person_page(self):
        pk = random.choice(self.account["person_ids"])
        self.client.get(f"/staff/persons/{pk}/", name="/staff/persons/[id]/")
        self._maybe_transition()

    @task(1)
    def work_queue(self):
        self.client.get("/staff/applications/", name="/staff/applications/")
        self._maybe_transition()


class Resident(HttpUser):
    weight = 1
    wait_time = between(3, 8)

    def on_start(self):
        _own_address(self)

    @task(2)
    def home_and_guide(self):
        self.client.get("/", name="/")
        self.client.get("/policies/", name="/policies/")

    @task(3)
    def screener(self):
        self.client.get("/screener/", params=random.choice(SCREENER_ANSWERS), name="/screener/?…")

    @task(1)
    def status_lookup(self):
        form = self.client.get("/status/", name="/status/")
        number = random.choice(PLAN["application_numbers"] or ["SQ000000000000"])
        self.client.post(
            "/status/",
            {
                "number": number,
                "id_tail": f"{random.randrange(10**6):06d}",
                "csrfmiddlewaretoken": _csrf(form),
            },
            name="/status/ (POST)",
        )
