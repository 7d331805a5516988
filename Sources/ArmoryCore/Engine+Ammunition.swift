/// Receiving, inspecting and counting lots of rounds (AMMO-1, AMMO-2, AMMO-4).
extension StepContext {
    mutating func receiveAmmo(_ id: String, kind: AmmoKind, count: Int, source: String?, caliber: String?) -> String {
        if kind == .live {
            findings.add(.ammo1, "live ammunition received as lot \(id); quarantined at once")
        }
        if lot(ln) == nil { changes.lots[ln] = LotState(id: id, kind: kind) }
        update(lot: ln) { l in
            l.received += count
            l.box += count
            l.verified = false
            if let source { l.source = source }
            if let caliber { l.caliber = caliber }
            l.touchedSinceWrap = true
            if count > 0 { l.reconciledSinceMove = false }
        }
        return say("lot \(id) received: \(count) \(kind.rawValue) round\(count == 1 ? "" : "s")")
            + (kind == .dummy ? "; to be verified round by round before loading" : "")
    }

    mutating func inspectLot(_ id: String, inspected: Int, liveFound: Int) -> String {
        guard let lot = self.lot(ln) else { return "" }
        let byArmorer = countsAsArmorer(actor)
        if liveFound > 0 {
            let withdrawn = lot.loadedInto.sorted()
            findings.add(.ammo1, "\(liveFound) live round\(liveFound == 1 ? "" : "s") found in lot \(id); lot quarantined"
                + (withdrawn.isEmpty ? "" : " and \(withdrawn.joined(separator: ", ")) withdrawn"))
            for f in withdrawn {
                if let n = before.firearms.number(of: f) { update(firearm: n) { $0.withdrawnForLiveLot = true } }
            }
        }
        let verifies = byArmorer && liveFound == 0 && inspected >= lot.box
        update(lot: ln) { l in
            l.touchedSinceWrap = true
            if liveFound > 0 {
                l.foundLive = true
                l.verified = false
            } else if verifies {
                l.verified = true
            }
        }
        if verifies { return say("lot \(id): all \(lot.box) rounds inspected, no live round; verified") }
        if !byArmorer { return say("lot \(id) inspected by \(actorID), who is not the armorer: recorded, it verifies nothing") }
        return say("lot \(id): \(inspected) of \(lot.box) rounds inspected; not verified until every round is")
    }

    mutating func reconcile(_ id: String, counted: Int) -> String {
        guard let lot = self.lot(ln) else { return "" }
        // Precise "Who counts as the armorer": a reconcile by anyone else (a dual-hatted armorer
        // included) "is recorded and raises the AMMO-4 alarm if its count differs, but it never
        // counts as the lot's reconcile at wrap". Revision 1 counted anyone's.
        let counts = !settled || countsAsArmorer(actor)
        if counted != lot.box {
            findings.add(.ammo4, "lot \(id) counted \(counted) but its box should hold \(lot.box)")
        }
        update(lot: ln) { l in
            l.touchedSinceWrap = true
            guard counts else { return }
            l.reconciledSinceMove = true
            l.lastReconcileMatched = counted == lot.box
        }
        if !counts {
            return say("lot \(id) counted \(counted) by \(actorID), who is not the armorer: recorded, but only the armorer's reconcile counts at wrap")
        }
        return say("lot \(id) reconciled: \(counted) in the box as expected")
    }
}

/// Safety meetings and concerns (SCENE-1, ROLE-2, CONCERN-1).
extension StepContext {
    mutating func safetyMeeting(_ scene: String, attendees: [String], blanks: Bool) -> String {
        guard let holder = actor else { return "" }
        if !(countsAsArmorer(holder) || holder.acts(as: .firstAD)) {
            findings.add(.role2, "\(holder.id) is neither the armorer nor the first AD; only they hold a safety meeting")
        }
        // Who is present: the holder and each known attendee (looked at one by one, no list built).
        var armorerPresent = countsAsArmorer(holder), firstADPresent = holder.acts(as: .firstAD)
        for a in attendees where !(armorerPresent && firstADPresent) {
            guard let p = before.people[a] else { continue }
            if !armorerPresent && countsAsArmorer(p) { armorerPresent = true }
            if !firstADPresent && p.acts(as: .firstAD) { firstADPresent = true }
        }
        if !armorerPresent {
            findings.add(.scene1, "the safety meeting for scene \(scene) needs the armorer present")
        }
        if !firstADPresent {
            findings.add(.scene1, "the safety meeting for scene \(scene) needs the first AD present")
        }
        changes.meeting = Meeting(scene: scene, blanks: blanks)
        return say("safety meeting held for scene \(scene)\(blanks ? "; blanks announced" : "; no blanks")")
    }

    mutating func reportConcern(scene: String?) -> String {
        let reason = say("safety concern raised\(step.by == nil ? " anonymously" : " by \(actorID)")\(scene.map { " about scene \($0)" } ?? ""); producers and safety alerted")
        findings.add(.concern1, reason)
        return ""
    }
}
