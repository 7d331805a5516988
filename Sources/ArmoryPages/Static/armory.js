// Armory's small progressive script: live alarms take over the screen until acknowledged,
// the dashboard refreshes its live part on every entry, and QR labels scan with the
// camera where the browser can. Every page works without it.
(function () {
  var body = document.body;
  var production = body.dataset.production;
  var live = body.dataset.live === "1";
  // The stream says which entry each event is; a screen that was away (a dropped
  // connection, a restarted server) is sent what it missed when it is back: the browser
  // sends the last id it saw on its own retries, and a new stream asks with ?after=,
  // starting from the last entry the page itself shows. While no stream is open, the
  // screen says so: alarms must never stop arriving unseen.
  var lastSeen = /^[0-9]+$/.test(body.dataset.seen || "") ? parseInt(body.dataset.seen, 10) : null;
  var status = document.getElementById("live-status");
  function say(text, signIn) {
    if (!status) return;
    status.hidden = !text;
    status.textContent = text || "";
    if (signIn) {
      var a = document.createElement("a");
      a.href = "/p/" + encodeURIComponent(production) + "/sign-in";
      a.textContent = "Sign in again";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
  }
  function connect() {
    var url = "/api/v1/productions/" + encodeURIComponent(production) + "/events" + (lastSeen === null ? "" : "?after=" + lastSeen);
    var source = new EventSource(url);
    source.addEventListener("open", function () { say(null); });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        say("Live alarms are NOT reaching this screen: the server turned it away (signed out?). Trying again every 15 seconds.", true);
        setTimeout(connect, 15000);
      } else {
        say("Live alarms are NOT reaching this screen: the server cannot be reached. Reconnecting\u2026");
      }
    });
    source.addEventListener("alarm", function (e) {
      seen(e);
      var entry = JSON.parse(e.data);
      // Every alarm is shown, in the order raised: one arriving while another is on screen waits its turn.
      if (!waiting.some(function (w) { return w.index === entry.index; })) waiting.push(entry);
      ring();
      if (waiting.length === 1) showAlarm(); else counter();
      refreshSoon();
    });
    source.addEventListener("entry", function (e) { seen(e); refreshSoon(); });
  }
  function seen(e) {
    var n = parseInt(e.lastEventId, 10);
    if (!isNaN(n)) lastSeen = n;
  }
  if (production && live && window.EventSource) connect();
  // Entries sent together (a screen catching up) refresh the live part once.
  var pending = null;
  function refreshSoon() {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { pending = null; refresh(); }, 150);
  }
  function refresh() {
    var part = document.getElementById("live");
    if (!part || !part.dataset.src) return;
    fetch(part.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) part.innerHTML = html; });
  }
  var takeoverAlarm = null;
  var waiting = [];
  var ruleText = {};
  try { ruleText = JSON.parse((document.getElementById("rule-text") || {}).textContent || "{}"); } catch (e) { ruleText = {}; }
  // Sound and vibration where the device allows (a browser may keep quiet until the page was touched once).
  function ring() {
    try { if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]); } catch (e) { /* not on this device */ }
    try {
      var Audio = window.AudioContext || window.webkitAudioContext;
      if (!Audio) return;
      var ctx = new Audio(), tone = ctx.createOscillator(), gain = ctx.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.3;
      tone.connect(gain);
      gain.connect(ctx.destination);
      tone.start();
      tone.stop(ctx.currentTime + 0.7);
    } catch (e) { /* no sound here */ }
  }
  function counter() {
    var count = document.getElementById("takeover-count");
    if (count) count.textContent = waiting.length > 1 ? "Alarm 1 of " + waiting.length + ": the others follow." : "";
  }
  function showAlarm() {
    var box = document.getElementById("takeover");
    var entry = waiting[0];
    if (!box || !entry) return;
    // The rule's title and what to do, in words; the time as the person wrote it.
    document.getElementById("takeover-rules").textContent = entry.rules.map(function (r) {
      return r + (ruleText[r] ? ": " + ruleText[r].title : "");
    }).join("; ");
    document.getElementById("takeover-message").textContent = entry.message + (entry.body && entry.body.text ? ": \u201c" + entry.body.text + "\u201d" : "");
    document.getElementById("takeover-advice").textContent = entry.rules.map(function (r) {
      return ruleText[r] ? ruleText[r].advice : "";
    }).filter(function (t) { return t; }).join(" ");
    document.getElementById("takeover-when").textContent = "At " + String(entry.at).slice(11, 16) + " on " + String(entry.at).slice(0, 10) + " (entry " + entry.index + ")";
    // ALARM-1: a producer or safety answers any alarm; the armorer or a first AD may
    // acknowledge any but a concern. Anyone else can only close the screen.
    var concern = entry.rules.indexOf("CONCERN-1") >= 0;
    var may = body.dataset.answers === "1" || (!concern && body.dataset.acknowledges === "1");
    takeoverAlarm = may ? entry.index : null;
    document.getElementById("takeover-ack").textContent = may ? "Acknowledge" : (waiting.length > 1 ? "Next alarm" : "Close");
    document.getElementById("takeover-note-field").hidden = !may;
    document.getElementById("takeover-note").value = "";
    document.getElementById("takeover-result").textContent = may ? "" : "A producer or safety answers this alarm.";
    counter();
    box.classList.add("open");
    box.setAttribute("aria-hidden", "false");
    document.getElementById("takeover-ack").focus();
  }
  function closeTakeover() {
    waiting.shift();
    if (waiting.length) { showAlarm(); return; }
    var box = document.getElementById("takeover");
    box.classList.remove("open");
    box.setAttribute("aria-hidden", "true");
  }
  var ack = document.getElementById("takeover-ack");
  // Acknowledge records an `acknowledge` step through the pages' own form, then closes; a
  // refusal or a lost link is shown in the takeover, which stays open.
  if (ack) ack.addEventListener("click", function () {
    if (takeoverAlarm === null) { closeTakeover(); return; }
    var form = new URLSearchParams();
    form.set("alarm", String(takeoverAlarm));
    var note = document.getElementById("takeover-note").value.trim();
    if (note) form.set("note", note);
    var result = document.getElementById("takeover-result");
    result.textContent = "Recording\u2026";
    ack.disabled = true;
    fetch("/p/" + encodeURIComponent(production) + "/tablet/act/acknowledge", { method: "POST", body: form, credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (html) { return { status: r.status, redirected: r.redirected, html: html }; }); })
      .then(function (r) {
        ack.disabled = false;
        linkDown(false);
        var outcome = new DOMParser().parseFromString(r.html, "text/html").getElementById("outcome");
        // Recorded: the post led to the step's result page, which says it was not refused.
        if (r.redirected && r.status === 200 && outcome && outcome.dataset.outcome !== "refused") {
          result.textContent = ""; closeTakeover(); refreshSoon(); return;
        }
        result.textContent = "Not recorded: " + (outcome ? outcome.textContent.trim() : "the server answered " + r.status);
        takeoverAlarm = null;
        ack.textContent = waiting.length > 1 ? "Next alarm" : "Close";
      })
      .catch(function () {
        ack.disabled = false;
        linkDown(true);
        result.textContent = "NOT RECORDED \u2014 not connected. Acknowledge again once the link is back, from the dashboard.";
        takeoverAlarm = null;
        ack.textContent = waiting.length > 1 ? "Next alarm" : "Close";
      });
  });
  // While the server cannot be reached, the bar at the top says steps cannot be saved.
  var linkBar = null;
  function linkDown(down) {
    if (!linkBar) {
      if (!down) return;
      linkBar = document.createElement("div");
      linkBar.id = "link-status";
      linkBar.setAttribute("role", "alert");
      document.body.insertBefore(linkBar, document.body.firstChild);
    }
    linkBar.hidden = !down;
    linkBar.textContent = down ? "Not connected: steps cannot be saved until the link is back." : "";
  }
  window.addEventListener("offline", function () { linkDown(true); });
  window.addEventListener("online", function () { linkDown(false); });
  // A form that records a step is sent by the script: the result page it leads to is
  // shown as usual, a form with an error is shown again, and with the link down the
  // armorer sees NOT RECORDED and a Retry that sends the same idempotency key, so a step
  // whose reply was lost is never recorded twice. Never the browser's own error page.
  // Listened for on the page, so forms a live refresh puts in (open alarms) are sent the same way.
  if (window.fetch && window.URLSearchParams && window.FormData) document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-record]")) return;
    e.preventDefault();
    record(form);
  });
  function record(form) {
    var button = form.querySelector("button[type=submit]");
    var note = form.querySelector(".not-recorded");
    if (note) note.hidden = true;
    if (button) { button.disabled = true; button.dataset.label = button.dataset.label || button.textContent; button.textContent = "Recording\u2026"; }
    fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (html) { return { r: r, html: html }; }); })
      .then(function (x) {
        linkDown(false);
        if (x.r.redirected && x.r.ok) { location.replace(x.r.url); return; }
        // The form again with the server's message beside its field, or the server's error page.
        document.open();
        document.write(x.html);
        document.close();
      })
      .catch(function () {
        linkDown(true);
        if (button) { button.disabled = false; button.textContent = button.dataset.label; }
        if (!note) {
          note = document.createElement("div");
          note.className = "not-recorded";
          note.id = "not-recorded";
          note.setAttribute("role", "alert");
          var title = document.createElement("p");
          title.className = "headline";
          title.textContent = "NOT RECORDED \u2014 not connected";
          var text = document.createElement("p");
          text.textContent = "No answer came from the server, so this step may not be saved. Retry once the link is back: a step the server already has is never recorded twice.";
          var retry = document.createElement("button");
          retry.type = "button";
          retry.className = "big primary";
          retry.id = "retry";
          retry.textContent = "Retry";
          retry.addEventListener("click", function () { record(form); });
          note.appendChild(title); note.appendChild(text); note.appendChild(retry);
          form.insertBefore(note, form.firstChild);
        }
        note.hidden = false;
        note.scrollIntoView({ block: "nearest" });
      });
  }
  // "Notify this phone": the phone subscribes to push with the server's key, and its
  // subscription is added to the person's contacts; alarms then reach it with the screen off.
  var notify = document.getElementById("notify-phone");
  if (notify && "serviceWorker" in navigator && "PushManager" in window && window.fetch) {
    notify.hidden = false;
    var notifyStatus = document.getElementById("notify-phone-status");
    var api = "/api/v1/productions/" + encodeURIComponent(production);
    notify.addEventListener("click", function () {
      notifyStatus.textContent = "Asking this phone\u2026";
      var key;
      fetch(api + "/push-key", { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (k) {
          key = k.key.replace(/-/g, "+").replace(/_/g, "/");
          while (key.length % 4) key += "=";
          return navigator.serviceWorker.register("/static/sw.js", { scope: "/" });
        })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          var raw = atob(key), bytes = new Uint8Array(raw.length);
          for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
        })
        .then(function (subscription) {
          return fetch(api + "/people/" + encodeURIComponent(notify.dataset.person) + "/contacts", {
            method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ channel: "push", subscription: subscription.toJSON() })
          });
        })
        .then(function (r) {
          notifyStatus.textContent = r.ok ? "This phone will be notified of alarms." : "Not added: the server answered " + r.status + ".";
          if (r.ok) setTimeout(function () { location.reload(); }, 800);
        })
        .catch(function (e) { notifyStatus.textContent = "This phone cannot be notified: " + e.message; });
    });
  }
  // A call sheet chosen as a file is read into the form's text, which is what is sent.
  var sheetFile = document.getElementById("sheet-file");
  if (sheetFile && window.FileReader) sheetFile.addEventListener("change", function () {
    var file = sheetFile.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () { document.getElementById("sheet").value = reader.result; };
    reader.readAsText(file, "utf-8");
  });
  var scan = document.getElementById("scan");
  if (scan && "BarcodeDetector" in window && navigator.mediaDevices) {
    scan.hidden = false;
    scan.addEventListener("click", function () {
      var video = document.getElementById("scan-video");
      video.hidden = false;
      var detector = new BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.play();
        var tick = function () {
          detector.detect(video).then(function (codes) {
            var code = codes.map(function (c) { return c.rawValue; }).find(function (v) { return v.indexOf("armory:") === 0; });
            if (code) {
              var p = code.split(":");
              stream.getTracks().forEach(function (t) { t.stop(); });
              location.href = "/p/" + encodeURIComponent(p[1]) + "/tablet/" + p[2] + "/" + encodeURIComponent(p.slice(3).join(":"));
            } else { requestAnimationFrame(tick); }
          }).catch(function () { requestAnimationFrame(tick); });
        };
        tick();
      });
    });
  }
})();
