"""The crew page and answered alarms in a real headless Chromium at 768x1024 (a tablet):
a producer adds a day player and issues a PIN and the day player signs in with it; a
40-row call sheet (a BOM, quoted commas, Korean names) is previewed, then imported; a bad
sheet shows the line at fault and records nothing; an alarm acknowledged from the
dashboard takeover appears, answered, in the daily report. axe-core checks each page."""
import json
import time

import pytest
import requests

from test_pages import ROOT, SCENARIOS, SHOTS, SMALL_CONTROLS, STALE, accessible, armory, chrome, shot, sign_in

selenium = pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

HEADER = "id,name,roles,permit,permit_expires,training,training_expires"


@pytest.fixture(scope="module")
def crew_site(tmp_path_factory):
    """A server holding `crew`: the day-player example's crew (ines the producer, raj
    safety, rosa the armorer, tom first AD, eli talent) under require_credentials."""
    import subprocess
    from server import ARMORY
    folder = tmp_path_factory.mktemp("crew-pages")
    armory("keys", "create", "--name", "armory.example/crew-pages", "-o", "log.key", cwd=folder)
    armory("create", str(SCENARIOS / "day-player.json"), "--database", "armory.db", "--production", "crew", cwd=folder)
    armory("sign-ins", "--database", "armory.db", "--production", "crew", "-o", "crew.txt", "--password-cost", "10", cwd=folder)
    logins = {}
    for row in (folder / "crew.txt").read_text().splitlines():
        person, roles, password = row.split(" ")
        logins[person] = (roles, password)
    err = open(folder / "server.err", "w")
    proc = subprocess.Popen([ARMORY, "serve", "--database", "armory.db", "--key", "log.key", "--port", "0", "--insecure-cookies"],
                            cwd=folder, stdout=subprocess.PIPE, stderr=err, text=True)
    url = proc.stdout.readline().split()[-1]
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield {"url": url, "logins": {"crew": logins}, "folder": folder}
    proc.terminate()
    proc.wait(timeout=15)
    err.close()


@pytest.fixture(scope="module")
def ines(crew_site):
    d = chrome(768, 1024)
    sign_in(d, crew_site, "crew", "ines")
    yield d
    d.quit()


def entries(site):
    token = requests.post(f"{site['url']}/api/v1/productions/crew/sign-in", timeout=10,
                          json={"person": "raj", "password": site["logins"]["crew"]["raj"][1]}).json()["token"]
    r = requests.get(f"{site['url']}/api/v1/productions/crew", headers={"Authorization": "Bearer " + token}, timeout=10)
    return r.json()["entries"]


def test_a_producer_adds_a_day_player_and_issues_a_pin_and_the_day_player_signs_in(crew_site, ines):
    url = crew_site["url"]
    ines.get(f"{url}/p/crew/crew")
    accessible(ines, "crew-page")
    started = time.monotonic()
    ines.find_element(By.ID, "add-day-player").click()
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_elements(By.ID, "f-person"))
    ines.find_element(By.ID, "f-person").send_keys("jun")
    ines.find_element(By.ID, "f-name").send_keys("Jun Seo")
    ines.find_element(By.CSS_SELECTOR, "input[name=roles][value=talent]").click()
    ines.find_element(By.ID, "f-credentials-training-number").send_keys("SB1-44120")
    ines.execute_script("document.getElementById('f-credentials-training-expires').value = '2027-06-30'")
    ines.find_element(By.ID, "record").click()
    outcome = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "outcome"))
    assert outcome.get_attribute("data-outcome") == "ok", outcome.text
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"adding a day player took {elapsed:.1f} s"
    shot(ines, "crew-day-player-added")
    ines.find_element(By.LINK_TEXT, "Done").click()
    row = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "person-jun"))
    assert "talent" in row.text and "SB1-44120" in row.text
    row.find_element(By.ID, "pin-for-jun").click()
    pin = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "pin")).text.strip()
    assert pin.isdigit() and len(pin) >= 6, pin
    shot(ines, "crew-pin-issued")
    accessible(ines, "crew-pin-issued")
    jun = chrome(768, 1024)
    try:
        jun.get(f"{url}/p/crew/sign-in")
        jun.find_element(By.ID, "person").send_keys("jun")
        jun.find_element(By.ID, "pin").send_keys(pin)
        jun.find_element(By.CSS_SELECTOR, "form button[type=submit].primary").click()
        WebDriverWait(jun, 10, ignored_exceptions=STALE).until(lambda d: "/sign-in" not in d.current_url)
        assert "jun (talent)" in jun.find_element(By.CSS_SELECTOR, ".who").text
    finally:
        jun.quit()


