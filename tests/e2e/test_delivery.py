"""Alarms reach people who are not looking at a screen, through real peers started here: a
webhook receiver that checks each body's HMAC, an SMTP server (aiosmtpd), and a stand-in
push service that checks the VAPID token and decrypts each message with http_ece. Each kind
of alarm reaches each channel; an unanswered alarm is escalated after a period the policy
shortened; an answer stops escalation; a failing receiver is retried; bad input is a 400
naming the field."""
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request

import pytest

from peers import MailServer, WebhookReceiver
from server import ARMORY, ROOT

SECRET = "a-webhook-secret-for-the-tests-0123456789"
PEOPLE = [
    {"id": "ana", "name": "Ana Ortiz", "roles": ["armorer"]},
    {"id": "ben", "name": "Ben Cole", "roles": ["talent"]},
    {"id": "dee", "name": "Dee Park", "roles": ["first_ad"]},
    {"id": "pat", "name": "Pat Lee", "roles": ["producer"]},
    {"id": "sol", "name": "Sol Grant", "roles": ["safety"]},
    {"id": "cy", "name": "Cy Moss", "roles": ["crew"]},
]


def armory(*args, cwd):
    return subprocess.run([ARMORY, *args], cwd=cwd, check=True, capture_output=True, text=True)


class Site:
    def __init__(self, folder, hook, mail):
        self.folder = folder
        (folder / "secret").write_text(SECRET + "\n")
        (folder / "crew.json").write_text(json.dumps({
            "production": {"title": "Delivery drill", "timezone": "UTC"}, "people": PEOPLE,
            "policy": {"alarm_escalation_min": 0.05}, "steps": []}))
        armory("keys", "create", "--name", "armory.example/delivery", "-o", "log.key", cwd=folder)
        armory("create", "crew.json", "--database", "armory.db", "--production", "drill", cwd=folder)
        armory("sign-ins", "--database", "armory.db", "--production", "drill", "-o", "logins.txt", "--password-cost", "10", cwd=folder)
        self.logins = {row.split(" ")[0]: row.split(" ")[2] for row in (folder / "logins.txt").read_text().splitlines()}
        self.args = [ARMORY, "serve", "--database", "armory.db", "--key", "log.key", "--port", "0", "--insecure-cookies",
                     "--webhook", hook.url, "--webhook-secret-file", "secret", "--smtp", f"127.0.0.1:{mail.port}",
                     "--smtp-from", "armory@drill.example", "--public-url", "https://armory.drill.example"]
        self.start()

    def start(self):
        self.err = open(self.folder / "server.err", "a")
        self.proc = subprocess.Popen(self.args, cwd=self.folder, stdout=subprocess.PIPE, stderr=self.err, text=True,
                                     env={**os.environ, "ARMORY_METRICS_TOKEN": "drill-metrics-token"})
        self.url = self.proc.stdout.readline().split()[-1]
        self.tokens = {}

    def stop(self, kill=False):
        (self.proc.kill if kill else self.proc.terminate)()
        self.proc.wait(timeout=15)
        self.err.close()

    def call(self, method, path, body=None, person=None):
        if person and person not in self.tokens:
            self.tokens[person] = self.call("POST", "/api/v1/productions/drill/sign-in",
                                            {"person": person, "password": self.logins[person]})[1]["token"]
        req = urllib.request.Request(self.url + path, method=method, data=None if body is None else json.dumps(body).encode())
        req.add_header("Content-Type", "application/json")
        if person:
            req.add_header("Authorization", "Bearer " + self.tokens[person])
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def step(self, person, step):
        status, body = self.call("POST", "/api/v1/productions/drill/steps", step, person)
        assert status in (201, 409), (status, body)
        return body


