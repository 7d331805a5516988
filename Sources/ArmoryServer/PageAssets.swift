/// The pages' stylesheet and script, served from `/static/` (so the Content-Security-Policy
/// can forbid inline script).
enum PageAssets {
    static let css = """
    :root { --ink: #000; --paper: #fff; --line: #222; --ok: #0a5c1f; --alarm: #8a4b00; --refused: #a00000; --focus: #0047ab; }
    * { box-sizing: border-box; }
    html { font-size: 18px; }
    body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--paper); line-height: 1.4; }
    header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: #111; color: #fff; }
    header.top a { color: #fff; }
    header.top button { color: #fff; background: #111; border-color: #fff; min-height: 2.8rem; }
    header.top nav.actions { margin: 0; gap: .2rem .4rem; }
    header.top nav a { display: inline-block; padding: .55rem .35rem; min-height: 2.75rem; }
    header.top .who { margin-left: auto; }
    main { padding: 1rem; max-width: 1100px; margin: 0 auto; }
    h1 { font-size: 1.6rem; margin: .4rem 0 1rem; }
    h2 { font-size: 1.25rem; margin: 1.4rem 0 .6rem; border-bottom: 3px solid var(--line); }
    a { color: var(--focus); }
    a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 4px solid var(--focus); outline-offset: 2px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: .8rem; }
    .card { display: block; border: 3px solid var(--line); border-radius: 10px; padding: .8rem; min-height: 4.5rem; text-decoration: none; color: var(--ink); background: #fff; }
    .card strong { font-size: 1.2rem; }
    .big, button, input[type=submit] { font-size: 1.1rem; min-height: 3.5rem; min-width: 3.5rem; padding: .6rem 1.1rem; border: 3px solid var(--ink); border-radius: 10px; background: #fff; color: var(--ink); font-weight: 700; cursor: pointer; }
    .primary { background: #000; color: #fff; }
    .actions { display: flex; flex-wrap: wrap; gap: .6rem; margin: .8rem 0; }
    .actions a.big { display: inline-flex; align-items: center; text-decoration: none; }
    label { display: block; font-weight: 700; margin: .9rem 0 .3rem; }
    input[type=text], input[type=number], input[type=password], select, textarea { font-size: 1.15rem; width: 100%; min-height: 3.2rem; padding: .5rem; border: 3px solid var(--ink); border-radius: 8px; background: #fff; color: var(--ink); }
    textarea { min-height: 9rem; }
    fieldset { border: 3px solid var(--line); border-radius: 10px; margin: .9rem 0; }
    legend { font-weight: 700; padding: 0 .3rem; }
    .check { display: flex; align-items: center; gap: .6rem; min-height: 3rem; font-weight: 400; margin: .2rem 0; }
    .check input { width: 2rem; height: 2rem; }
    .badge { display: inline-block; padding: .15rem .55rem; border-radius: 6px; font-weight: 800; border: 2px solid var(--ink); text-transform: uppercase; letter-spacing: .03em; }
    .c-cold { background: #d9f2dd; } .c-hot { background: #b00000; color: #fff; } .c-unknown { background: #ffe066; }
    .c-withdrawn { background: #ff9f43; } .c-frozen { background: #3a0ca3; color: #fff; } .c-gone { background: #ddd; }
    table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
    th, td { border: 2px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
    th { background: #eee; }
    .result { border: 5px solid var(--ink); border-radius: 12px; padding: 1rem; margin: 1rem 0; }
    .result.ok { border-color: var(--ok); } .result.alarm { border-color: var(--alarm); background: #fff4e5; }
    .result.refused { border-color: var(--refused); background: #fdecec; }
    .result h2 { border: 0; margin: 0 0 .4rem; }
    .rules { font-weight: 800; font-size: 1.2rem; }
    .error { border: 4px solid var(--refused); padding: .8rem; border-radius: 10px; background: #fdecec; }
    .muted { color: #333; }
    #live-status { position: sticky; top: 0; z-index: 5; background: #ffd500; color: #000; border-bottom: 4px solid #000;
                   padding: .7rem 1rem; font-weight: bold; font-size: 1.1rem; }
    #live-status a { color: #000; }
    #takeover { position: fixed; inset: 0; background: #8b0000; color: #fff; display: none; z-index: 10; padding: 2rem; overflow: auto; }
    #takeover.open { display: block; }
    #takeover h2 { color: #fff; border-color: #fff; font-size: 2rem; }
    #takeover button { background: #fff; color: #000; font-size: 1.4rem; }
    .labels { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5cm, 1fr)); gap: .4cm; }
    .label { display: flex; gap: .4cm; align-items: center; border: 2px dashed #444; padding: .3cm; break-inside: avoid; }
    .label .text strong { font-size: 1.3rem; display: block; }
    .timeline-wrap { overflow-x: auto; border: 2px solid var(--line); }
    .legend span { display: inline-block; margin-right: 1rem; }
    pre { white-space: pre-wrap; word-break: break-all; background: #f4f4f4; padding: .6rem; border: 2px solid #ccc; }
    .noprint { }
    @media (max-width: 800px) { html { font-size: 17px; } main { padding: .6rem; } }
    @media print {
      header.top, .noprint, #takeover { display: none !important; }
      html { font-size: 11pt; } main { max-width: none; padding: 0; }
      h2 { break-after: avoid; } table, .firearm-chain { break-inside: avoid; }
      a { color: #000; text-decoration: none; }
    }
    """

    static let js = """
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
            say("Live alarms are NOT reaching this screen: the server cannot be reached. Reconnecting\\u2026");
          }
        });
        source.addEventListener("alarm", function (e) {
          seen(e);
          var entry = JSON.parse(e.data);
          var box = document.getElementById("takeover");
          if (box) {
            document.getElementById("takeover-rules").textContent = entry.rules.join(", ");
            document.getElementById("takeover-message").textContent = entry.message + (entry.body && entry.body.text ? ": \\u201c" + entry.body.text + "\\u201d" : "");
            document.getElementById("takeover-when").textContent = entry.at + " (entry " + entry.index + ")";
            box.classList.add("open");
            box.setAttribute("aria-hidden", "false");
            document.getElementById("takeover-ack").focus();
          }
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
      var ack = document.getElementById("takeover-ack");
      if (ack) ack.addEventListener("click", function () {
        var box = document.getElementById("takeover");
        box.classList.remove("open");
        box.setAttribute("aria-hidden", "true");
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
    """
}