def test_an_email_address_on_a_server_without_smtp_is_flagged(crew_site, ines):
    """A producer adding an e-mail address on a server started without --smtp is told at once
    that no e-mail will be sent, instead of finding out when an alarm never arrives."""
    url = crew_site["url"]
    ines.get(f"{url}/p/crew/crew")
    assert not ines.find_elements(By.ID, "no-smtp"), "flagged before any e-mail address was added"
    wait = WebDriverWait(ines, 10, ignored_exceptions=STALE)
    ines.find_element(By.ID, "my-email").send_keys("ines@crew.example")
    page = ines.find_element(By.TAG_NAME, "html")
    ines.find_element(By.CSS_SELECTOR, "#add-my-email button").click()
    # The form posts and the crew page comes back: read it only once the old one is gone.
    wait.until(staleness_of(page))
    wait.until(lambda d: "ines@crew.example" in d.find_element(By.ID, "my-contacts").text)
    warning = ines.find_element(By.ID, "no-smtp")
    assert warning.is_displayed() and "--smtp" in warning.text and "no e-mail" in warning.text, warning.text
    accessible(ines, "crew-no-smtp")
    # Removed again, so the other tests see the page as it was.
    page = ines.find_element(By.TAG_NAME, "html")
    ines.find_element(By.CSS_SELECTOR, "#my-contacts form button").click()
    wait.until(staleness_of(page))
    wait.until(lambda d: "ines@crew.example" not in d.find_element(By.ID, "my-contacts").text)
    assert not ines.find_elements(By.ID, "no-smtp")


def forty_row_sheet():
    rows = [HEADER]
    for k in range(40):
        name = f'"Kim, Ji-woo {k} (김지우)"' if k % 2 == 0 else f'"Park, Min-jun {k} (박민준)"'
        roles = "talent" if k % 3 else "talent;crew"
        rows.append(f"cs{k:02d},{name},{roles},,,SB1-{k:03d},2027-0{1 + k % 9}-15")
    return "\ufeff" + "\r\n".join(rows) + "\r\n"


def test_a_forty_row_call_sheet_is_previewed_then_imported(crew_site, ines, tmp_path):
    url = crew_site["url"]
    sheet = tmp_path / "call-sheet-day-4.csv"
    sheet.write_bytes(forty_row_sheet().encode("utf-8"))
    before = entries(crew_site)
    ines.get(f"{url}/p/crew/crew#call-sheet")
    ines.find_element(By.ID, "sheet-file").send_keys(str(sheet))
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: "cs39" in d.find_element(By.ID, "sheet").get_attribute("value"))
    ines.find_element(By.ID, "preview").click()
    steps = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sheet-steps li"))
    assert len(steps) == 40 and "Kim, Ji-woo 0 (김지우)" in steps[0].text
    shot(ines, "crew-sheet-preview")
    accessible(ines, "crew-sheet-preview")
    assert entries(crew_site) == before, "a preview records nothing"
    ines.find_element(By.ID, "import").click()
    WebDriverWait(ines, 20, ignored_exceptions=STALE).until(lambda d: "imported" in d.find_element(By.TAG_NAME, "h1").text)
    done = ines.find_elements(By.CSS_SELECTOR, "#sheet-steps li")
    assert len(done) == 40 and all("recorded" in li.text for li in done)
    assert entries(crew_site) == before + 40
    ines.find_element(By.ID, "back-to-crew").click()
    assert "Park, Min-jun 39 (박민준)" in WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "crew")).text
    # The same sheet again: nothing to record.
    ines.find_element(By.ID, "sheet-file").send_keys(str(sheet))
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: "cs39" in d.find_element(By.ID, "sheet").get_attribute("value"))
    ines.find_element(By.ID, "preview").click()
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "sheet-nothing"))


def test_a_bad_sheet_shows_the_line_at_fault_and_records_nothing(crew_site, ines):
    url = crew_site["url"]
    before = entries(crew_site)
    ines.get(f"{url}/p/crew/crew#call-sheet")
    box = ines.find_element(By.ID, "sheet")
    box.clear()
    box.send_keys(HEADER + "\nok1,Fine Person,talent,,,,\nbad1,Bad Date,talent,,,T-1,2027-02-30\n")
    ines.find_element(By.ID, "preview").click()
    error = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "sheet-error"))
    assert "line 3, column 7 (training_expires)" in error.text
    assert not ines.find_elements(By.ID, "import")
    shot(ines, "crew-sheet-bad")
    accessible(ines, "crew-sheet-bad")
    assert entries(crew_site) == before