@pytest.fixture(scope="module")
def peers():
    hook, mail = WebhookReceiver(SECRET), MailServer()
    stub = subprocess.Popen([sys.executable, str(ROOT / "tests" / "delivery" / "push_stub.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    push = json.loads(stub.stdout.readline())
    yield hook, mail, push
    hook.close()
    mail.close()
    stub.stdin.close()
    stub.wait(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory, peers):
    hook, mail, _ = peers
    s = Site(tmp_path_factory.mktemp("delivery"), hook, mail)
    for person in ["pat", "sol", "cy", "ana"]:
        status, body = s.call("POST", f"/api/v1/productions/drill/people/{person}/contacts",
                              {"channel": "email", "address": f"{person}@drill.example"}, "pat")
        assert status == 201, body
    yield s
    s.stop()


def received_pushes(push):
    with urllib.request.urlopen(push["origin"] + "/received", timeout=10) as r:
        return json.loads(r.read())


def test_a_concern_reaches_producers_and_safety_on_every_channel(site, peers):
    hook, mail, push = peers
    # sol's phone subscribes (what the page's Notify this phone sends).
    status, body = site.call("POST", "/api/v1/productions/drill/people/sol/contacts", {"channel": "push", "subscription": push["subscription"]}, "sol")
    assert status == 201, body
    raised = site.step("cy", {"do": "report_concern", "text": "the gun cart was left open by stage 4"})
    index = raised["index"]
    # The webhook: Alertmanager's format, version 4, signed; the fingerprint is the delivery's key.
    found = hook.wait_for(lambda a: a["labels"]["production"] == "drill" and a["generatorURL"].endswith(f"/entry/{index}"))
    assert found, hook.alerts()
    alert, key = found[0]
    body = next(b for b, k in hook.bodies if k == key)
    assert body["version"] == "4" and body["status"] == "firing" and body["receiver"] and body["externalURL"] == "https://armory.drill.example"
    assert {"groupLabels", "commonLabels", "commonAnnotations", "alerts"} <= set(body)
    assert alert["labels"]["rule"] == "CONCERN-1" and alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["entry_url"] == f"https://armory.drill.example/p/drill/entry/{index}"
    assert alert["fingerprint"] == key and key.startswith(f"drill/{index}/0/webhook/webhook/")
    assert alert["startsAt"].endswith("Z") or "+" in alert["startsAt"] or alert["startsAt"][-6] == "-"
    assert hook.bad_signatures == 0
    # E-mail: producers and safety, with a link to the entry; not the crew member for a concern.
    for person in ["pat", "sol"]:
        got = mail.wait_for(f"{person}@drill.example", lambda t: f"/p/drill/entry/{index}" in t)
        assert got, f"no e-mail to {person}: {mail.messages}"
        assert "armory@drill.example" == got[0][0] and "CONCERN-1" in got[0][2]
    time.sleep(1)
    assert not [m for m in mail.to("cy@drill.example") if f"/entry/{index}" in m[2]]
    # Push: sol's phone, decrypted by http_ece, the VAPID token checked by cryptography.
    deadline = time.time() + 20
    while time.time() < deadline:
        pushes = [r for r in received_pushes(push) if f"/entry/{index}" in r.get("plaintext", "")]
        if pushes:
            break
        time.sleep(0.2)
    assert pushes, received_pushes(push)
    note = json.loads(pushes[0]["plaintext"])
    assert note["url"].endswith(f"/p/drill/entry/{index}") and "CONCERN-1" in note["title"]
    # What happened to each delivery is readable.
    status, deliveries = site.call("GET", f"/api/v1/productions/drill/alarms/{index}/deliveries", None, "pat")
    assert status == 200 and {(d["recipient"], d["channel"]) for d in deliveries} >= {("pat", "email"), ("sol", "email"), ("sol", "push"), ("webhook", "webhook")}
    deadline = time.time() + 10
    while time.time() < deadline and not all(d["state"] == "delivered" for d in deliveries if d["round"] == 0):
        time.sleep(0.2)
        deliveries = site.call("GET", f"/api/v1/productions/drill/alarms/{index}/deliveries", None, "pat")[1]
    assert all(d["state"] == "delivered" for d in deliveries if d["round"] == 0), deliveries


def test_a_live_round_goes_to_everyone_with_a_role_at_once(site, peers):
    hook, mail, _ = peers
    raised = site.step("ana", {"do": "receive_ammo", "lot": "LIVE-1", "kind": "live", "count": 5})
    index = raised["index"]
    assert "AMMO-1" in raised["rules"]
    for person in ["pat", "sol", "cy", "ana"]:
        assert mail.wait_for(f"{person}@drill.example", lambda t: f"/p/drill/entry/{index}" in t), person
    found = hook.wait_for(lambda a: a["generatorURL"].endswith(f"/entry/{index}"))
    assert found and found[0][0]["labels"]["severity"] == "critical" and found[0][0]["labels"]["lot"] == "LIVE-1"


def test_an_unanswered_alarm_is_escalated_until_it_is_answered(site, peers):
    hook, mail, _ = peers
    raised = site.step("cy", {"do": "report_concern", "text": "nobody is answering"})
    index = raised["index"]
    # The policy shortened the period to 3 seconds: the first escalation reaches pat and the webhook.
    assert mail.wait_for("pat@drill.example", lambda t: f"/entry/{index}" in t and "escalation 1" in t, timeout=30)
    assert hook.wait_for(lambda a: a["generatorURL"].endswith(f"/entry/{index}") and a["labels"]["escalation"] == "1", timeout=30)
    # pat answers it: no round after the one being sent now.
    status, body = site.call("POST", "/api/v1/productions/drill/steps", {"do": "acknowledge", "alarm": index}, "pat")
    assert status == 201, body
    time.sleep(1.5)
    before = max(int(a["labels"]["escalation"]) for a, _ in hook.alerts() if a["generatorURL"].endswith(f"/entry/{index}"))
    time.sleep(8)
    after = max(int(a["labels"]["escalation"]) for a, _ in hook.alerts() if a["generatorURL"].endswith(f"/entry/{index}"))
    assert after == before, f"escalated after the answer: round {before} then {after}"


def test_a_failing_receiver_is_retried_and_recording_never_waits(site, peers):
    hook, _, _ = peers
    # (Escalations of the earlier alarms, unanswered, may meet some of these failures too.)
    hook.fail_next(2)
    started = time.time()
    raised = site.step("cy", {"do": "report_concern", "text": "the receiver is down"})
    assert time.time() - started < 2, "recording waited for delivery"
    index = raised["index"]
    assert hook.wait_for(lambda a: a["generatorURL"].endswith(f"/entry/{index}"), timeout=40)
    # The receiver has it; the worker writes what its attempts came to a moment later (in batches).
    deadline = time.time() + 10
    while True:
        status, deliveries = site.call("GET", f"/api/v1/productions/drill/alarms/{index}/deliveries", None, "pat")
        webhook = [d for d in deliveries if d["channel"] == "webhook" and d["round"] == 0]
        if (webhook and webhook[0]["state"] == "delivered") or time.time() > deadline:
            break
        time.sleep(0.1)
    assert webhook and webhook[0]["state"] == "delivered" and webhook[0]["attempts"] >= 2, webhook


@pytest.mark.parametrize("body, field", [
    ({"channel": "email", "address": "not-an-address"}, "address"),
    ({"channel": "email", "address": "a@b c.example"}, "address"),
    ({"channel": "pager", "address": "x"}, "channel"),
    ({"channel": "push", "subscription": {"endpoint": "ftp://push.example/x", "keys": {"p256dh": "x", "auth": "y"}}}, "subscription.endpoint"),
    ({"channel": "push", "subscription": {"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}}, "subscription.keys.p256dh"),
    ({"channel": "email", "address": "x@y.example", "extra": 1}, "extra"),
])
def test_a_bad_contact_is_a_400_naming_the_field(site, body, field):
    status, answer = site.call("POST", "/api/v1/productions/drill/people/pat/contacts", body, "pat")
    assert status == 400 and answer["field"] == field, (status, answer)


@pytest.mark.parametrize("url", ["ftp://hooks.example/x", "javascript:alert(1)", "https://user:pw@hooks.example/", "not a url", "https://" + "h" * 3000])
def test_a_bad_webhook_is_a_400_naming_the_url(site, url):
    status, answer = site.call("POST", "/api/v1/productions/drill/webhooks", {"url": url}, "pat")
    assert status == 400 and answer["field"] == "url", (status, answer)


def test_only_the_person_or_a_producer_edits_contacts_and_only_producers_webhooks(site):
    assert site.call("POST", "/api/v1/productions/drill/people/pat/contacts", {"channel": "email", "address": "x@y.example"}, "cy")[0] == 403
    assert site.call("POST", "/api/v1/productions/drill/people/cy/contacts", {"channel": "email", "address": "cy2@drill.example"}, "cy")[0] == 201
    assert site.call("POST", "/api/v1/productions/drill/webhooks", {"url": "https://hooks.example/x"}, "sol")[0] == 403
    status, body = site.call("POST", "/api/v1/productions/drill/webhooks", {"url": "https://hooks.example/drill"}, "pat")
    assert status == 201 and len(body["secret"]) >= 32
    listed = site.call("GET", "/api/v1/productions/drill/webhooks", None, "pat")[1]
    assert all("secret" not in h for h in listed) and {h["scope"] for h in listed} == {"server", "production"}
    assert site.call("DELETE", f"/api/v1/productions/drill/webhooks/{body['id']}", None, "pat")[0] == 204


def test_the_pages_show_where_alarms_go_and_what_became_of_them(site, peers):
    """The crew page: one's own e-mail added, a webhook added with its secret shown once, the
    phone button; the dashboard: each open alarm's deliveries and a failing one; the report:
    delivered and escalated per alarm."""
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from test_pages import SHOTS, STALE, accessible, chrome, shot
    SHOTS.mkdir(parents=True, exist_ok=True)
    hook, mail, _ = peers
    # A webhook no one listens on: its deliveries keep failing, and the dashboard says so.
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    status, _ = site.call("POST", "/api/v1/productions/drill/webhooks", {"url": f"http://127.0.0.1:{dead}/gone"}, "pat")
    assert status == 201
    raised = site.step("cy", {"do": "report_concern", "text": "shown on the dashboard"})
    index = raised["index"]
    assert mail.wait_for("pat@drill.example", lambda t: f"/entry/{index}" in t)
    d = chrome(1280, 900)
    try:
        d.get(f"{site.url}/p/drill/sign-in")
        field = d.find_element(By.ID, "person")
        if field.tag_name == "select":
            Select(field).select_by_value("pat")
        else:
            field.send_keys("pat")
        d.find_element(By.ID, "password").send_keys(site.logins["pat"])
        d.find_element(By.CSS_SELECTOR, "form button[type=submit].primary").click()
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: "/sign-in" not in d.current_url)
        d.get(f"{site.url}/p/drill/dashboard")
        line = WebDriverWait(d, 20, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, f"delivered-{index}") if d.find_elements(By.ID, f"delivered-{index}") else None)
        deadline = time.time() + 20
        while "pat (e-mail" not in d.find_element(By.ID, f"delivered-{index}").text and time.time() < deadline:
            time.sleep(0.5)
            d.refresh()
        assert "pat (e-mail" in d.find_element(By.ID, f"delivered-{index}").text
        deadline = time.time() + 30
        while "failing since" not in d.find_element(By.ID, f"alarm-{index}").text and time.time() < deadline:
            time.sleep(1)
            d.refresh()
        card = d.find_element(By.ID, f"alarm-{index}").text
        assert "webhook to webhook failing since" in card and "refused" in card.lower(), card
        shot(d, "delivery-dashboard")
        # The crew page: pat adds a second address of her own; a webhook's secret is shown once.
        d.get(f"{site.url}/p/drill/crew")
        assert d.find_element(By.ID, "alarm-contacts")
        assert not d.find_elements(By.ID, "no-smtp"), "a server with --smtp says it sends no e-mail"
        d.find_element(By.ID, "my-email").send_keys("pat.office@drill.example")
        page = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "#add-my-email button").click()
        WebDriverWait(d, 10).until(staleness_of(page))
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: "pat.office@drill.example" in d.find_element(By.ID, "my-contacts").text)
        d.find_element(By.ID, "webhook-url").send_keys("https://hooks.drill.example/on-call")
        page = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "#add-webhook button").click()
        WebDriverWait(d, 10).until(staleness_of(page))
        secret = WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "secret") if d.find_elements(By.ID, "secret") else None).text
        assert len(secret) >= 32 and secret not in d.find_element(By.ID, "webhooks").text
        assert d.find_element(By.ID, "notify-phone").is_displayed(), "a browser with push is offered Notify this phone"
        shot(d, "delivery-crew-page")
        accessible(d, "delivery-crew-page")
        d.get(f"{site.url}/p/drill/crew")
        assert not d.find_elements(By.ID, "secret"), "the secret is shown once"
        # A bad address on the page: the page says which.
        d.find_element(By.ID, "my-email").send_keys("no-at-sign")
        d.execute_script("document.getElementById('my-email').type = 'text'")
        page = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "#add-my-email button").click()
        WebDriverWait(d, 10).until(staleness_of(page))
        assert "not an e-mail address" in WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "crew-error")).text
        # The report: delivered and escalated, per alarm.
        day = json.loads(urllib.request.urlopen(urllib.request.Request(f"{site.url}/api/v1/productions/drill/entries/{index}",
                                                headers={"Authorization": "Bearer " + site.tokens["pat"]})).read())["at"][:10]
        d.get(f"{site.url}/p/drill/report/{day}")
        row = d.find_element(By.ID, f"report-alarm-{index}").text
        assert "delivered to" in row and "pat" in row, row
    finally:
        d.quit()


def test_the_metrics_count_deliveries_and_the_outbox(site):
    req = urllib.request.Request(site.url + "/metrics", headers={"Authorization": "Bearer drill-metrics-token"})
    text = urllib.request.urlopen(req, timeout=10).read().decode()
    assert 'armory_deliveries_total{channel="webhook",outcome="delivered"}' in text, text[:2000]
    assert 'armory_deliveries_total{channel="email",outcome="delivered"}' in text
    assert "armory_outbox_pending" in text and "armory_outbox_oldest_age_seconds" in text
