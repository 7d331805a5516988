import ArmoryAPI
import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import Hummingbird
import Mustache

/// The server-rendered pages: sign-in, the armorer's tablet flow, the production
/// dashboard, the daily firearms report, QR labels, the incident timeline, entries with
/// their proofs, and the anonymous concern page. Forms post without script; the small
/// script only adds live alarms, live dashboard updates and camera scanning.
package struct Pages: Sendable {
    let api: ArmoryAPI
    let library: MustacheLibrary
    let css = PageAssets.css, js = PageAssets.js

    package init(api: ArmoryAPI) {
        self.api = api
        var library = MustacheLibrary()
        for (name, text) in PageTemplates.all { try! library.register(text, named: name) }
        self.library = library
    }

    package func register(on router: Router<ArmoryContext>) {
        router.get("/static/armory.css") { _, _ in asset(css, "text/css; charset=utf-8") }
        router.get("/static/armory.js") { _, _ in asset(js, "text/javascript; charset=utf-8") }
        router.get("/static/sw.js") { _, _ in
            // Served from /static/, it may still look after the whole site's pages.
            var r = asset(PageAssets.serviceWorker, "text/javascript; charset=utf-8")
            r.headers[.init("Service-Worker-Allowed")!] = "/"
            return r
        }
        router.get("/") { _, ctx in
            if let s = ctx.session { return redirect("/p/\(s.production)") }
            return page(title: "Armory", body: render("home", [:]), ctx: ctx, production: nil)
        }
        router.get("/go") { req, _ in
            let id = req.uri.queryParameters["production"].map(String.init) ?? ""
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return redirect("/") }
            return redirect("/p/\(id)/sign-in")
        }
        // Open to anyone: signing in and out, and raising a concern anonymously.
        let p = router.group("p/:production")
        p.get("sign-in") { _, ctx in try await signInPage(ctx, error: nil, status: .ok) }
        p.post("sign-in") { req, ctx in try await signIn(req, ctx) }
        p.post("sign-out") { _, ctx in
            if let token = ctx.token { try await api.endSession(token) }
            var r = redirect("/p/\(try ctx.param("production"))/sign-in")
            r.setCookie(api.sessionCookie("", maxAge: 0))
            return r
        }
        p.get("concern") { _, ctx in try await concernPage(ctx, error: nil) }
        p.post("concern") { req, ctx in try await concern(req, ctx) }
        p.get("concern/poster") { req, ctx in try await poster(req, ctx) }
        // Everything else only for a person signed in to the production (the group's context).
        let signedIn = router.group("p/:production", context: SignedInPageContext.self)
        signedIn.get("") { _, ctx in
            let s = ctx.signedIn
            return redirect("/p/\(s.production)/" + (s.roles == [.armorer] ? "tablet" : "dashboard"))
        }
        signedIn.get("tablet") { req, ctx in try await tablet(req, ctx) }
        signedIn.get("tablet/firearm/:id") { _, ctx in try await item(ctx, lot: false) }
        signedIn.get("tablet/lot/:id") { _, ctx in try await item(ctx, lot: true) }
        signedIn.get("tablet/act/:action") { req, ctx in try await actForm(req, ctx, error: nil, prefill: nil) }
        signedIn.post("tablet/act/:action") { req, ctx in try await act(req, ctx) }
        signedIn.get("tablet/result/:index") { _, ctx in try await result(ctx) }
        signedIn.get("dashboard") { req, ctx in try await dashboard(req, ctx) }
        signedIn.get("report/:day") { req, ctx in try await report(req, ctx) }
        signedIn.get("labels") { _, ctx in try await labels(ctx) }
        signedIn.get("timeline/:day") { req, ctx in try await timeline(req, ctx) }
        signedIn.get("entry/:index") { _, ctx in try await entry(ctx) }
        signedIn.get("crew") { _, ctx in try await crewPage(ctx) }
        signedIn.post("crew/pin") { req, ctx in try await crewPIN(req, ctx) }
        signedIn.post("crew/import") { req, ctx in try await crewImport(req, ctx) }
        signedIn.post("crew/contacts") { req, ctx in try await crewContacts(req, ctx, action: "add") }
        signedIn.post("crew/contacts/remove") { req, ctx in try await crewContacts(req, ctx, action: "remove") }
        signedIn.post("crew/webhooks") { req, ctx in try await crewContacts(req, ctx, action: "webhook") }
        signedIn.post("crew/webhooks/remove") { req, ctx in try await crewContacts(req, ctx, action: "remove-webhook") }
    }

    // MARK: Rendering

    func render(_ template: String, _ context: Any) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// A page of a production drawn from its stored log: its live stream starts from the
    /// log's last entry, so nothing recorded between the page and its stream is missed.
    func page(title: String, body: String, ctx: some PageRequestContext, log: (id: String, stored: ProductionLog), status: HTTPResponse.Status = .ok) -> Response {
        page(title: title, body: body, ctx: ctx, production: (log.id, log.stored.header), seen: log.stored.size - 1, status: status,
             readOnly: log.stored.fault.map { HubError.readOnlyMessage(log.id, $0) })
    }

    /// A whole page in the layout, with the headers every page carries. `seen`: the last
    /// entry it shows, from which its live stream starts (none: from when it opens).
    func page(title: String, body: String, ctx: some PageRequestContext, production: (id: String, header: ProductionHeader)?, seen: Int? = nil,
              status: HTTPResponse.Status = .ok, readOnly: String? = nil) -> Response {
        var context: [String: Any] = ["title": title, "body": body]
        if let readOnly { context["readOnly"] = readOnly }
        if let production, let mirror = api.mirrorBanner(production.id) { context["mirror"] = mirror }
        if let seen { context["seen"] = seen }
        if let production {
            context["production"] = production.id
            context["productionTitle"] = production.header.title
            context["today"] = String(api.now(timezone: production.header.timezone).prefix(10))
            if let s = ctx.session, s.production == production.id {
                context["signedIn"] = true
                context["person"] = s.person
                context["roles"] = s.roles.map(\.rawValue).sorted().joined(separator: ", ")
                context["live"] = !s.roles.isDisjoint(with: [.armorer, .firstAD, .producer, .safety])
                // The rules in words, for the alarm takeover: only on a screen that receives alarms.
                if context["live"] as? Bool == true { context["ruleText"] = Self.ruleText }
                // ALARM-1: who may acknowledge from the takeover (the engine decides; this only shapes the button).
                context["answers"] = !s.roles.isDisjoint(with: [.producer, .safety])
                context["acknowledges"] = !s.roles.isDisjoint(with: [.armorer, .firstAD])
            }
        }
        return html(render("layout", context), status: status)
    }

    /// Each rule's title and what to do, as JSON for the alarm takeover (data, not script).
    static let ruleText: String = JSON.object(Rule.allCases.map { rule in
        (rule.rawValue, JSON.object([("title", .string(rule.title)), ("advice", .string(RuleAdvice.advice(rule)))]))
    }).compactText.replacingOccurrences(of: "</", with: "<\\/")

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; media-src 'self' blob: mediastream:; frame-ancestors 'none'; form-action 'self'",
            .init("X-Content-Type-Options")!: "nosniff",
            // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with
            // the pages' own form posts, which the cross-site check must then refuse.
            .init("Referrer-Policy")!: "same-origin",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func asset(_ text: String, _ type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func production(_ ctx: SignedInPageContext) async throws -> (id: String, log: ProductionLog) {
        let id = try ctx.param("production")
        return (id, try await api.loaded(id))
    }

    // MARK: Sign-in

    func signInPage(_ ctx: ArmoryContext, error: String?, status: HTTPResponse.Status, selected: String? = nil) async throws -> Response {
        let id = try ctx.param("production")
        let (header, crew) = try await api.loaded(id) { ($0.header, $0.state.crew) }
        // The crew list as it stands (ids, names, roles) is shown only on a producer's signed-in
        // device, to hand it to the next person; anyone else types the id from their call sheet.
        let producerDevice = ctx.session.map { $0.production == id && $0.roles.contains(.producer) } ?? false
        let people: [[String: Any]] = producerDevice ? crew.map {
            ["id": $0.id, "name": $0.name, "roles": $0.roles.map(\.rawValue).sorted().joined(separator: ", "), "selected": $0.id == selected]
        } : []
        var context: [String: Any] = ["production": id, "productionTitle": header.title, "people": people, "list": producerDevice,
                                      "typed": selected ?? ""]
        if let error { context["error"] = error }
        // No log size on this page: anyone may open it.
        return page(title: "Sign in", body: render("signin", context), ctx: ctx, production: (id, header), status: status)
    }

    func signIn(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        let id = try ctx.param("production")
        let form = try await formFields(req)
        let person = form.first { $0.0 == "person" }?.1 ?? ""
        let password = form.first { $0.0 == "password" }?.1 ?? ""
        let pin = form.first { $0.0 == "pin" }?.1 ?? ""
        do {
            let (token, _) = try await api.authenticate(production: id, person: person, password: password.isEmpty ? nil : password,
                                                        pin: password.isEmpty && !pin.isEmpty ? pin : nil, address: ctx.address)
            var r = redirect("/p/\(id)")
            r.setCookie(api.sessionCookie(token, maxAge: Int(api.sessions.lifetime)))
            return r
        } catch let e as APIError {
            return try await signInPage(ctx, error: e.message, status: e.status, selected: person)
        }
    }

    // MARK: Tablet

    func firearmRows(_ production: String) async throws -> [[String: Any]] {
        try await api.hub.store.firearms(production).compactMap { item in
            guard let j = try? JSON.parse(item.json) else { return nil }
            let presence = j["presence"]?.stringValue ?? ""
            let custodian = j["custodian"]?.stringValue
            let condition = presence == "held" || presence == "missing" ? (j["condition"]?.stringValue ?? "") : "gone"
            let rounds = j["rounds"]?.intValue ?? 0
            let contents = (j["contents"]?.arrayValue ?? []).map { "\($0["count"]?.intValue ?? 0) from \($0["lot"]?.stringValue ?? "")" }.joined(separator: ", ")
            let whereText = (custodian.map { "with \($0)" } ?? presence.replacingOccurrences(of: "_", with: " "))
                + (j["stored_locked"] == .bool(true) ? ", locked away" : "")
            return ["id": item.id, "make": j["make"]?.stringValue ?? "", "model": j["model"]?.stringValue ?? "", "serial": j["serial"]?.stringValue ?? "",
                    "condition": condition == "gone" ? presence.replacingOccurrences(of: "_", with: " ") : condition,
                    "conditionClass": condition, "custodian": custodian ?? "no one", "where": whereText,
                    "rounds": rounds > 0 ? "\(rounds)" : false, "contents": contents, "production": production]
        }
    }

    func lotRows(_ production: String, state: ProductionState? = nil) async throws -> [[String: Any]] {
        try await api.hub.store.lots(production).compactMap { item in
            guard let j = try? JSON.parse(item.json) else { return nil }
            var flags: [String] = []
            // AMMO-4: a lot touched since the last wrap and not counted since rounds last moved.
            if let lot = state?.lot(item.id), lot.touchedSinceWrap, !lot.reconciledSinceMove, lot.withInvestigators == nil {
                flags.append("needs counting")
            }
            if j["quarantined"] == .bool(true) { flags.append("QUARANTINED") }
            if j["frozen"] == .bool(true) { flags.append("frozen") }
            if j["verified"] == .bool(true) { flags.append("verified") }
            if let c = j["with_investigators"]?.stringValue { flags.append("with investigators (\(c))") }
            let received = j["received"]?.intValue ?? 0, box = j["box"]?.intValue ?? 0, loaded = j["loaded"]?.intValue ?? 0, fired = j["fired"]?.intValue ?? 0
            return ["id": item.id, "kind": j["kind"]?.stringValue ?? "", "caliber": j["caliber"]?.stringValue ?? "", "received": received, "box": box,
                    "loaded": loaded, "fired": fired, "balanced": received == box + loaded + fired,
                    "flags": flags.isEmpty ? false : flags.joined(separator: ", "), "production": production]
        }
    }

    func tablet(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let s = ctx.signedIn
        let (id, log) = try await production(ctx)
        var firearms = try await firearmRows(id)
        for i in firearms.indices { firearms[i]["condition"] = firearms[i]["conditionClass"] }
        let general: [[String: Any]] = ActionForm.generalActions.compactMap(ActionForm.named).map { ["name": $0.name, "title": $0.title] }
        // The cards and open alarms refresh live, as the dashboard does, on every entry.
        let live = render("tablet-live", ["production": id, "firearms": firearms, "lots": try await lotRows(id, state: log.state),
                                          "alarms": try await openAlarmsHTML(id, log, person: s.person)])
        if req.uri.queryParameters["part"] == "live" { return html(live) }
        let body = render("tablet", ["production": id, "general": general, "live": live])
        return page(title: "Tablet", body: body, ctx: ctx, log: (id, log))
    }

    func item(_ ctx: SignedInPageContext, lot: Bool) async throws -> Response {
        let (id, log) = try await production(ctx)
        let itemID = try ctx.param("id")
        let rows = lot ? try await lotRows(id) : try await firearmRows(id)
        guard let row = rows.first(where: { ($0["id"] as? String) == itemID }) else {
            throw APIError.notFound("no \(lot ? "lot" : "firearm") '\(itemID)' in this production")
        }
        let summary: String
        if lot {
            summary = "\(row["kind"]!) lot, \(row["caliber"]!): \(row["received"]!) received, \(row["box"]!) in the box, \(row["loaded"]!) in firearms, \(row["fired"]!) fired."
                + ((row["flags"] as? String).map { " \($0)." } ?? "")
        } else {
            let contents = (row["contents"] as? String) ?? ""
            summary = "\(row["make"]!) \(row["model"]!), serial \(row["serial"]!). \((row["where"] as? String) ?? "")." + (contents.isEmpty ? " Empty." : " Holds \(contents).")
        }
        // Each action tried first as a dry run: what the engine would decide now, for the person signed in.
        let state = log.state
        var offers = ItemActions(state: state, person: ctx.signedIn.person, at: api.stamp(in: TimeZone(identifier: log.header.timezone) ?? .gmt),
                                 currentScene: currentScene(log), production: id)
        var notes: [StateNote] = []
        let subject: Subject = lot ? .lot(itemID) : .firearm(itemID)
        let history = try await api.hub.store.history(id, of: subject, before: .max, limit: 200)
        if lot, let l = state.lot(itemID) {
            offers.lot(l)
        } else if !lot, let f = state.firearm(itemID) {
            offers.firearm(f)
            var lotHistories: [String: [StoredEntry]] = [:]
            if f.withdrawnForLiveLot {
                for l in state.lotOrder where state.lots[l]?.foundLive == true && state.lots[l]?.loadedInto.contains(itemID) == true {
                    lotHistories[l] = try await api.hub.store.history(id, of: .lot(l), before: .max, limit: 200)
                }
            }
            notes = ItemActions.notes(f, state: state, production: id, history: history, lotHistory: { lotHistories[$0] ?? [] })
        }
        let view = ItemPageView(production: id, id: itemID, kindTitle: lot ? "Lot" : "Firearm", condition: lot ? "" : (row["conditionClass"] as? String ?? ""),
                                summary: summary, notes: notes, now: OfferGroup(offers.now), reports: OfferGroup(offers.reports),
                                notNow: OfferGroup(offers.notNow), history: entryTable(id, Array(history.suffix(12).reversed()), people: state.people))
        return page(title: "\(lot ? "Lot" : "Firearm") \(itemID)", body: render("item", view), ctx: ctx, log: (id, log))
    }

    /// The scene most recently named in the log: what a new step's scene field starts as.
    func currentScene(_ log: ProductionLog) -> String? {
        for bytes in log.entries.last(80).reversed() {
            // Only a signed-in person's step sets the scene: an anonymous concern never fills in the armorer's forms.
            if let e = try? LogEntry(decoding: bytes), e.kind == .step, e.by != nil, let body = try? JSON.parse(e.body),
               let scene = body["scene"]?.stringValue { return scene }
        }
        return nil
    }

    func actForm(_ req: Request, _ ctx: SignedInPageContext, error: String?, prefill: [(String, String)]?, status: HTTPResponse.Status = .ok,
                 field: String? = nil) async throws -> Response {
        let s = ctx.signedIn
        let (id, log) = try await production(ctx)
        let name = try ctx.param("action")
        guard let form = ActionForm.named(name) else { throw APIError.notFound("no action '\(name)' (one of: \(Action.names.joined(separator: ", ")))") }
        var values: [String: [String]] = [:]
        for (k, v) in prefill ?? req.uri.queryParameters.map({ (String($0.key), String($0.value)) }) { values[k, default: []].append(v) }
        if values["scene"] == nil, let scene = currentScene(log) { values["scene"] = [scene] }
        if name == "store" && prefill == nil { values["locked"] = ["on"] }
        let back = values["firearm"].map { "/p/\(id)/tablet/firearm/\(urlEncode($0[0]))" } ?? values["lot"].map { "/p/\(id)/tablet/lot/\(urlEncode($0[0]))" } ?? "/p/\(id)/tablet"
        var context: [String: Any] = ["production": id, "name": name, "title": form.title, "person": s.person, "now": String(api.now(timezone: log.header.timezone).dropFirst(11).prefix(5)),
                                      "observation": form.observation, "fields": fieldsHTML(form, log: log, person: s.person, values: values, error: field.flatMap { f in error.map { (f, $0) } }),
                                      "back": back]
        if let error { context["error"] = error }
        // A fresh key for each form shown, kept when the form is shown again after an error:
        // sending it twice (a lost reply, a double tap) records the step once.
        context["key"] = prefill.flatMap { $0.first { $0.0 == IdempotencyKey.field }?.1 } ?? Self.newKey()
        if name == "wrap" {
            let checklist = Self.wrapChecklist(log.state)
            context["checklist"] = checklist
            context["hasChecklist"] = !checklist.isEmpty
            context["wrapClear"] = checklist.isEmpty
        }
        return page(title: form.title, body: render("act", context), ctx: ctx, log: (id, log), status: status)
    }

    /// The form's controls, with `error`'s message beside the field it names.
    func fieldsHTML(_ form: ActionForm, log: ProductionLog, person: String, values: [String: [String]], error: (field: String, message: String)? = nil) -> String {
        var out = ""
        // Roles as of now (ROLE-3): the crew as it stands, not as the production opened.
        let people = log.state.crew
        for field in form.fields {
            let fid = "f-\(field.name)"
            let current = values[field.name] ?? []
            let label = field.label + (field.optional ? " (optional)" : "")
            func option(_ value: String, _ text: String) -> String {
                "<option value=\"\(htmlEscape(value))\"\(current.contains(value) ? " selected" : "")>\(htmlEscape(text))</option>"
            }
            /// A labelled drop-down, with an empty first choice reading `prompt` when one is given.
            func select(prompt: String?, _ options: [String]) -> String {
                "<label for=\"\(fid)\">\(htmlEscape(label))</label><select id=\"\(fid)\" name=\"\(field.name)\"\(field.optional ? "" : " required")>"
                    + (prompt.map { "<option value=\"\">\($0)</option>" } ?? "") + options.joined() + "</select>"
            }
            func named(_ p: Person) -> String { "\(p.name) (\(p.roles.map(\.rawValue).sorted().joined(separator: ", ")))" }
            switch field.kind {
            case .firearm:
                let ids = log.state.firearmOrder.filter { log.state.firearms[$0] != nil }
                out += select(prompt: current.isEmpty ? "Choose a firearm" : nil, ids.map { option($0, $0) })
            case .lot:
                // On the Load form a lot nothing may be loaded from is marked, and not offered.
                let loading = form.name == "load"
                out += select(prompt: current.isEmpty ? "Choose a lot" : nil, log.state.lotOrder.compactMap { id -> String? in
                    guard let lot = log.state.lots[id] else { return nil }
                    let why = loading ? Self.unusable(lot) : nil
                    let text = "\(id) (\(lot.kind.rawValue), \(lot.box) in the box)" + (why.map { " — \($0)" } ?? "")
                    guard why != nil else { return option(id, text) }
                    return "<option value=\"\(htmlEscape(id))\" disabled>\(htmlEscape(text))</option>"
                })
            case .person:
                out += select(prompt: field.optional ? "Not given" : "Choose a person", people.map { option($0.id, named($0)) })
            case .actor:
                // The person signed in unless another is chosen: the entry names both.
                let me = people.first { $0.id == person }
                out += select(prompt: "Me" + (me.map { ", \(htmlEscape($0.name))" } ?? ""), people.filter { $0.id != person }.map { option($0.id, named($0)) })
            case .people:
                out += "<fieldset><legend>\(htmlEscape(label))</legend>" + people.map { p in
                    "<label class=\"check\"><input type=\"checkbox\" name=\"\(field.name)\" value=\"\(htmlEscape(p.id))\"\(current.contains(p.id) ? " checked" : "")>"
                        + "\(htmlEscape(named(p)))</label>"
                }.joined() + "</fieldset>"
            case .flag:
                out += "<label class=\"check\"><input type=\"checkbox\" id=\"\(fid)\" name=\"\(field.name)\"\(current.isEmpty ? "" : " checked")>\(htmlEscape(field.label))</label>"
            case .choice(let options):
                // No answer is chosen in advance: a safety answer ("clear", "cold", "dummy") is the
                // armorer's to give, never a default to tap past.
                out += "<fieldset><legend>\(htmlEscape(label))</legend>" + options.map { o in
                    "<label class=\"check\"><input type=\"radio\" name=\"\(field.name)\" value=\"\(o)\"\(current.contains(o) ? " checked" : "")\(field.optional ? "" : " required")>\(o)</label>"
                }.joined() + "</fieldset>"
            case .count, .measure:
                out += "<label for=\"\(fid)\">\(htmlEscape(label))</label><input type=\"number\" inputmode=\"numeric\" min=\"0\"\(field.kind == .measure ? " step=\"any\"" : "") id=\"\(fid)\" name=\"\(field.name)\" value=\"\(htmlEscape(current.first ?? ""))\"\(field.optional ? "" : " required")>"
            case .longText:
                out += "<label for=\"\(fid)\">\(htmlEscape(label))</label><textarea id=\"\(fid)\" name=\"\(field.name)\"\(field.optional ? "" : " required")>\(htmlEscape(current.first ?? ""))</textarea>"
            case .scene:
                let scenes = Set(log.state.meetings.keys).sorted()
                out += "<label for=\"\(fid)\">\(htmlEscape(label))</label><input type=\"text\" id=\"\(fid)\" name=\"\(field.name)\" list=\"\(fid)-known\" value=\"\(htmlEscape(current.first ?? ""))\"\(field.optional ? "" : " required")>"
                    + "<datalist id=\"\(fid)-known\">" + scenes.map { "<option value=\"\(htmlEscape($0))\"></option>" }.joined() + "</datalist>"
            case .roles:
                out += "<fieldset><legend>\(htmlEscape(label))</legend>" + Role.allCases.map { r in
                    "<label class=\"check\"><input type=\"checkbox\" name=\"\(field.name)\" value=\"\(r.rawValue)\"\(current.contains(r.rawValue) ? " checked" : "")>\(r.rawValue)</label>"
                }.joined() + "</fieldset>"
            case .credentials:
                out += "<fieldset><legend>\(htmlEscape(label))</legend>" + CredentialKind.allCases.map { kind in
                    let base = "\(field.name).\(kind.rawValue)"
                    let id = "\(fid)-\(kind.rawValue)"
                    return "<label for=\"\(id)-number\">\(kind.rawValue.capitalized) number</label><input type=\"text\" id=\"\(id)-number\" name=\"\(base).number\" autocomplete=\"off\">"
                        + "<label for=\"\(id)-expires\">\(kind.rawValue.capitalized) valid through</label><input type=\"date\" id=\"\(id)-expires\" name=\"\(base).expires\">"
                }.joined() + "</fieldset>"
            case .date:
                out += "<label for=\"\(fid)\">\(htmlEscape(label))</label><input type=\"date\" id=\"\(fid)\" name=\"\(field.name)\" value=\"\(htmlEscape(current.first ?? ""))\"\(field.optional ? "" : " required")>"
            case .alarm:
                // Open alarms first, newest first; answered ones after, for a second acknowledgement.
                let open = log.state.openAlarms.reversed()
                let answered = log.state.alarms.keys.filter { log.state.alarms[$0]?.answered == true }.sorted(by: >)
                out += select(prompt: current.isEmpty ? "Choose an alarm" : nil,
                              open.map { option(String($0), "Alarm \($0) (open)") } + answered.map { option(String($0), "Alarm \($0) (answered)") })
            case .newPerson, .newFirearm, .newLot, .text:
                out += "<label for=\"\(fid)\">\(htmlEscape(label))</label><input type=\"text\" id=\"\(fid)\" name=\"\(field.name)\" value=\"\(htmlEscape(current.first ?? ""))\"\(field.optional ? "" : " required") autocomplete=\"off\">"
            }
            if let error, error.field == field.name {
                out += "<p class=\"field-error\" id=\"\(fid)-error\" role=\"alert\">\(htmlEscape(error.message))</p>"
            }
        }
        return out
    }

    /// Records a form's step and answers with a redirect to its result (Post/Redirect/Get):
    /// reloading the result records nothing, and a form sent again with the same hidden
    /// idempotency key (a retry after a lost reply) lands on the first attempt's result.
    func act(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let s = ctx.signedIn
        let id = try ctx.param("production")
        let name = try ctx.param("action")
        guard let form = ActionForm.named(name) else { throw APIError.notFound("no action '\(name)'") }
        let fields: [(String, String)]
        do { fields = try await formFields(req) } catch let e as APIError where e.status == .badRequest {
            return try await actForm(req, ctx, error: e.message, prefill: [], status: e.status, field: e.field)
        }
        guard case let .object(members) = form.json(from: fields) else { throw APIError.badRequest("bad form") }
        let key = fields.first { $0.0 == IdempotencyKey.field }.map(\.1).flatMap { $0.isEmpty ? nil : $0 }
        let recorded: ProductionHub.Recorded
        do {
            recorded = try await api.recordStep(id, members: members, session: s, key: key)
        } catch let e as APIError where e.status.code < 500 {
            // The same message the API gives, beside the field it names.
            return try await actForm(req, ctx, error: e.message, prefill: fields, status: e.status, field: e.field)
        }
        return redirect("/p/\(id)/tablet/result/\(recorded.index)")
    }

    /// What a recorded step came to, read from its entry: the page a form's post leads to.
    func result(_ ctx: SignedInPageContext) async throws -> Response {
        let s = ctx.signedIn
        let (id, log) = try await production(ctx)
        let raw = try ctx.param("index")
        var found: LogEntry?
        if let index = Int(raw), index > 0, index < log.size { found = try await api.hub.entry(id, index) }
        guard let index = Int(raw), let e = found, e.kind == .step,
              let body = try? JSON.parse(e.body), let step = try? Step(json: body)
        else { throw APIError.notFound("no step recorded as entry \(raw)") }
        let title = ActionForm.named(step.action.name)?.title ?? step.action.name
        let firearm = step.action.firearm, lot = body["lot"]?.stringValue
        // Back to where the step came from: the crew page for a crew change, the dashboard for an acknowledgement.
        let back = firearm.map { "/p/\(id)/tablet/firearm/\(urlEncode($0))" } ?? lot.map { "/p/\(id)/tablet/lot/\(urlEncode($0))" }
            ?? (body["person"] != nil ? "/p/\(id)/crew" : step.action.name == "acknowledge" ? "/p/\(id)/dashboard" : "/p/\(id)/tablet")
        // An alarm can be acknowledged from its result, by whoever may, until it is.
        let acknowledge = log.state.alarms[index].map { Self.mayAcknowledge(log.state, person: s.person, alarm: $0, at: $0.at) } ?? false
        let headline: String
        switch e.outcome {
        case .ok: headline = "Recorded: \(title.lowercased())"
        case .alarm: headline = "Recorded, with an ALARM"
        case .refused: headline = "Refused: not recorded as done"
        }
        let recorder = e.receipt?.recorder
        let rules: [[String: Any]] = e.rules.map { ["id": $0.rawValue, "title": $0.title, "advice": RuleAdvice.advice($0)] }
        var context: [String: Any] = ["production": id, "outcome": e.outcome.rawValue, "headline": headline, "rules": rules,
                                      "rulesText": e.rules.map(\.rawValue).joined(separator: ","), "message": e.message,
                                      "index": index, "back": back, "acknowledge": acknowledge, "key": Self.newKey()]
        if let by = e.by, let recorder, recorder != by {
            context["recordedFor"] = "\(Self.named(log.state, by)), recorded by \(Self.named(log.state, recorder))"
        }
        return page(title: headline, body: render("result", context), ctx: ctx, log: (id, log))
    }

    /// A new idempotency key for a form: 128 random bits, hex.
    static func newKey() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &g), radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }

    /// A person as pages name them: name and roles in force.
    static func named(_ state: ProductionState, _ id: String) -> String {
        guard let p = state.people[id] else { return id }
        let roles = p.rolesInForce.map(\.rawValue).sorted().joined(separator: ", ")
        return roles.isEmpty ? p.name : "\(p.name) (\(roles))"
    }

    /// Why nothing may be loaded from `lot`, in plain words, or nil when it may (AMMO-1, AMMO-2, EVID-2).
    static func unusable(_ lot: LotState) -> String? {
        if lot.quarantined { return lot.kind == .live ? "LIVE AMMUNITION: quarantined" : "QUARANTINED: a live round was found in it" }
        if lot.frozen || lot.withInvestigators != nil { return "FROZEN as evidence" }
        if lot.kind == .dummy && !lot.verified { return "NOT VERIFIED: inspect every round first" }
        if lot.box == 0 { return "empty" }
        return nil
    }

    /// What is outstanding before a wrap (FA-6, AMMO-4, ALARM-1), in plain words: the wrap
    /// is still allowed and recorded, with the alarms these raise.
    static func wrapChecklist(_ state: ProductionState) -> [String] {
        var out: [String] = []
        for id in state.firearmOrder {
            guard let f = state.firearms[id], f.presence.isInProduction else { continue }
            switch f.presence {
            case .missing: out.append("\(id) is missing")
            case let .held(by) where state.people[by]?.mayActAsArmorer != true: out.append("\(id) is still with \(by), not back with the armorer")
            default: if !f.storedLocked { out.append("\(id) is not stored locked") }
            }
        }
        for id in state.lotsTouchedSinceWrap {
            guard let lot = state.lots[id], lot.withInvestigators == nil else { continue }
            if !lot.reconciledSinceMove { out.append("lot \(id) needs counting (\(lot.box) should be in the box)") }
            else if lot.lastReconcileMatched != true { out.append("lot \(id)'s last count did not match its box") }
        }
        let open = state.openAlarms
        if !open.isEmpty { out.append("\(open.count) alarm\(open.count == 1 ? " is" : "s are") still open (entries \(open.map(String.init).joined(separator: ", ")))") }
        return out
    }

    // MARK: Dashboard

    func dashboard(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let (id, log) = try await production(ctx)
        let live = try await dashboardLive(id, log, person: ctx.signedIn.person)
        if req.uri.queryParameters["part"] == "live" { return html(live) }
        return page(title: "Dashboard", body: render("dashboard", ["production": id, "live": live, "policy": Self.policySentence(log.header.policy)]),
                    ctx: ctx, log: (id, log))
    }

    func dashboardLive(_ id: String, _ log: ProductionLog, person: String) async throws -> String {
        let firearms = try await firearmRows(id)
        let lots = try await lotRows(id, state: log.state)
        let day = String(api.now(timezone: log.header.timezone).prefix(10))
        let todays = try await api.hub.store.timeline(id, day: day)
        let alarms = try await api.hub.store.recentAlarms(id, limit: 20)
        var out = needsAttentionHTML(log.state) + (try await openAlarmsHTML(id, log, person: person)) + "<h2>Firearms</h2><table><caption class=\"muted\">Where every firearm is, who holds it, and its condition</caption>"
            + "<thead><tr><th scope=\"col\">Firearm</th><th scope=\"col\">Condition</th><th scope=\"col\">Held by</th><th scope=\"col\">Contents</th></tr></thead><tbody>"
        for f in firearms {
            let contents = (f["contents"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "empty"
            out += "<tr><th scope=\"row\">\(htmlEscape(f["id"] as! String)) <span class=\"muted\">\(htmlEscape("\(f["make"]!) \(f["model"]!)"))</span></th>"
                + "<td><span class=\"badge c-\(f["conditionClass"]!)\">\(htmlEscape(f["condition"] as! String))</span></td>"
                + "<td>\(htmlEscape(f["where"] as! String))</td><td>\(htmlEscape(contents))</td></tr>"
        }
        out += "</tbody></table><h2>Lots</h2><table><thead><tr><th scope=\"col\">Lot</th><th scope=\"col\">Kind</th><th scope=\"col\">In the box</th>"
            + "<th scope=\"col\">In firearms</th><th scope=\"col\">Fired</th><th scope=\"col\">Received</th><th scope=\"col\">Notes</th></tr></thead><tbody>"
        for l in lots {
            out += "<tr><th scope=\"row\">\(htmlEscape(l["id"] as! String))</th><td>\(htmlEscape(l["kind"] as! String))</td><td>\(l["box"]!)</td><td>\(l["loaded"]!)</td>"
                + "<td>\(l["fired"]!)</td><td>\(l["received"]!)</td><td>\(htmlEscape((l["flags"] as? String) ?? ""))</td></tr>"
        }
        out += "</tbody></table>"
        let open = alarms.filter { !$0.entry.rules.contains(.concern1) }
        let concerns = alarms.filter { $0.entry.rules.contains(.concern1) }
        out += "<h2>Alarms</h2>" + (open.isEmpty ? "<p>No alarms.</p>" : entryTable(id, open.reversed()))
        out += "<h2>Concerns</h2>" + (concerns.isEmpty ? "<p>No concerns raised.</p>" : entryTable(id, concerns.reversed()))
        let meetings = todays.filter { ($0.entry.kind == .step) && $0.entry.body.contains("\"do\":\"safety_meeting\"") }
        let scenes = Set(todays.compactMap { (try? JSON.parse($0.entry.body))?["scene"]?.stringValue }).sorted()
        out += "<h2>Today's scenes (\(htmlEscape(day)))</h2>"
        out += scenes.isEmpty ? "<p>No scene named today yet.</p>" : "<ul>" + scenes.map { scene in
            let held = log.state.meetings[scene]
            let text = held.map { "safety meeting held" + ($0 ? ", blanks announced" : ", no blanks") } ?? "no safety meeting since the last wrap"
            return "<li><strong>\(htmlEscape(scene))</strong>: \(text)</li>"
        }.joined() + "</ul>"
        out += "<h2>Safety meetings today</h2>" + (meetings.isEmpty ? "<p>None yet.</p>" : entryTable(id, meetings))
        return out
    }

    /// The report's summary: the day in a few sentences a producer or an insurer reads first.
    func reportSummary(_ state: ProductionState, entries: [StoredEntry], firearms: [String], lots: [String]) -> String {
        let alarms = entries.filter { $0.entry.outcome == .alarm }
        let open = alarms.filter { state.alarms[$0.index]?.answered != true }.count
        let refused = entries.filter { $0.entry.outcome == .refused }.count
        let critical = alarms.filter { $0.entry.rules.contains(.fa7) }.count
        var lines = ["\(entries.count) entries recorded; \(firearms.count) firearm\(firearms.count == 1 ? "" : "s") and \(lots.count) lot\(lots.count == 1 ? "" : "s") named."]
        lines.append("\(alarms.count) alarm\(alarms.count == 1 ? "" : "s")" + (critical > 0 ? ", \(critical) of them an unplanned discharge (FA-7)" : "")
                     + (alarms.isEmpty ? "." : open == 0 ? ", every one answered." : "; \(open) still OPEN."))
        lines.append("\(refused) command\(refused == 1 ? "" : "s") refused, each recorded.")
        let unbalanced = lots.filter { id in state.lot(id).map { $0.box + state.roundsLoaded(from: $0) + $0.fired != $0.received } ?? false }
        lines.append(unbalanced.isEmpty ? "Every round of these lots is accounted for." : "Rounds do NOT add up for lot \(unbalanced.joined(separator: ", ")).")
        let live = lots.filter { state.lot($0)?.quarantined == true }
        if !live.isEmpty { lines.append("Live ammunition: lot \(live.joined(separator: ", ")) quarantined (AMMO-1).") }
        return "<h2 id=\"summary\">Summary</h2><ul>" + lines.map { "<li>\(htmlEscape($0))</li>" }.joined() + "</ul>"
    }

    /// What needs someone now, first on the dashboard: open alarms, firearms frozen,
    /// withdrawn, unknown, away from the armorer or missing, lots quarantined or not counted.
    func needsAttentionHTML(_ state: ProductionState) -> String {
        var items: [String] = []
        let open = state.openAlarms.count
        if open > 0 { items.append("\(open) open alarm\(open == 1 ? "" : "s"), listed below") }
        for id in state.firearmOrder {
            guard let f = state.firearms[id], f.presence.isInProduction else { continue }
            switch state.condition(of: f) {
            case .frozen: items.append("\(id) is FROZEN as evidence (FA-7)")
            case .withdrawn: items.append("\(id) is WITHDRAWN until the armorer inspects it clear (\(f.withdrawnForFault ? "FA-8" : "AMMO-1"))")
            case .unknown: items.append("\(id) is UNKNOWN until the armorer inspects it (FA-4)")
            case .hot, .cold: break
            }
            switch f.presence {
            case .missing: items.append("\(id) is MISSING (FA-5)")
            case let .held(by) where state.people[by]?.mayActAsArmorer != true:
                items.append("\(id) is with \(state.people[by].map { "\($0.name) (\(by))" } ?? by), not the armorer")
            default: break
            }
        }
        for id in state.lotOrder {
            guard let lot = state.lots[id], lot.withInvestigators == nil else { continue }
            if lot.quarantined { items.append("lot \(id) is QUARANTINED (AMMO-1)") }
            if lot.touchedSinceWrap && !lot.reconciledSinceMove { items.append("lot \(id) needs counting before the wrap (AMMO-4)") }
        }
        return "<section id=\"needs-attention\" aria-labelledby=\"needs-attention-title\"><h2 id=\"needs-attention-title\">Needs attention</h2>"
            + (items.isEmpty ? "<p>Nothing needs attention now.</p>" : "<ul>" + items.map { "<li>\(htmlEscape($0))</li>" }.joined() + "</ul>") + "</section>"
    }

    /// A table of entries: time, who, what, outcome and rules, each linking to the entry and its proof.
    func entryTable(_ production: String, _ entries: [StoredEntry], people: IDTable<Person> = IDTable()) -> String {
        guard !entries.isEmpty else { return "<p>None.</p>" }
        /// A person as a reader knows them: name and roles, the id when the name is not known.
        func named(_ id: String) -> String {
            guard let p = people[id] else { return id }
            let roles = Role.allCases.filter(p.roles.contains).map(\.rawValue).joined(separator: ", ")
            return "\(p.name) (\(roles.isEmpty ? "off the crew" : roles))"
        }
        var out = "<table><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Who</th><th scope=\"col\">What</th><th scope=\"col\">Outcome</th><th scope=\"col\">Message</th></tr></thead><tbody>"
        for e in entries {
            let body = try? JSON.parse(e.entry.body)
            let action = body?["do"]?.stringValue
            // Plain words for the action where a reader sees them (the report, the dashboard).
            var what = people.isEmpty ? (action ?? e.entry.kind.rawValue) : (action.flatMap { ActionForm.named($0)?.title } ?? action ?? e.entry.kind.rawValue)
            if !people.isEmpty, action == "fire", let shooter = body?["shooter"]?.stringValue { what += ", fired by " + named(shooter) }
            for subject in [body?["firearm"]?.stringValue, body?["lot"]?.stringValue] { if let subject { what += " " + subject } }
            let link = "/p/\(htmlEscape(urlEncode(production)))/entry/\(e.index)"
            var more = ""
            if let text = body?["text"]?.stringValue {
                // A long concern is cut here; its entry page holds the whole text.
                let cut = text.count > Self.excerptLength
                what += ": “\(cut ? String(text.prefix(Self.excerptLength)) + "…" : text)”"
                if cut { more = " <a href=\"\(link)\">(the whole text)</a>" }
            }
            let outcome = e.entry.outcome.rawValue + (e.entry.rules.isEmpty ? "" : " " + e.entry.rules.map(\.rawValue).joined(separator: ", "))
            // The person who acted, and the person who recorded it when someone else did (the armorer for talent).
            var who = e.entry.by.map(named) ?? "anonymous"
            if let recorder = e.entry.receipt?.recorder, recorder != e.entry.by { who += ", recorded by " + named(recorder) }
            out += "<tr><td><a href=\"\(link)\">\(htmlEscape(clock(e.entry.at)))</a>\(receivedNote(e.entry))</td><td>\(htmlEscape(who))</td>"
                + "<td>\(htmlEscape(what))\(more)</td><td>\(htmlEscape(outcome))</td><td>\(htmlEscape(e.entry.message))</td></tr>"
        }
        return out + "</tbody></table>"
    }

    func clock(_ at: String) -> String { String(at.dropFirst(11).prefix(5)) }

    /// Characters of a concern shown in a table; the entry page shows all of it.
    static let excerptLength = 280

    /// When the server received an entry, shown beside its claimed time when the two differ
    /// by more than the clock tolerance: a reader sees at once a time the device got wrong.
    func receivedNote(_ e: LogEntry) -> String {
        guard let received = e.receipt?.received, let r = Timestamp(rfc3339: received), let at = Timestamp(rfc3339: e.at),
              abs(r.seconds - at.seconds) > Limits.clockTolerance else { return "" }
        return "<br><span class=\"received\" title=\"the server's clock when it received this\">received \(htmlEscape(received))</span>"
    }

    // MARK: Daily report

    /// Who witnessed a checkpoint, for the report: the server's witnesses whose cosignatures
    /// verify, against the quorum (nothing on a server with no witnesses).
    func witnessSentence(_ note: SignedNote) -> String {
        let witnesses = api.options.witnesses
        guard !witnesses.isEmpty else { return "" }
        let cosigned = api.cosignatures(on: note)
        let who = cosigned.map { "\(htmlEscape($0.witness)) at \(htmlEscape($0.at))" }.joined(separator: "; ")
        let quorum = api.options.witnessQuorum
        if cosigned.count >= quorum {
            return "<p class=\"witnessed\">Witnessed: cosigned by \(who) (\(cosigned.count) of \(witnesses.count) witnesses; \(quorum) needed).</p>"
        }
        return "<p class=\"not-witnessed\"><strong>Not yet witnessed:</strong> \(cosigned.count) of the \(quorum) cosignatures needed"
            + (cosigned.isEmpty ? "" : " (cosigned by \(who))") + ". The witnesses are asked again until they answer.</p>"
    }

    /// The address another device reaches this server at: `--public-url` when given, else the
    /// address this page was opened at.
    func baseURL(_ req: Request) -> String {
        if let url = api.options.publicURL { return url }
        let host = req.head.authority ?? "localhost"
        let scheme = req.headers[.init("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }

    func report(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let (id, log) = try await production(ctx)
        let day = try ArmoryAPI.day(try ctx.param("day"))
        let entries = try await api.hub.store.timeline(id, day: day)
        var out = "<p>Production <strong>\(htmlEscape(log.header.title))</strong> (\(htmlEscape(id))), time zone \(htmlEscape(log.header.timezone)). "
            + "\(htmlEscape(Self.policySentence(log.header.policy))) " + "\(entries.count) entries this day"
        if let first = entries.first, let last = entries.last { out += ", \(first.index) to \(last.index), \(clock(first.entry.at)) to \(clock(last.entry.at))" }
        out += ".</p>"
        // Custody chain of every firearm named this day.
        var firearms: [String] = []
        var bodies: [Int: JSON] = [:]
        for e in entries {
            guard let body = try? JSON.parse(e.entry.body) else { continue }
            bodies[e.index] = body
            for f in TimelineDrawing.firearms(namedIn: body) where !firearms.contains(f) { firearms.append(f) }
        }
        out += "<h2>Firearms: custody chain</h2>"
        if firearms.isEmpty { out += "<p>No firearm was named this day.</p>" }
        for f in firearms {
            let named = entries.filter { bodies[$0.index].map { TimelineDrawing.firearms(namedIn: $0).contains(f) } ?? false }
            let state = log.state.firearm(f)
            out += "<section class=\"firearm-chain\"><h3>\(htmlEscape(f))\(state.map { " — \(htmlEscape($0.make)) \(htmlEscape($0.model)), serial \(htmlEscape($0.serial))" } ?? "")</h3>"
                + entryTable(id, named, people: log.state.people) + "</section>"
        }
        // Every round: the day's movements per lot, and the balance now.
        var moved: [String: (received: Int, loaded: Int, unloaded: Int, counted: [String])] = [:]
        var lotOrder: [String] = []
        for e in entries where e.entry.outcome != .refused {
            guard let b = bodies[e.index], let lot = b["lot"]?.stringValue else { continue }
            if moved[lot] == nil { lotOrder.append(lot); moved[lot] = (0, 0, 0, []) }
            switch b["do"]?.stringValue {
            case "receive_ammo": moved[lot]!.received += b["count"]?.intValue ?? 0
            case "load": moved[lot]!.loaded += b["rounds"]?.intValue ?? 0
            case "unload": moved[lot]!.unloaded += b["rounds"]?.intValue ?? 0
            case "reconcile": moved[lot]!.counted.append("\(b["counted"]?.intValue ?? 0) at \(clock(e.entry.at))" + (e.entry.rules.isEmpty ? "" : " (\(e.entry.rules.map(\.rawValue).joined(separator: ", ")))"))
            default: break
            }
        }
        out += "<h2>Ammunition: every round</h2><table><thead><tr><th scope=\"col\">Lot</th><th scope=\"col\">Kind</th><th scope=\"col\">Received today</th>"
            + "<th scope=\"col\">Loaded today</th><th scope=\"col\">Unloaded today</th><th scope=\"col\">Counts</th><th scope=\"col\">Now: box + in firearms + fired = received</th></tr></thead><tbody>"
        for lot in lotOrder {
            let m = moved[lot]!
            let l = log.state.lot(lot)
            let balance = l.map { l in
                let inFirearms = log.state.roundsLoaded(from: l)
                let sums = "\(l.box) + \(inFirearms) + \(l.fired) = \(l.received)" + (l.box + inFirearms + l.fired == l.received ? " ✓" : " ✗ does not add up")
                // A lot that must not be used says so beside its count (AMMO-1, EVID-2).
                return sums + (l.kind == .live ? "; LIVE AMMUNITION, quarantined" : l.foundLive ? "; LIVE ROUND FOUND, quarantined" : "")
                    + (l.frozen ? "; frozen as evidence" : "")
            } ?? ""
            out += "<tr><th scope=\"row\">\(htmlEscape(lot))</th><td>\(htmlEscape(l?.kind.rawValue ?? ""))</td><td>\(m.received)</td><td>\(m.loaded)</td><td>\(m.unloaded)</td>"
                + "<td>\(htmlEscape(m.counted.isEmpty ? "not counted" : m.counted.joined(separator: "; ")))</td><td>\(htmlEscape(balance))</td></tr>"
        }
        if lotOrder.isEmpty { out += "<tr><td colspan=\"7\">No ammunition moved this day.</td></tr>" }
        out += "</tbody></table>"
        let meetings = entries.filter { bodies[$0.index]?["do"]?.stringValue == "safety_meeting" }
        out += "<h2>Safety meetings</h2>" + (meetings.isEmpty ? "<p>None.</p>" : entryTable(id, meetings, people: log.state.people))
        let alarms = entries.filter { $0.entry.outcome == .alarm }
        var deliveries: [Int: [Delivery]] = [:]
        if let outbox = api.outbox, !alarms.isEmpty {
            let wanted = Set(alarms.map(\.index))
            for d in (try? await outbox.deliveries(id, index: nil)) ?? [] where wanted.contains(d.index) { deliveries[d.index, default: []].append(d) }
        }
        out += "<h2>Alarms</h2>" + alarmAnswersHTML(id, log, alarms, now: api.stamp(in: TimeZone(identifier: log.header.timezone) ?? .gmt), deliveries: deliveries)
        let refusals = entries.filter { $0.entry.outcome == .refused }
        out += "<h2>Refused commands</h2>" + (refusals.isEmpty ? "<p>None.</p>" : entryTable(id, refusals, people: log.state.people))
        out += reportSummary(log.state, entries: entries, firearms: firearms, lots: lotOrder)
        // The day's signed checkpoint: the first that covers every entry of the day.
        out += "<h2>Signed checkpoint</h2>"
        let lastIndex = entries.last?.index ?? -1
        let firstIndex = entries.first?.index ?? Int.max
        let size = { (note: SignedNote) in (try? Checkpoint(text: note.text))?.size ?? 0 }
        let covering = log.checkpoints.first(where: { size($0) > lastIndex })
        if let note = covering ?? log.checkpoints.last(where: { size($0) > firstIndex }) {
            let url = baseURL(req) + "/api/v1/productions/\(id)/bundle?day=\(day)"
            let qr = QRCode(url)?.svg(pixels: 150, label: "QR code: this day's evidence bundle, \(url)") ?? ""
            out += covering != nil
                ? "<p>Every entry of this day is in the log signed below.</p>"
                : "<p>The checkpoint below covers this day's entries up to entry \(size(note) - 1); the later ones are signed at the next wrap.</p>"
            out += witnessSentence(note)
            out += "<p>Scan for the day's evidence bundle and check it with <code>armory verify</code>.</p>"
                + "<div class=\"label\">\(qr)<pre>\(htmlEscape(note.formatted))</pre></div><p><code>\(htmlEscape(url))</code></p>"
        } else {
            out += "<p>No signed checkpoint covers this day yet: one is signed at the wrap.</p>"
        }
        return page(title: "Daily report \(day)", body: render("report", ["production": id, "productionTitle": log.header.title, "day": day, "content": out]),
                    ctx: ctx, log: (id, log))
    }

    // MARK: Labels

    func labels(_ ctx: SignedInPageContext) async throws -> Response {
        let (id, log) = try await production(ctx)
        var labels: [[String: Any]] = []
        for f in try await firearmRows(id) {
            let fid = f["id"] as! String
            let payload = "armory:\(id):firearm:\(fid)"
            labels.append(["kind": "FIREARM", "id": fid, "detail": " \(f["make"]!) \(f["model"]!), serial \(f["serial"]!)", "payload": payload,
                           "svg": QRCode(payload)?.svg(pixels: 140, label: "QR code for firearm \(fid)") ?? "", "productionTitle": log.header.title])
        }
        for l in try await lotRows(id) {
            let lid = l["id"] as! String
            let payload = "armory:\(id):lot:\(lid)"
            labels.append(["kind": "LOT", "id": lid, "detail": " \((l["kind"] as! String).uppercased()) \(l["caliber"]!)", "payload": payload,
                           "svg": QRCode(payload)?.svg(pixels: 140, label: "QR code for lot \(lid)") ?? "", "productionTitle": log.header.title])
        }
        return page(title: "Labels", body: render("labels", ["productionTitle": log.header.title, "labels": labels]), ctx: ctx, log: (id, log))
    }

    // MARK: Timeline

    func timeline(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let (id, log) = try await production(ctx)
        let day = try ArmoryAPI.day(try ctx.param("day"))
        let entries = try await api.hub.store.timeline(id, day: day)
        let px = max(1, min(60, Double(req.uri.queryParameters["px"].flatMap { Double(String($0)) } ?? TimelineDrawing.fitting(entries))))
        var drawing = TimelineDrawing(production: id, entries: entries, pxPerMinute: px)
        if let first = entries.first?.index {
            let named = Set(entries.flatMap { TimelineDrawing.firearms(namedIn: (try? JSON.parse($0.entry.body)) ?? .null) })
            for f in named {
                let before = try await api.hub.store.history(id, of: .firearm(f), before: first, limit: 200)
                if let holder = TimelineDrawing.custodian(after: before) { drawing.openingCustodians[f] = holder }
            }
        }
        let body = render("timeline", ["production": id, "productionTitle": log.header.title, "day": day, "zoomIn": Int(min(60, px * 2)),
                                       "zoomOut": max(1, Int(px / 2)), "svg": drawing.svg(), "legend": TimelineDrawing.legend,
                                       "failures": drawing.failuresTable(entryTable(id, entries.filter { $0.entry.outcome != .ok }))])
        return page(title: "Timeline \(day)", body: body, ctx: ctx, log: (id, log))
    }

    // MARK: Entry

    func entry(_ ctx: SignedInPageContext) async throws -> Response {
        let (id, log) = try await production(ctx)
        let raw = try ctx.param("index")
        guard let i = Int(raw), i >= 0, i < log.size else { throw APIError.notFound("no entry \(raw)") }
        guard let e = try await api.hub.entry(id, i) else { throw APIError.notFound("no entry \(raw)") }
        var rows: [(String, String)] = [("Kind", e.kind.rawValue), ("Time", e.at)]
        if let receipt = e.receipt {
            rows += [("Received by the server", receipt.received), ("Signed in with", receipt.via.rawValue)]
        }
        rows += [("By (who acted)", e.by.map { Self.named(log.state, $0) } ?? "anonymous")]
        if let receipt = e.receipt, let recorder = receipt.recorder {
            rows += [("Recorded by", Self.named(log.state, recorder))]
            if let session = receipt.session { rows += [("Sign-in session (device)", session)] }
            if let key = receipt.key { rows += [("Idempotency key", key)] }
        }
        rows += [("Outcome", e.outcome.rawValue),
                 ("Rules", e.rules.map { "\($0.rawValue) (\($0.title))" }.joined(separator: "; ")), ("Message", e.message), ("Body", e.body)]
        let table = "<table><tbody>" + rows.map { "<tr><th scope=\"row\">\($0.0)</th><td>\(htmlEscape($0.1))</td></tr>" }.joined() + "</tbody></table>"
        var context: [String: Any] = ["index": i, "table": table]
        if let note = log.checkpoints.last, let cp = try? Checkpoint(text: note.text), cp.size > i {
            let proof = TlogProof(index: i, proof: try await api.hub.proof(id, .inclusion(index: i, size: cp.size)), checkpoint: note)
            context["proof"] = ["proof": proof.formatted, "size": cp.size] as [String: Any]
        }
        return page(title: "Entry \(i)", body: render("entry", context), ctx: ctx, log: (id, log))
    }

    // MARK: Anonymous concerns

    func concernPage(_ ctx: ArmoryContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let id = try ctx.param("production")
        let log = try await api.loaded(id)
        var context: [String: Any] = ["production": id]
        if let error { context["error"] = error }
        return page(title: "Raise a safety concern", body: render("concern", context), ctx: ctx, log: (id, log), status: status)
    }

    /// Records the concern with no identity: the session and cookies are not read, and the
    /// address is held in memory only, for ten minutes, for the rate limit.
    func concern(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        let id = try ctx.param("production")
        let header = try await api.loaded(id) { $0.header }
        let form = try await formFields(req)
        let text = (form.first { $0.0 == "text" }?.1 ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let scene = (form.first { $0.0 == "scene" }?.1 ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return try await concernPage(ctx, error: "Write what worries you first.", status: .unprocessableContent) }
        var members: [(key: String, value: JSON)] = [("text", .string(text))]
        if !scene.isEmpty { members.append(("scene", .string(scene))) }
        let raised: ArmoryAPI.AnonymousConcern
        do {
            raised = try await api.raiseAnonymousConcern(id, members: members, address: ctx.address)
        } catch let e as APIError where e.status.code < 500 {
            var r = try await concernPage(ctx, error: e.message, status: e.status)
            if let wait = e.retryAfter { r.headers[.retryAfter] = String(wait) }
            return r
        }
        switch raised {
        case let .recorded(index, _):
            return page(title: "Concern recorded", body: render("concern-sent", ["production": id, "index": index]), ctx: ctx,
                        production: (id, header), status: .created)
        case let .queued(concern):
            return page(title: "Concern kept for the set",
                        body: render("concern-sent", ["production": id, "queued": Int(concern.id), "raised": concern.raised, "message": ArmoryAPI.queuedMessage]),
                        ctx: ctx, production: (id, header), status: .accepted)
        }
    }

    func poster(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        let id = try ctx.param("production")
        let log = try await api.loaded(id)
        let url = baseURL(req) + "/p/\(id)/concern"
        let svg = QRCode(url)?.svg(pixels: 320, label: "QR code: the anonymous concern page, \(url)") ?? ""
        return page(title: "Concern poster", body: render("poster", ["productionTitle": log.header.title, "svg": svg, "url": url]), ctx: ctx,
                    log: (id, log))
    }

    // MARK: Forms

    /// The posted form's fields, or a 400 naming the first field that is not UTF-8 text.
    func formFields(_ req: Request) async throws -> [(String, String)] {
        let buffer = try await ArmoryAPI.collect(req)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw APIError.badRequest("the form is not UTF-8 text")
        }
        do { return try parseForm(text) } catch { throw APIError.badRequest(error.message, field: error.field) }
    }
}

/// Reads `application/x-www-form-urlencoded` text. A field whose percent-escapes are not
/// UTF-8 is an error naming it, never kept as the escapes themselves.
func parseForm(_ text: String) throws(StepFormatError) -> [(String, String)] {
    var out: [(String, String)] = []
    for pair in text.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring, _ name: String) throws(StepFormatError) -> String {
            let plain = String(s).replacingOccurrences(of: "+", with: " ")
            guard plain.utf8.contains(UInt8(ascii: "%")) else { return plain }
            guard let decoded = plain.removingPercentEncoding else {
                throw StepFormatError("field '\(name.prefix(64))' is not UTF-8 text", field: String(name.prefix(64)))
            }
            return decoded
        }
        guard let first = parts.first else { continue }
        let key = try decode(first, String(first))
        out.append((key, parts.count > 1 ? try decode(parts[1], key) : ""))
    }
    return out
}

func urlEncode(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
}

/// What the layout needs of a request: who is signed in, if anyone.
protocol PageRequestContext: RequestContext {
    var session: Session? { get }
}

extension ArmoryContext: PageRequestContext {}

/// Per request on a production's signed-in pages: the person signed in to it. Made before
/// any of their handlers runs, so none can forget the check: without a session the browser
/// is sent to sign in; with another production's session, a 403, as in the API.
struct SignedInPageContext: ChildRequestContext, PageRequestContext {
    var coreContext: CoreRequestContextStorage
    let signedIn: Session
    var session: Session? { signedIn }

    init(context: ArmoryContext) throws {
        guard context.session != nil else { throw PageRedirect(location: "/p/\(try context.param("production"))/sign-in") }
        let checked = try SignedInContext(context: context)
        coreContext = checked.coreContext
        signedIn = checked.session
    }

    var maxUploadSize: Int { 1 << 20 }
}

/// A redirect answered instead of a page (to sign in first).
struct PageRedirect: HTTPResponseError {
    let location: String
    var status: HTTPResponse.Status { .seeOther }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