def test_an_alarm_acknowledged_from_the_dashboard_takeover_appears_in_the_report(crew_site, ines):
    url = crew_site["url"]
    ines.get(f"{url}/p/crew/dashboard")
    time.sleep(1)  # the live stream connects
    r = requests.post(f"{url}/api/v1/productions/crew/concerns", json={"text": "the blank box was left on the cart"}, timeout=10)
    assert r.status_code == 201
    index = r.json()["index"]
    takeover = WebDriverWait(ines, 20, ignored_exceptions=STALE).until(lambda d: d.find_element(By.CSS_SELECTOR, "#takeover.open"))
    assert "CONCERN-1" in takeover.text
    shot(ines, "dashboard-takeover-acknowledge")
    ines.find_element(By.ID, "takeover-note").send_keys("props told; box locked at 10:05")
    ines.find_element(By.ID, "takeover-ack").click()
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#takeover.open"))
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: not d.find_elements(By.ID, f"alarm-{index}"))
    accessible(ines, "dashboard-after-acknowledge")
    today = ines.find_element(By.LINK_TEXT, "Daily report").get_attribute("href").rsplit("/", 1)[-1]
    ines.get(f"{url}/p/crew/report/{today}")
    row = ines.find_element(By.ID, f"report-alarm-{index}")
    assert "Answered by ines" in row.text and "props told" in row.text and "after" in row.text, row.text
    summary = ines.find_element(By.XPATH, "//h2[@id='summary']/following-sibling::ul[1]").text
    assert "alarm" in summary and "refused" in summary, summary
    shot(ines, "report-alarm-answered")
    accessible(ines, "report-with-answers")


def test_an_open_alarm_is_listed_with_its_age_and_acknowledged_from_the_dashboard(crew_site, ines):
    url = crew_site["url"]
    r = requests.post(f"{url}/api/v1/productions/crew/concerns", json={"text": "someone moved the gun cart"}, timeout=10)
    index = r.json()["index"]
    ines.get(f"{url}/p/crew/dashboard")
    card = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, f"alarm-{index}"))
    assert "open for" in card.text
    accessible(ines, "dashboard-open-alarm")
    card.find_element(By.ID, f"ack-{index}").click()
    outcome = WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "outcome"))
    assert outcome.get_attribute("data-outcome") == "ok"
    ines.get(f"{url}/p/crew/dashboard")
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "open-alarms"))
    assert not ines.find_elements(By.ID, f"alarm-{index}")


def test_two_alarms_in_a_row_are_both_shown_each_with_its_rule_in_words(crew_site, ines):
    url = crew_site["url"]
    ines.get(f"{url}/p/crew/dashboard")
    time.sleep(1)  # the live stream connects
    first = requests.post(f"{url}/api/v1/productions/crew/concerns", json={"text": "first: a live round in the dummies"}, timeout=10).json()["index"]
    second = requests.post(f"{url}/api/v1/productions/crew/concerns", json={"text": "second: the cart is unattended"}, timeout=10).json()["index"]
    takeover = WebDriverWait(ines, 20, ignored_exceptions=STALE).until(lambda d: d.find_element(By.CSS_SELECTOR, "#takeover.open"))
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: "1 of 2" in d.find_element(By.ID, "takeover-count").text)
    assert "first: a live round" in takeover.text
    assert "Anyone may raise a safety concern" in takeover.text, "the rule's title in words"
    assert "(entry " in ines.find_element(By.ID, "takeover-when").text and "At " in ines.find_element(By.ID, "takeover-when").text
    shot(ines, "takeover-two-alarms")
    ines.find_element(By.ID, "takeover-ack").click()
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: "second: the cart" in d.find_element(By.ID, "takeover-message").text)
    ines.find_element(By.ID, "takeover-ack").click()
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#takeover.open"))
    WebDriverWait(ines, 10, ignored_exceptions=STALE).until(lambda d: not d.find_elements(By.ID, f"alarm-{first}") and not d.find_elements(By.ID, f"alarm-{second}"))


