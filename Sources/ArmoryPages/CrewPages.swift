import ArmoryAPI
import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Hummingbird

/// One open alarm as the dashboard and the tablet show it (ALARM-1).
struct AlarmView {
    let index: Int
    let time: String
    let rules: String
    let message: String
    let openFor: String
    let acknowledged: String?
    let concern: Bool
    let canAcknowledge: Bool
    /// The idempotency key its Acknowledge form sends.
    let key: String
    /// Who it reached, and how (nil: nothing sent yet, or no outbox).
    let delivered: String?
    /// Deliveries that keep failing, each in a sentence.
    let failing: [String]
}

/// The open alarms of a production, oldest first.
struct OpenAlarmsView {
    let production: String
    let count: Int
    let alarms: [AlarmView]
}

/// One person on the crew page.
struct CrewRow {
    let id: String
    let idURL: String
    let name: String
    let roles: String
    let permit: String
    let permitClass: String
    let training: String
    let trainingClass: String
    /// The person viewing may issue this person a sign-in PIN (a producer; the armorer for talent and crew).
    let canPIN: Bool
}

/// The crew page: the crew with roles and papers, and a producer's changes.
struct CrewPageView {
    let production: String
    let policy: String
    let producer: Bool
    let people: [CrewRow]
    let hasOffCrew: Bool
    let offCrewText: String
    let pin: String?
    let pinPerson: String
    let minutes: Int
    let error: String?
    let sheet: String
    /// Where alarms reach the person viewing, and (for a producer) everyone and the webhooks.
    let alarms: AlarmContactsView?
}

/// The crew page's "Where alarms reach people" section.
struct AlarmContactsView {
    let production: String
    let me: String
    let myContacts: [ContactRow]
    let noContacts: Bool
    /// A producer's view: everyone's contacts and the production's webhooks.
    let everyone: [PersonContactsRow]?
    let people: [PersonOption]?
    let webhooks: [WebhookRow]?
    let noWebhooks: Bool
    /// A webhook just added: its secret, shown this once.
    let newSecret: String?
    let newSecretURL: String
    let pushServer: Bool
    /// E-mail addresses are listed but this server sends no e-mail (started without --smtp).
    let noEmailServer: Bool
    let producer: Bool
}

struct ContactRow {
    let id: Int64
    let person: String
    let text: String
}

struct PersonContactsRow {
    let name: String
    let id: String
    let text: String
}

struct PersonOption {
    let id: String
    let name: String
}

struct WebhookRow {
    let id: Int64
    let url: String
    let scope: String
    let own: Bool
}

/// One line of a call sheet's preview or import.
struct SheetStepView {
    let text: String
    let outcome: String
    let result: String?
}

/// A call sheet previewed, refused, or imported.
struct CrewImportView {
    let production: String
    let heading: String
    let error: String?
    let steps: [SheetStepView]
    let hasSteps: Bool
    let nothing: Bool
    let confirm: Bool
    let sheet: String
    let count: Int
    let plural: String
}

extension Pages {
    // MARK: Answered alarms (ALARM-1)

    /// Whether `person` may acknowledge `alarm` now (Precise "Acknowledgements"): producers
    /// and safety any alarm; the armorer and a first AD any but a concern.
    static func mayAcknowledge(_ state: ProductionState, person: String, alarm: AlarmStatus, at: Timestamp) -> Bool {
        guard let p = state.people[person] else { return false }
        if p.acts(as: .producer) || p.acts(as: .safety) { return true }
        return !alarm.concern && (state.countsAsArmorer(p, at: at) || p.acts(as: .firstAD))
    }

