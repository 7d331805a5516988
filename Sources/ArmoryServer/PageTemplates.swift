/// The pages' Mustache templates. Values are HTML-escaped by `{{...}}`; `{{{...}}}` is used
/// only for markup the server built itself (forms, SVG), which escapes what it embeds.
enum PageTemplates {
    static let all: [String: String] = [
        "layout": """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Armory</title><link rel="stylesheet" href="/static/armory.css"></head>
        <body data-production="{{production}}" data-live="{{#live}}1{{/live}}" data-seen="{{seen}}">
        {{#signedIn}}<header class="top"><strong>Armory</strong><span>{{productionTitle}}</span>
        <nav aria-label="Pages" class="actions"><a href="/p/{{production}}/tablet">Tablet</a> <a href="/p/{{production}}/dashboard">Dashboard</a>
        <a href="/p/{{production}}/report/{{today}}">Daily report</a> <a href="/p/{{production}}/timeline/{{today}}">Timeline</a>
        <a href="/p/{{production}}/labels">Labels</a> <a href="/p/{{production}}/concern">Concern</a></nav>
        <span class="who">{{person}} ({{roles}})</span>
        <form method="post" action="/p/{{production}}/sign-out"><button type="submit">Sign out</button></form></header>{{/signedIn}}
        {{#live}}<div id="live-status" role="alert" hidden></div>{{/live}}
        <main id="main">{{#readOnly}}<p class="error" role="alert" id="read-only">{{readOnly}}</p>{{/readOnly}}{{{body}}}</main>
        <div id="takeover" role="alertdialog" aria-modal="true" aria-labelledby="takeover-title" aria-hidden="true">
        <h2 id="takeover-title">ALARM</h2><p class="rules" id="takeover-rules"></p><p id="takeover-message"></p><p id="takeover-when"></p>
        <button type="button" id="takeover-ack" class="big">Acknowledge</button></div>
        <script src="/static/armory.js"></script></body></html>
        """,
        "home": """
        <h1>Armory</h1><p>Sign in to your production.</p>
        <form method="get" action="/go"><label for="production">Production id</label>
        <input type="text" id="production" name="production" required autocomplete="off">
        <p><button type="submit" class="primary">Continue</button></p></form>
        """,
        "signin": """
        <h1>Sign in to {{productionTitle}}</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/p/{{production}}/sign-in">
        <label for="person">Who you are</label>
        {{#list}}<select id="person" name="person" required>{{#people}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}} ({{roles}})</option>{{/people}}</select>{{/list}}
        {{^list}}<input type="text" id="person" name="person" required autocomplete="username" autocapitalize="none" value="{{typed}}" maxlength="64">
        <p class="hint">Your id, as on the call sheet.</p>{{/list}}
        <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password">
        <label for="pin">or the PIN the armorer gave you</label><input type="text" id="pin" name="pin" inputmode="numeric" autocomplete="one-time-code">
        <p><button type="submit" class="primary big">Sign in</button></p></form>
        <p><a href="/p/{{production}}/concern">Raise a safety concern anonymously</a></p>
        """,
        "tablet": """
        <h1>Tablet</h1>
        <div class="actions"><button type="button" id="scan" class="big primary" hidden>Scan a label</button></div>
        <video id="scan-video" hidden muted playsinline></video>
        <h2>Firearms</h2><div class="grid">{{#firearms}}<a class="card" href="/p/{{production}}/tablet/firearm/{{id}}"><strong>{{id}}</strong>
        <span class="badge c-{{condition}}">{{condition}}</span><br>{{make}} {{model}}<br>{{where}}{{#rounds}} · {{rounds}} rounds{{/rounds}}</a>{{/firearms}}
        {{^firearms}}<p>No firearms yet.</p>{{/firearms}}</div>
        <h2>Lots</h2><div class="grid">{{#lots}}<a class="card" href="/p/{{production}}/tablet/lot/{{id}}"><strong>{{id}}</strong>
        <span class="badge">{{kind}}</span><br>{{box}} in the box · {{loaded}} in firearms{{#flags}} · {{flags}}{{/flags}}</a>{{/lots}}
        {{^lots}}<p>No lots yet.</p>{{/lots}}</div>
        <h2>Other steps</h2><div class="actions">{{#general}}<a class="big" href="/p/{{production}}/tablet/act/{{name}}">{{title}}</a>{{/general}}</div>
        """,
        "item": """
        <h1>{{kindTitle}} {{id}} <span class="badge c-{{condition}}">{{condition}}</span></h1>
        <p>{{summary}}</p>
        <div class="actions">{{#actions}}<a class="big" href="/p/{{production}}/tablet/act/{{name}}?{{query}}">{{title}}</a>{{/actions}}</div>
        <h2>Latest entries</h2>{{{history}}}
        <p><a href="/p/{{production}}/tablet">Back to all firearms and lots</a></p>
        """,
        "act": """
        <h1>{{title}}</h1>
        <p class="muted">By <strong>{{person}}</strong>, now ({{now}}){{#observation}} · an observation: always recorded{{/observation}}</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/p/{{production}}/tablet/act/{{name}}">{{{fields}}}
        <p class="actions"><button type="submit" class="primary big" id="record">Record</button>
        <a class="big" href="{{back}}">Cancel</a></p></form>
        """,
        "result": """
        <div class="result {{outcome}}" id="outcome" data-outcome="{{outcome}}" data-rules="{{rulesText}}" data-index="{{index}}" role="status">
        <h2>{{headline}}</h2>
        {{#rules}}<p class="rules">{{id}}: {{title}}</p><p>What to do: {{advice}}</p>{{/rules}}
        <p>{{message}}</p><p class="muted">Entry {{index}} in the production's record.</p></div>
        <div class="actions"><a class="big primary" href="{{back}}">Done</a> <a class="big" href="/p/{{production}}/tablet">All firearms and lots</a></div>
        """,
        "dashboard": """
        <h1>Dashboard</h1>
        <div id="live" data-src="/p/{{production}}/dashboard?part=live" aria-live="polite">{{{live}}}</div>
        """,
        "report": """
        <h1>Daily firearms report: {{productionTitle}}, {{day}}</h1>
        <p class="noprint actions"><a class="big" href="/p/{{production}}/timeline/{{day}}">Timeline of the day</a></p>
        {{{content}}}
        """,
        "labels": """
        <h1>Labels: {{productionTitle}}</h1><p class="noprint">Print on label sheets; each code holds the production and the item's id.</p>
        <div class="labels">{{#labels}}<div class="label" data-payload="{{payload}}">{{{svg}}}<div class="text"><strong>{{kind}} {{id}}</strong>{{detail}}<br>
        <span class="muted">{{productionTitle}}</span><br><code>{{payload}}</code></div></div>{{/labels}}</div>
        """,
        "timeline": """
        <h1>Timeline: {{productionTitle}}, {{day}}</h1>
        <p class="noprint actions"><a class="big" href="?px={{zoomOut}}" id="zoom-out">Zoom out</a> <a class="big" href="?px={{zoomIn}}" id="zoom-in">Zoom in</a>
        <a class="big" href="/p/{{production}}/report/{{day}}">Daily report</a></p>
        <p class="legend">{{{legend}}}</p>
        <div class="timeline-wrap">{{{svg}}}</div>
        {{{failures}}}
        """,
        "entry": """
        <h1>Entry {{index}}</h1>{{{table}}}
        <h2>Inclusion proof</h2>{{#proof}}<p>This entry is in the log signed at size {{size}} (C2SP tlog-proof; check it with the production's public key).</p><pre>{{proof}}</pre>{{/proof}}
        {{^proof}}<p>No signed checkpoint covers this entry yet; one is signed at every wrap.</p>{{/proof}}
        """,
        "concern": """
        <h1>Raise a safety concern</h1>
        <p>Nothing about you is recorded: not your name, not your device, not your address. Producers and the safety rep are alerted at once.</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/p/{{production}}/concern"><label for="text">What worries you</label>
        <textarea id="text" name="text" required></textarea>
        <label for="scene">Scene (if you know it)</label><input type="text" id="scene" name="scene">
        <p><button type="submit" class="primary big">Send anonymously</button></p></form>
        """,
        "concern-sent": """
        <h1>Thank you</h1><p role="status" id="concern-sent">Your concern is recorded (entry {{index}}) and producers and safety have been alerted. It cannot be deleted or hidden.</p>
        <p><a href="/p/{{production}}/concern">Raise another</a></p>
        """,
        "poster": """
        <h1>See something unsafe? Say it.</h1><p>Scan to raise a safety concern anonymously for {{productionTitle}}. No name, no device, no address is recorded.</p>
        {{{svg}}}<p><code>{{url}}</code></p>
        """,
        "message": """
        <h1>{{heading}}</h1><p>{{text}}</p>
        """,
    ]
}