def test_the_wrap_shows_what_is_outstanding_and_no_safety_answer_is_chosen_in_advance(crew_site, ines):
    url = crew_site["url"]
    token = requests.post(f"{url}/api/v1/productions/crew/sign-in", timeout=10,
                          json={"person": "rosa", "password": crew_site["logins"]["crew"]["rosa"][1]}).json()["token"]
    auth = {"Authorization": "Bearer " + token}
    r = requests.post(f"{url}/api/v1/productions/crew/steps", headers=auth, timeout=10,
                      json={"do": "receive_firearm", "firearm": "glock-7", "serial": "G7-1", "make": "Glock", "model": "17"})
    assert r.status_code == 201, r.text
    for step in [{"do": "receive_ammo", "lot": "LIVE-1", "kind": "live", "count": 2}, {"do": "receive_ammo", "lot": "DUM-9", "kind": "dummy", "count": 6}]:
        assert requests.post(f"{url}/api/v1/productions/crew/steps", headers=auth, json=step, timeout=10).status_code == 201
    ines.get(f"{url}/p/crew/tablet/act/wrap")
    checklist = ines.find_element(By.ID, "wrap-checklist").text
    assert "glock-7 is not stored locked" in checklist and "lot DUM-9 needs counting" in checklist, checklist
    accessible(ines, "wrap-checklist")
    ines.get(f"{url}/p/crew/tablet/act/inspect_firearm?firearm=glock-7")
    assert not [r for r in ines.find_elements(By.CSS_SELECTOR, "input[type=radio]") if r.is_selected()], "an answer was chosen in advance"
    ines.get(f"{url}/p/crew/tablet/act/load?firearm=glock-7")
    options = {o.get_attribute("value"): o for o in ines.find_elements(By.CSS_SELECTOR, "#f-lot option")}
    assert options["LIVE-1"].get_attribute("disabled") and "quarantined" in options["LIVE-1"].text
    assert options["DUM-9"].get_attribute("disabled") and "NOT VERIFIED" in options["DUM-9"].text


def test_the_tablet_updates_live_when_another_device_records(crew_site):
    url = crew_site["url"]
    rosa = chrome(768, 1024)
    try:
        sign_in(rosa, crew_site, "crew", "rosa")
        rosa.get(f"{url}/p/crew/tablet")
        time.sleep(1)  # the live stream connects
        token = requests.post(f"{url}/api/v1/productions/crew/sign-in", timeout=10,
                              json={"person": "rosa", "password": crew_site["logins"]["crew"]["rosa"][1]}).json()["token"]
        r = requests.post(f"{url}/api/v1/productions/crew/steps", headers={"Authorization": "Bearer " + token}, timeout=10,
                          json={"do": "receive_ammo", "lot": "BLK-LIVE-CARD", "kind": "blank", "count": 12})
        assert r.status_code == 201, r.text
        card = WebDriverWait(rosa, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.CSS_SELECTOR, "a.card[href$='/tablet/lot/BLK-LIVE-CARD']"))
        assert "needs counting" in card.text
        accessible(rosa, "tablet-live")
    finally:
        rosa.quit()


def test_every_control_on_the_tablet_pages_is_at_least_44_px_and_the_dashboard_fits_a_phone(crew_site):
    url = crew_site["url"]
    rosa = chrome(768, 1024)
    try:
        sign_in(rosa, crew_site, "crew", "rosa")
        pages = ["/p/crew/tablet", "/p/crew/tablet/lot/BLK-LIVE-CARD", "/p/crew/tablet/act/load", "/p/crew/tablet/act/fire",
                 "/p/crew/tablet/act/wrap", "/p/crew/crew", "/p/crew/dashboard"]
        found = {}
        for page in pages:
            rosa.get(url + page)
            small = rosa.execute_script(SMALL_CONTROLS)
            if small:
                found[page] = small
        assert not found, json.dumps(found, indent=1, ensure_ascii=False)
    finally:
        rosa.quit()
    phone = chrome(375, 812)
    try:
        # A desktop window cannot be narrower than about 500 px: a phone's screen is emulated.
        phone.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
        sign_in(phone, crew_site, "crew", "raj")
        phone.get(f"{url}/p/crew/dashboard")
        attention = phone.find_element(By.ID, "needs-attention")
        assert "glock-7" in attention.text and "needs counting" in attention.text, attention.text
        assert phone.execute_script("return window.innerWidth") == 375
        wide = phone.execute_script("""return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert phone.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), f"the dashboard scrolls sideways at 375 px: {wide}, inner width {phone.execute_script('return window.innerWidth')}"
        shot(phone, "dashboard-375")
        accessible(phone, "dashboard-375")
    finally:
        phone.quit()


def test_the_armorer_issues_a_talents_pin_from_the_tablet(crew_site):
    url = crew_site["url"]
    rosa = chrome(768, 1024)
    try:
        sign_in(rosa, crew_site, "crew", "rosa")
        rosa.get(f"{url}/p/crew/tablet")
        rosa.find_element(By.ID, "crew-and-pins").click()
        WebDriverWait(rosa, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "crew"))
        # The armorer issues PINs for talent and crew only, and changes no one's roles.
        assert rosa.find_elements(By.ID, "pin-for-eli") and not rosa.find_elements(By.ID, "pin-for-ines")
        assert not rosa.find_elements(By.ID, "add-day-player")
        rosa.find_element(By.ID, "pin-for-eli").click()
        pin = WebDriverWait(rosa, 10, ignored_exceptions=STALE).until(lambda d: d.find_element(By.ID, "pin")).text.strip()
        assert pin.isdigit()
    finally:
        rosa.quit()