    /// How long, in words a person reads at a glance: "4 min", "2 h 05 min", "3 d 2 h".
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 60 { return "under a minute" }
        let m = s / 60, h = m / 60, d = h / 24
        if d > 0 { return "\(d) d \(h % 24) h" }
        if h > 0 { return "\(h) h \(m % 60 < 10 ? "0" : "")\(m % 60) min" }
        return "\(m) min"
    }

    /// Who acknowledged an alarm and when, in one sentence.
    static func acknowledgements(_ alarm: AlarmStatus) -> String {
        alarm.acknowledgements.map { a in
            "\(a.answers ? "Answered" : "Acknowledged") by \(a.by) at \(a.at.localClock) (entry \(a.number))" + (a.note.map { ": “\($0)”" } ?? "")
        }.joined(separator: "; ")
    }

    /// The open alarms section: how long each has been open, and an Acknowledge button for
    /// whoever may give one.
    func openAlarmsHTML(_ id: String, _ log: ProductionLog, person: String) async throws -> String {
        let now = api.stamp(in: TimeZone(identifier: log.header.timezone) ?? .gmt)
        // What became of each open alarm's deliveries: one read for all of them.
        let open = Set(log.state.openAlarms)
        var deliveries: [Int: [Delivery]] = [:]
        if let outbox = api.outbox, !open.isEmpty {
            for d in (try? await outbox.deliveries(id, index: nil)) ?? [] where open.contains(d.index) { deliveries[d.index, default: []].append(d) }
        }
        func clock(_ seconds: Int64) -> String { Timestamp(seconds: seconds, offsetMinutes: now.offsetMinutes).localClock }
        func channel(_ d: Delivery) -> String { d.channel == .email ? "e-mail" : d.channel.rawValue }
        // The alarms' entries: recent ones from memory, older ones from the store, in one read.
        var entries: [Int: LogEntry] = [:]
        for e in try await api.hub.entries(id, at: log.state.openAlarms) { entries[e.index] = e.entry }
        let views: [AlarmView] = log.state.openAlarms.compactMap { index -> AlarmView? in
            guard let alarm = log.state.alarms[index], let entry = entries[index] else { return nil }
            return AlarmView(index: index, time: "\(alarm.at.localDate) \(alarm.at.localClock)", rules: alarm.rules.map(\.rawValue).joined(separator: ", "),
                             message: entry.message, openFor: Self.duration(now.seconds - alarm.at.seconds),
                             acknowledged: alarm.acknowledgements.isEmpty ? nil : Self.acknowledgements(alarm), concern: alarm.concern,
                             canAcknowledge: Self.mayAcknowledge(log.state, person: person, alarm: alarm, at: now), key: Self.newKey(),
                             delivered: Self.deliveredSentence(deliveries[index] ?? [], clock: clock, channel: channel),
                             failing: (deliveries[index] ?? []).filter { $0.state != .delivered && $0.failingSince != nil }.map { d in
                                 "\(channel(d)) to \(d.recipient) \(d.state == .failed ? "failed" : "failing since \(clock(d.failingSince!))"): \(d.lastError ?? "no answer")"
                             })
        }
        return render("open-alarms", OpenAlarmsView(production: id, count: views.count, alarms: views))
    }

    /// The policy in one sentence: the pack it starts from and the rules it turns on.
    static func policySentence(_ policy: Policy) -> String {
        let rules = policy.rulesTurnedOn.map { "\($0.rawValue) (\($0.title))" }.joined(separator: " and ")
        let out: String
        if let pack = policy.pack {
            out = "Policy pack \(pack)" + (rules.isEmpty ? "" : ": it turns on \(rules)")
        } else {
            out = "Policy: the protocol's defaults" + (rules.isEmpty ? "" : ", with \(rules) turned on")
        }
        return out + "; show-clear within \(Self.number(policy.showClearWindowMinutes)) minutes before a handover; nobody nearer than "
            + "\(Self.number(policy.blankSafeDistanceFeet)) ft to blanks."
    }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }

    /// The daily report's alarms: every alarm of the day, who acknowledged it and when, and
    /// how long it took to be answered.
    func alarmAnswersHTML(_ id: String, _ log: ProductionLog, _ alarms: [StoredEntry], now: Timestamp, deliveries: [Int: [Delivery]] = [:]) -> String {
        guard !alarms.isEmpty else { return "<p>None.</p>" }
        func hhmm(_ seconds: Int64) -> String { Timestamp(seconds: seconds, offsetMinutes: now.offsetMinutes).localClock }
        func channel(_ d: Delivery) -> String { d.channel == .email ? "e-mail" : d.channel.rawValue }
        func delivery(_ list: [Delivery]) -> String {
            let failed: [String] = list.filter { $0.state == .failed }.map { "\(channel($0)) to \($0.recipient) failed: \($0.lastError ?? "")" }
            let sent: String = Self.deliveredSentence(list, clock: hhmm, channel: channel) ?? "nothing to send (no contacts or webhooks)"
            return ([sent] + failed).joined(separator: "; ")
        }
        var out = "<table id=\"alarm-answers\"><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Rules</th><th scope=\"col\">What</th>"
            + "<th scope=\"col\">Delivered and escalated</th><th scope=\"col\">Acknowledged</th><th scope=\"col\">Answered</th></tr></thead><tbody>"
        for e in alarms {
            let status = log.state.alarms[e.index]
            let answered: String
            if let status, let answer = status.answer {
                answered = "by \(answer.by) at \(answer.at.localDate) \(answer.at.localClock), after \(Self.duration(answer.at.seconds - status.at.seconds))"
            } else if let status {
                answered = "OPEN for \(Self.duration(now.seconds - status.at.seconds))"
            } else {
                answered = ""
            }
            out += "<tr id=\"report-alarm-\(e.index)\"><td><a href=\"/p/\(htmlEscape(urlEncode(id)))/entry/\(e.index)\">\(htmlEscape(clock(e.entry.at)))</a></td>"
                + "<td>\(htmlEscape(e.entry.rules.map(\.rawValue).joined(separator: ", ")))</td><td>\(htmlEscape(e.entry.message))</td>"
            let sent: String = delivery(deliveries[e.index] ?? [])
            out += "<td>\(htmlEscape(sent))</td><td>\(htmlEscape(status.map(Self.acknowledgements) ?? ""))</td><td>\(htmlEscape(answered))</td></tr>"
        }
        return out + "</tbody></table>"
    }

    // MARK: The crew page (ROLE-3)

    func crewPage(_ ctx: SignedInPageContext, pin: (person: String, pin: String)? = nil, error: String? = nil, sheet: String = "",
                  status: HTTPResponse.Status = .ok, newWebhook: Webhook? = nil) async throws -> Response {
        let s = ctx.signedIn
        let (id, log) = try await production(ctx)
        let today = CalendarDate(String(api.now(timezone: log.header.timezone).prefix(10)))
        let soon = today.flatMap { Self.date(daysAfter: $0, 7) }
        func paper(_ p: Person, _ kind: CredentialKind) -> (String, String) {
            guard let c = p.credential(kind) else { return ("none", log.header.policy.requireCredentials && Self.needs(p, kind) ? "expired" : "") }
            let cls: String
            if let today, c.expires < today { cls = "expired" } else if let soon, c.expires <= soon { cls = "expiring" } else { cls = "" }
            return ("\(c.number), valid through \(c.expires)" + (cls == "expired" ? " (EXPIRED)" : cls == "expiring" ? " (expires within 7 days)" : ""), cls)
        }
        let viewer = log.state.people[s.person]
        let rows = log.state.crew.map { (p: Person) -> CrewRow in
            let (permit, permitClass) = paper(p, .permit), (training, trainingClass) = paper(p, .training)
            let canPIN = (try? ArmoryAPI.mayIssuePIN(issuer: viewer, for: p)) != nil
            return CrewRow(id: p.id, idURL: urlEncode(p.id), name: p.name, roles: Role.allCases.filter(p.roles.contains).map(\.rawValue).joined(separator: ", "),
                           permit: permit, permitClass: permitClass, training: training, trainingClass: trainingClass, canPIN: canPIN)
        }
        let off = log.state.personOrder.compactMap { log.state.people[$0] }.filter { !$0.onCrew }
        let view = CrewPageView(production: id, policy: Self.policySentence(log.header.policy),
                                producer: log.state.people[s.person]?.acts(as: .producer) ?? false, people: rows,
                                hasOffCrew: !off.isEmpty, offCrewText: off.map { "\($0.name) (\($0.id))" }.joined(separator: ", "),
                                pin: pin?.pin, pinPerson: pin?.person ?? "", minutes: ArmoryAPI.pinMinutes, error: error, sheet: sheet,
                                alarms: try await alarmContacts(id, log, session: s, newWebhook: newWebhook))
        return page(title: "Crew", body: render("crew", view), ctx: ctx, log: (id, log), status: status)
    }

    /// Where alarms reach the person viewing, and for a producer everyone's and the webhooks.
    func alarmContacts(_ id: String, _ log: ProductionLog, session s: Session, newWebhook: Webhook?) async throws -> AlarmContactsView? {
        guard let outbox = api.outbox else { return nil }
        func describe(_ c: Contact) -> String {
            c.channel == .email ? c.address : "a phone (" + (URL(string: (try? JSON.parse(c.address))?["endpoint"]?.stringValue ?? "")?.host ?? "push") + ")"
        }
        let producer = s.roles.contains(.producer)
        let all = try await outbox.contacts(id, person: producer ? nil : s.person)
        let mine = all.filter { $0.person == s.person }.map { ContactRow(id: $0.id, person: $0.person, text: describe($0)) }
        var everyone: [PersonContactsRow]?
        var people: [PersonOption]?
        var webhooks: [WebhookRow]?
        if producer {
            everyone = log.state.crew.map { p in
                let theirs = all.filter { $0.person == p.id }
                return PersonContactsRow(name: p.name, id: p.id, text: theirs.isEmpty ? "none: alarms reach them only on a screen" : theirs.map(describe).joined(separator: "; "))
            }
            people = log.state.crew.map { PersonOption(id: $0.id, name: $0.name) }
            webhooks = try await outbox.webhooks(id).map { WebhookRow(id: $0.id, url: $0.url, scope: $0.production == Webhook.everyProduction ? "every production (the server's)" : "this production", own: $0.production == id) }
        }
        return AlarmContactsView(production: id, me: s.person, myContacts: mine, noContacts: mine.isEmpty, everyone: everyone, people: people,
                                 webhooks: webhooks, noWebhooks: webhooks?.isEmpty ?? true, newSecret: newWebhook?.secret, newSecretURL: newWebhook?.url ?? "",
                                 pushServer: api.options.push != nil, noEmailServer: api.options.smtp == nil && all.contains { $0.channel == .email },
                                 producer: producer)
    }

    /// The crew page's contact and webhook forms: each through the API's own service, then back
    /// to the crew page (a webhook's secret is shown there this once).
    func crewContacts(_ req: Request, _ ctx: SignedInPageContext, action: String) async throws -> Response {
        let s = ctx.signedIn
        let id = try ctx.param("production")
        let fields = try await formFields(req)
        func value(_ name: String) -> String? { fields.first { $0.0 == name }?.1.trimmingCharacters(in: .whitespaces) }
        do {
            switch action {
            case "add":
                _ = try await api.addContact(s, person: value("person") ?? s.person, channel: .email, address: value("address") ?? "", subscription: nil)
            case "remove":
                try await api.removeContact(s, person: value("person") ?? s.person, id: value("id").flatMap { Int64($0) })
            case "webhook":
                let hook = try await api.addWebhook(s, url: value("url") ?? "")
                return try await crewPage(ctx, status: .created, newWebhook: hook)
            default:
                try await api.removeWebhook(s, id: value("id").flatMap { Int64($0) })
            }
        } catch let e as APIError where e.status.code < 500 {
            return try await crewPage(ctx, error: e.message, status: e.status)
        }
        return redirect("/p/\(id)/crew#alarm-contacts")
    }

    /// "delivered to pat (push 11:02:03, e-mail 11:02:04); escalated twice": who an alarm reached, by when.
    static func deliveredSentence(_ list: [Delivery], clock: (Int64) -> String, channel: (Delivery) -> String) -> String? {
        guard !list.isEmpty else { return nil }
        var byRecipient: [String: [String]] = [:]
        for d in list where d.state == .delivered {
            byRecipient[d.recipient, default: []].append("\(channel(d)) \(d.deliveredAt.map(clock) ?? "")")
        }
        let reached = byRecipient.keys.sorted().map { "\($0) (\(byRecipient[$0]!.joined(separator: ", ")))" }
        let rounds = list.map(\.round).max() ?? 0
        let waiting = list.filter { $0.state == .pending && $0.failingSince == nil }.count
        var parts: [String] = []
        parts.append(reached.isEmpty ? "not delivered yet" : "delivered to " + reached.joined(separator: ", "))
        if waiting > 0 { parts.append("\(waiting) on the way") }
        if rounds > 0 { parts.append("escalated \(rounds == 1 ? "once" : "\(rounds) times") to producers and safety") }
        return parts.joined(separator: "; ")
    }

    /// Whether QUAL-1 asks `p` for a credential of `kind`: the armorer both, talent training.
    static func needs(_ p: Person, _ kind: CredentialKind) -> Bool {
        p.roles.contains(.armorer) || (kind == .training && p.roles.contains(.talent))
    }

    /// The calendar date `days` after `date`.
    static func date(daysAfter date: CalendarDate, _ days: Int) -> CalendarDate? {
        guard let t = Timestamp(rfc3339: date.text + "T12:00:00Z") else { return nil }
        return CalendarDate(Timestamp(seconds: t.seconds + Int64(days) * 86_400).localDate)
    }

    /// A producer issues a one-time PIN from the crew page: a day player signs in with it.
    func crewPIN(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let fields = try await formFields(req)
        let person = fields.first { $0.0 == "person" }?.1 ?? ""
        do {
            let pin = try await api.issuePIN(for: person, session: ctx.signedIn)
            return try await crewPage(ctx, pin: (person, pin), status: .created)
        } catch let e as APIError where e.status.code < 500 {
            return try await crewPage(ctx, error: e.message, status: e.status)
        }
    }

    /// A call sheet previewed (`preview`) or imported (`import`): the same steps `armory crew
    /// import` records, each through the one recorder; a bad row records nothing.
    func crewImport(_ req: Request, _ ctx: SignedInPageContext) async throws -> Response {
        let s = ctx.signedIn
        let (id, log) = try await production(ctx)
        guard log.state.people[s.person]?.acts(as: .producer) == true else {
            throw APIError.forbidden("only a producer imports a call sheet (ROLE-3)")
        }
        let fields = try await formFields(req)
        let text = fields.first { $0.0 == "sheet" }?.1 ?? ""
        let importing = fields.contains { $0.0 == "import" }
        func show(_ view: CrewImportView, _ status: HTTPResponse.Status) -> Response {
            page(title: view.heading, body: render("crew-import", view), ctx: ctx, log: (id, log), status: status)
        }
        let sheet: CallSheet
        do { sheet = try CallSheet(bytes: Array(text.utf8)) } catch {
            return show(CrewImportView(production: id, heading: "The call sheet cannot be imported", error: error.description, steps: [], hasSteps: false,
                                       nothing: false, confirm: false, sheet: text, count: 0, plural: ""), .badRequest)
        }
        let actions = sheet.actions(against: log.state)
        func describe(_ a: Action) -> String {
            switch a {
            case let .join(p, name, roles, credentials):
                return "Add \(name) (\(p)) as \(roles.map(\.rawValue).joined(separator: " and "))"
                    + credentials.map { ", \($0.kind.rawValue) \($0.number) valid through \($0.expires)" }.joined()
            case let .setRoles(p, roles): return "Make \(p) \(roles.map(\.rawValue).joined(separator: " and "))"
            case let .credential(p, c): return "Record \(p)'s \(c.kind.rawValue) \(c.number), valid through \(c.expires)"
            default: return a.name
            }
        }
        guard importing, !actions.isEmpty else {
            let steps = actions.map { SheetStepView(text: describe($0), outcome: "", result: nil) }
            return show(CrewImportView(production: id, heading: "Call sheet: \(sheet.rows.count) people, \(actions.count) change\(actions.count == 1 ? "" : "s")",
                                       error: nil, steps: steps, hasSteps: !steps.isEmpty, nothing: actions.isEmpty, confirm: !actions.isEmpty,
                                       sheet: text, count: actions.count, plural: actions.count == 1 ? "" : "s"), .ok)
        }
        var done: [SheetStepView] = []
        for action in actions {
            guard case let .object(members) = Step(at: Timestamp(seconds: 0), by: nil, action: action).json else { continue }
            let (_, decision) = try await api.recordStep(id, members: members.filter { $0.key != "at" }, session: s)
            done.append(SheetStepView(text: describe(action), outcome: decision.outcome.rawValue,
                                      result: decision.outcome == .ok ? "recorded" : "\(decision.outcome.rawValue) (\(decision.rules.map(\.rawValue).joined(separator: ", "))): \(decision.message)"))
        }
        return show(CrewImportView(production: id, heading: "Call sheet imported: \(done.count) step\(done.count == 1 ? "" : "s") recorded", error: nil,
                                   steps: done, hasSteps: true, nothing: false, confirm: false, sheet: "", count: done.count, plural: ""), .created)
    }
}
