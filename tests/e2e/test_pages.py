"""The pages in a real headless Chromium (Debian's chromium and chromedriver, driven by
selenium): sign in as each role, walk the clean day through the tablet flow, see a
refusal, see an alarm reach the dashboard from another session, print the daily report,
open the Rust timeline, decode every QR label, raise an anonymous concern, and check every
page with axe-core. Screenshots go to .build/e2e-screenshots."""
import base64
import json
import pathlib
import shutil
import subprocess
import time

import pytest

from server import ARMORY, ROOT, Server

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# A wait retries while a form post loads a new page: an element found just before may be gone.
STALE = (StaleElementReferenceException,)
from axe_selenium_python import Axe  # noqa: E402

SHOTS = ROOT / ".build" / "e2e-screenshots"
SCENARIOS = ROOT / "scenarios"


def armory(*args, cwd):
    return subprocess.run([ARMORY, *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server holding two productions: `clean` (the clean day's crew, nothing recorded
    yet) and `rust` (the Rust reconstruction, recorded and signed)."""
    folder = tmp_path_factory.mktemp("pages")
    armory("keys", "create", "--name", "armory.example/pages", "-o", "log.key", cwd=folder)
    armory("create", str(SCENARIOS / "clean-day.json"), "--database", "armory.db", "--production", "clean", cwd=folder)
    armory("replay", str(SCENARIOS / "rust-reconstruction.json"), "--record", "armory.db", "--production-id", "rust",
           "--key", "log.key", cwd=folder)
    logins = {}
    for production in ["clean", "rust"]:
        armory("sign-ins", "--database", "armory.db", "--production", production, "-o", f"{production}.txt",
               "--password-cost", "10", cwd=folder)
        logins[production] = {}
        for row in (folder / f"{production}.txt").read_text().splitlines():
            person, roles, password = row.split(" ")
            logins[production][person] = (roles, password)
    err = open(folder / "server.err", "w")
    proc = subprocess.Popen([ARMORY, "serve", "--database", "armory.db", "--key", "log.key", "--port", "0", "--insecure-cookies"],
                            cwd=folder, stdout=subprocess.PIPE, stderr=err, text=True)
    url = proc.stdout.readline().split()[-1]
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield {"url": url, "logins": logins, "folder": folder}
    proc.terminate()
    proc.wait(timeout=15)
    err.close()


def chrome(width=768, height=1024):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"]:
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


@pytest.fixture(scope="module")
def browsers(site):
    """One browser per person (each its own cookies), signed in on first use as
    `production:person`, closed at the end."""
    opened = {}

    def get(key, width=768, height=1024):
        if key not in opened:
            opened[key] = chrome(width, height)
            parts = key.split(":")
            if len(parts) >= 2:
                sign_in(opened[key], site, parts[0], parts[1])
        return opened[key]

    yield get
    for d in opened.values():
        d.quit()


def sign_in(d, site, production, person):
    d.get(f"{site['url']}/p/{production}/sign-in")
    field = d.find_element(By.ID, "person")
    if field.tag_name == "select":
        Select(field).select_by_value(person)
    else:
        # Only a producer's device lists the crew; everyone else types their id.
        field.clear()
        field.send_keys(person)
    d.find_element(By.ID, "password").send_keys(site["logins"][production][person][1])
    d.find_element(By.CSS_SELECTOR, "form button[type=submit].primary").click()
    WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: "/sign-in" not in d.current_url)


def shot(d, name):
    d.save_screenshot(str(SHOTS / f"{name}.png"))


def accessible(d, name):
    """axe-core in the page: no serious or critical violations."""
    axe = Axe(d)
    axe.inject()
    results = axe.run()
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    (SHOTS / f"{name}.axe.json").write_text(json.dumps(results["violations"], indent=1))
    assert not bad, f"{name}: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)


def no_sideways_scroll(d):
    assert d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"


# Every visible control a finger taps, smaller than 44x44 CSS px: links, buttons, fields,
# drop-downs, a disclosure's summary, and a box or radio by the label it sits in.
SMALL_CONTROLS = """
const small = [];
for (const el of document.querySelectorAll('main a, main button, main input, main select, main textarea, main summary, header a, header button')) {
  if (el.type === 'hidden' || el.hidden || el.closest('[hidden]') || el.closest('[aria-hidden=true]')) continue;
  const target = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') ? el.closest('label') : el;
  const r = target.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (r.width < 44 || r.height < 44) small.push(`${el.tagName.toLowerCase()}#${el.id || ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
}
return small;
"""


def test_each_role_signs_in(site, browsers):
    for person, (roles, _) in site["logins"]["clean"].items():
        d = browsers("clean:" + person)
        expected = "/tablet" if roles == "armorer" else "/dashboard"
        assert d.current_url.endswith(expected), (person, d.current_url)
        shot(d, f"signed-in-{roles}-{person}")
        no_sideways_scroll(d)
    accessible(browsers("clean:rosa"), "tablet-empty")
    accessible(browsers("clean:ines"), "dashboard-empty")


def press(d, element):
    """A tap on the element brought to the middle of the screen first, as a finger scrolls to it:
    clear of the Record bar at the bottom and of the live-status banner at the top."""
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def fill(d, step):
    for name, value in step.items():
        if name in ("at", "by", "do"):
            continue
        if isinstance(value, list):
            for box in d.find_elements(By.CSS_SELECTOR, f"input[type=checkbox][name='{name}']"):
                if (box.get_attribute("value") in value) != box.is_selected():
                    press(d, box)
        elif isinstance(value, bool):
            box = d.find_element(By.CSS_SELECTOR, f"input[type=checkbox][name='{name}']")
            if box.is_selected() != value:
                press(d, box)
        else:
            radios = d.find_elements(By.CSS_SELECTOR, f"input[type=radio][name='{name}']")
            if radios:
                press(d, [r for r in radios if r.get_attribute("value") == str(value)][0])
                continue
            field = d.find_element(By.NAME, name)
            if field.tag_name == "select":
                Select(field).select_by_value(str(value))
            else:
                field.clear()
                field.send_keys(str(value))


@pytest.fixture(scope="module")
def walked(site, browsers):
    """The clean day recorded through the tablet, each step by its own person, once for the
    module (the report, labels and refusal tests read what it recorded): for each step, what
    the result page showed beside what the expected file says."""
    scenario = json.loads((SCENARIOS / "clean-day.json").read_text())
    expected = [json.loads(line) for line in (SCENARIOS / "clean-day.expected.jsonl").read_text().splitlines() if line]
    shown = []
    for k, step in enumerate(scenario["steps"]):
        d = browsers("clean:" + step["by"])
        d.get(f"{site['url']}/p/clean/tablet/act/{step['do']}")
        fill(d, step)
        if k == 7:
            shot(d, "tablet-form-safety-meeting")
            accessible(d, "tablet-form")
        d.find_element(By.ID, "record").click()
        outcome = WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "outcome"))
        got = {"outcome": outcome.get_attribute("data-outcome"),
               "rules": [r for r in outcome.get_attribute("data-rules").split(",") if r]}
        shown.append((f"step {k + 1} {step['do']}", got, {"outcome": expected[k]["outcome"], "rules": expected[k]["rules"]}))
    return shown


def test_the_clean_day_walks_through_the_tablet(site, browsers, walked):
    assert len(walked) == len(json.loads((SCENARIOS / "clean-day.json").read_text())["steps"])
    for label, got, want in walked:
        assert got == want, f"{label}: {got}, want {want}"
    shot(browsers("clean:rosa"), "tablet-result-last-step")
    accessible(browsers("clean:rosa"), "tablet-result")
    d = browsers("clean:rosa")
    d.get(f"{site['url']}/p/clean/tablet")
    shot(d, "tablet-after-the-day")
    no_sideways_scroll(d)
    d.get(f"{site['url']}/p/clean/tablet/firearm/colt-2")
    shot(d, "tablet-firearm")
    accessible(d, "tablet-firearm")
    no_sideways_scroll(d)


def test_a_refused_command_shows_the_rule_and_what_to_do(site, browsers, walked):
    d = browsers("clean:eli")
    d.get(f"{site['url']}/p/clean/tablet/act/load?firearm=win-73")
    fill(d, {"lot": "DUM-44", "rounds": 2, "scene": "33"})
    d.find_element(By.ID, "record").click()
    outcome = WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "outcome"))
    assert outcome.get_attribute("data-outcome") == "refused"
    assert "ROLE-2" in outcome.get_attribute("data-rules").split(",")
    text = outcome.text
    assert "What to do" in text and "Traceback" not in text and "error" not in text.lower()
    shot(d, "tablet-refusal")
    accessible(d, "tablet-refusal")


def test_an_alarm_reaches_the_dashboard_from_another_session(site, browsers):
    dash = browsers("clean:ines", 1280, 900)
    dash.get(f"{site['url']}/p/clean/dashboard")
    time.sleep(1)  # the live stream connects
    shot(dash, "dashboard-before-alarm")
    accessible(dash, "dashboard")
    talent = browsers("clean:mae")
    talent.get(f"{site['url']}/p/clean/tablet/act/report_concern")
    fill(talent, {"text": "I saw a round with a primer in the dummies box"})
    talent.find_element(By.ID, "record").click()
    assert WebDriverWait(talent, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "outcome")).get_attribute("data-outcome") == "alarm"
    takeover = WebDriverWait(dash, 5, ignored_exceptions=STALE).until(lambda d: d.find_element(By.CSS_SELECTOR, "#takeover.open"))
    assert "CONCERN-1" in takeover.text and "primer" in takeover.text
    shot(dash, "dashboard-alarm-takeover")
    dash.find_element(By.ID, "takeover-ack").click()
    WebDriverWait(dash, 5, ignored_exceptions=STALE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#takeover.open"))
    WebDriverWait(dash, 5, ignored_exceptions=STALE).until(lambda d: "primer" in d.find_element(By.ID, "live").text)
    shot(dash, "dashboard-after-alarm")


def test_an_alarm_between_a_page_and_its_stream_is_not_missed(site, browsers):
    """The dashboard's live stream starts from the last entry the page shows: an alarm
    recorded after the page was sent, before its stream could connect (here held back by
    blocking it), still takes the screen over once the stream gets through."""
    import requests
    d = browsers("clean:ines:gap", 1280, 900)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/events*"]})
    d.get(f"{site['url']}/p/clean/dashboard")
    WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "live-status").is_displayed())
    seen = int(d.find_element(By.TAG_NAME, "body").get_attribute("data-seen"))
    r = requests.post(f"{site['url']}/api/v1/productions/clean/sign-in", timeout=10,
                      json={"person": "mae", "password": site["logins"]["clean"]["mae"][1]})
    r = requests.post(f"{site['url']}/api/v1/productions/clean/steps", timeout=10, headers={"Authorization": "Bearer " + r.json()["token"]},
                      json={"do": "report_concern", "text": "blanks box left open by the cart"})
    assert r.status_code == 201 and r.json()["index"] > seen
    d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    takeover = WebDriverWait(d, 20, ignored_exceptions=STALE).until(lambda d: d.find_element(By.CSS_SELECTOR, "#takeover.open"))
    assert "blanks box left open" in takeover.text
    WebDriverWait(d, 5, ignored_exceptions=STALE).until(lambda d: not d.find_element(By.ID, "live-status").is_displayed())


def test_the_daily_report_prints(site, browsers, walked):
    d = browsers("clean:raj", 1280, 900)
    d.get(f"{site['url']}/p/clean/dashboard")
    today = d.find_element(By.LINK_TEXT, "Daily report").get_attribute("href").rsplit("/", 1)[-1]
    d.get(f"{site['url']}/p/clean/report/{today}")
    body = d.find_element(By.ID, "main").text
    for part in ["custody chain", "every round", "Safety meetings", "Alarms", "Summary", "Signed checkpoint", "win-73", "colt-2", "DUM-44",
                 "Rosa Diaz (armorer)", "Hand over"]:
        assert part in body, part
    assert "✓" in body and "does not add up" not in body
    assert d.find_elements(By.CSS_SELECTOR, "svg[role=img]"), "the checkpoint's QR code"
    shot(d, "daily-report")
    accessible(d, "daily-report")
    pdf = base64.b64decode(d.print_page())
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (SHOTS / "daily-report.pdf").write_bytes(pdf)


def test_the_rust_timeline_shows_the_chain_of_failures(site, browsers):
    d = browsers("rust:han", 1280, 900)
    d.get(f"{site['url']}/p/rust/timeline/2021-10-21")
    svg = d.find_element(By.ID, "timeline-svg")
    refused = svg.find_elements(By.CSS_SELECTOR, ".mark.refused")
    alarms = svg.find_elements(By.CSS_SELECTOR, ".mark.alarm")
    assert len(refused) >= 4 and len(alarms) >= 2, (len(refused), len(alarms))
    assert "FA-7" in d.find_element(By.ID, "main").text
    shot(d, "timeline-rust")
    accessible(d, "timeline")
    d.get(d.find_element(By.ID, "zoom-in").get_attribute("href"))
    assert int(d.find_element(By.ID, "timeline-svg").get_attribute("width")) > 0
    shot(d, "timeline-rust-zoomed")
    mark = d.find_element(By.CSS_SELECTOR, "#timeline-svg a")
    d.get(site["url"] + d.execute_script("return arguments[0].getAttribute('href')", mark))
    assert "Inclusion proof" in d.find_element(By.ID, "main").text
    assert "armory/rust" in d.find_element(By.CSS_SELECTOR, "pre").text
    shot(d, "entry-with-proof")
    accessible(d, "entry")


def test_every_label_decodes_back_to_its_id(site, browsers, walked):
    d = browsers("clean:rosa:labels", 1400, 1000)
    d.get(f"{site['url']}/p/clean/labels")
    payloads = {e.get_attribute("data-payload") for e in d.find_elements(By.CSS_SELECTOR, ".label")}
    assert payloads == {"armory:clean:firearm:win-73", "armory:clean:firearm:colt-2",
                        "armory:clean:lot:DUM-44", "armory:clean:lot:BLK-45"}
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1400, height + 200)
    path = SHOTS / "labels.png"
    d.save_screenshot(str(path))
    accessible(d, "labels")
    zbar = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True)
    decoded = {line.strip() for line in zbar.stdout.splitlines() if line.strip()}
    assert payloads <= decoded, f"decoded {decoded}, labels {payloads}"


def test_an_anonymous_concern_from_the_poster_page(site, browsers):
    d = browsers("anonymous")
    d.get(f"{site['url']}/p/clean/concern")
    accessible(d, "concern")
    d.find_element(By.ID, "text").send_keys("The first AD is handing out firearms")
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    sent = WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "concern-sent"))
    assert "recorded" in sent.text
    shot(d, "concern-sent")
    assert not d.get_cookies(), "the concern page sets no cookie"
    d.get(f"{site['url']}/p/clean/concern/poster")
    assert d.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    shot(d, "concern-poster")


def test_a_dashboard_says_when_alarms_stop_arriving_and_catches_up(tmp_path, browsers):
    """The server goes away under a first AD's dashboard: the screen says at once that live
    alarms are not reaching it. The server comes back: the dashboard reconnects without a
    new sign-in (sessions outlive a restart) and the alarm raised meanwhile takes it over.
    A stream turned away (here: signed out elsewhere) says so, with a link to sign in."""
    server = Server(tmp_path)
    port = int(server.url.rsplit(":", 1)[1])
    d = browsers("restart-dashboard", 1280, 900)
    try:
        d.get(f"{server.url}/p/demo/sign-in")
        d.find_element(By.ID, "person").send_keys("dee")
        d.find_element(By.ID, "password").send_keys(server.logins["dee"])
        d.find_element(By.CSS_SELECTOR, "form button[type=submit].primary").click()
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: "/sign-in" not in d.current_url)
        d.get(f"{server.url}/p/demo/dashboard")
        ana = server.sign_in("ana")
        time.sleep(1)  # the live stream connects
        status = d.find_element(By.ID, "live-status")
        assert not status.is_displayed()
        # An entry seen, so the browser knows where it was.
        assert server.json("POST", "/api/v1/productions/demo/steps", {"do": "inspect_lot", "lot": "D2", "inspected": 1, "live_found": 0},
                           token=ana)[0] in (201, 409)
        time.sleep(0.5)
        assert server.stop() == 0
        WebDriverWait(d, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "live-status").is_displayed())
        assert "NOT reaching this screen" in d.find_element(By.ID, "live-status").text
        shot(d, "dashboard-live-alarms-lost")
        server = Server(tmp_path, port=port)
        status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "a live round on the cart"},
                                   token=ana)
        assert status == 201 and body["outcome"] == "alarm"
        takeover = WebDriverWait(d, 20, ignored_exceptions=STALE).until(lambda d: d.find_element(By.CSS_SELECTOR, "#takeover.open"))
        assert "CONCERN-1" in takeover.text and "live round on the cart" in takeover.text
        assert not d.find_element(By.ID, "live-status").is_displayed()
        d.find_element(By.ID, "takeover-ack").click()
        # Signed out from elsewhere, then the server restarts: the stream is turned away.
        cookie = d.get_cookie("armory_session")["value"]
        assert server.json("POST", "/api/v1/sign-out", token=cookie)[0] == 204
        assert server.stop() == 0
        server = Server(tmp_path, port=port)
        WebDriverWait(d, 20, ignored_exceptions=STALE).until(lambda d: "turned it away" in d.find_element(By.ID, "live-status").text)
        link = d.find_element(By.CSS_SELECTOR, "#live-status a")
        assert link.get_attribute("href").endswith("/p/demo/sign-in")
        shot(d, "dashboard-live-alarms-turned-away")
        accessible(d, "dashboard-live-status")
    finally:
        server.stop()
