/// Inspecting, loading, showing clear, declaring, firing and freezing a firearm
/// (FA-1, FA-2, FA-4, FA-7, FA-8, AMMO-2, AMMO-3, SCENE-2, SCENE-3, EVID-2).
extension StepContext {
    mutating func inspectFirearm(_ id: String, result: InspectionResult) -> String {
        let f = firearm(fn)
        let byArmorer = countsAsArmorer(actor)
        if result != .clear {
            let reason = say("\(id) found \(result.rawValue) by \(actorID); withdrawn until the armorer inspects it clear")
            findings.add(.fa8, reason)
        }
        let by = actorID
        let sequence = self.sequence
        update(firearm: fn) { f in
            if result != .clear { f.withdrawnForFault = true }
            guard byArmorer else { return }
            f.unknown = false
            f.withdrawnForLiveLot = false
            f.lastArmorerInspection = sequence
            // Holdings before this inspection no longer matter (FA-1 asks only about what it
            // held since), except lots still inside, whose removal will count as held later.
            if f.contents.isEmpty {
                if !f.lastHeld.isEmpty { f.lastHeld = [:] }
            } else {
                f.lastHeld = f.lastHeld.filter { entry in f.contents.contains { $0.lot == entry.key } }
            }
            if result == .clear {
                f.withdrawnForFault = false
                f.lotsSinceClear = []
            }
            if f.presence == .missing { f.presence = .held(by: by) }
        }
        if !byArmorer {
            return say("\(id) inspected by \(by), who is not the armorer: recorded, but it changes nothing")
        }
        if f.presence == .missing { return say("\(id) found and inspected \(result.rawValue) by \(by); back in \(by)'s custody") }
        return say("\(id) inspected \(result.rawValue) by \(by)")
    }

    mutating func load(_ id: String, lot lotID: String, rounds: Int, scene: String, rehearsal: Bool) -> String {
        let f = firearm(fn)
        guard let lot = self.lot(ln) else { return "" }
        requireArmorer(lot.kind == .blank ? "load blanks" : "load firearms", roleRule: lot.kind == .blank ? .ammo3 : .role2)
        requireArmorerCustody(f)
        requireNotFrozen(f)
        requireNotWithdrawn(f)
        requireNotEvidence(lot)
        if lot.quarantined {
            findings.add(.ammo1, lot.kind == .live
                ? "lot \(lotID) is live ammunition and quarantined"
                : "lot \(lotID) was found to hold a live round and is quarantined")
        }
        if lot.kind == .dummy && !lot.verified {
            findings.add(.ammo2, "lot \(lotID) has not been verified round by round by the armorer")
        }
        if lot.kind == .blank {
            if before.meeting(scene) != true {
                findings.add(.ammo3, "scene \(scene)'s safety meeting did not announce blanks")
            }
            if rehearsal {
                findings.add(.ammo3, "blanks are never loaded for a rehearsal")
            }
        }
        if rehearsal && lot.isHot {
            findings.add(.scene3, "a rehearsal is cold: no \(lot.kind == .blank ? "blanks" : "live rounds")")
        }
        if rehearsal && holdsHot(f) {
            findings.add(.scene3, "\(id) already holds a blank or live round and a rehearsal is cold")
        }
        requireMeeting(scene, for: "loading \(id)")
        if rounds > lot.box {
            findings.add(.ammo4, "lot \(lotID) has \(lot.box) rounds in its box, not \(rounds)")
        }

        let sequence = self.sequence
        update(lot: ln) { l in
            l.box -= rounds
            l.loadedInto.insert(id)
            l.touchedSinceWrap = true
            // AMMO-4 asks for a reconcile after rounds move; a load of 0 moves none.
            if rounds > 0 { l.reconciledSinceMove = false }
        }
        update(firearm: fn) { f in
            if rounds > 0 {
                if let last = f.contents.last, last.lot == lotID {
                    f.contents[f.contents.count - 1].count += rounds
                } else {
                    f.contents.append(LoadedRounds(lot: lotID, count: rounds))
                }
                f.lastHeld[lotID] = sequence
            }
            if !f.lotsSinceClear.contains(lotID) { f.lotsSinceClear.append(lotID) }
            f.storedLocked = false
            f.showClear = nil
            f.declared = nil
        }
        return say("\(id) loaded with \(rounds) \(lot.kind.rawValue) round\(rounds == 1 ? "" : "s") from lot \(lotID) for scene \(scene)\(rehearsal ? " (rehearsal)" : "")")
    }

    mutating func unload(_ id: String, lot lotID: String, rounds: Int) -> String {
        let f = firearm(fn)
        guard let lot = self.lot(ln) else { return "" }
        requireArmorer("unload firearms")
        requireArmorerCustody(f)
        requireNotFrozen(f)
        requireNotEvidence(lot)
        let inside = f.rounds(of: lotID)
        if rounds > inside {
            findings.add(.ammo4, "\(id) holds \(inside) round\(inside == 1 ? "" : "s") of lot \(lotID), not \(rounds)")
        }
        let sequence = self.sequence
        update(lot: ln) { l in
            l.box += rounds
            l.touchedSinceWrap = true
            if rounds > 0 { l.reconciledSinceMove = false }
        }
        update(firearm: fn) { f in
            var remaining = rounds
            var k = f.contents.count - 1
            while remaining > 0 && k >= 0 {
                if f.contents[k].lot == lotID {
                    let take = min(remaining, f.contents[k].count)
                    f.contents[k].count -= take
                    remaining -= take
                }
                k -= 1
            }
            f.contents.removeAll { $0.count == 0 }
            if rounds > 0 { f.lastHeld[lotID] = sequence }
            f.storedLocked = false
            f.showClear = nil
            f.declared = nil
        }
        return say("\(rounds) round\(rounds == 1 ? "" : "s") of lot \(lotID) unloaded from \(id) back into the box")
    }

    mutating func showClear(_ id: String, to audience: [String]) -> String {
        let f = firearm(fn)
        requireArmorer("show firearms clear")
        requireArmorerCustody(f)
        requireNotFrozen(f)
        requireNotWithdrawn(f)
        let shown = ShowClear(at: step.at, by: actorID, audience: Set(audience))
        let window = before.policy.showClearWindowMinutes * 60
        let settled = settled
        update(firearm: fn) { f in
            // FA-2, Precise "Show-clear": a later show-clear does not undo an earlier one; any
            // that qualifies covers the next handover. An earlier one is dropped only when it can
            // never cover what this one does not: out of the window for any later handover, or
            // shown to no one this one was not shown to. Revision 1 kept only the latest.
            if settled {
                f.showClears.removeAll { earlier in
                    shown.at.seconds(since: earlier.at) > window || earlier.audience.isSubset(of: shown.audience)
                }
                f.showClears.append(shown)
            } else {
                f.showClear = shown
            }
            f.storedLocked = false
        }
        return say("\(id) shown clear to \(audience.joined(separator: ", "))")
    }

    mutating func declare(_ id: String, as declared: DeclaredState) -> String {
        let f = firearm(fn)
        requireArmorer("declare a firearm \(declared.rawValue)", roleRule: .fa1)
        requireArmorerCustody(f)
        requireNotFrozen(f)
        requireNotWithdrawn(f)
        switch declared {
        case .cold:
            if holdsHot(f) {
                findings.add(.fa1, "\(id) holds a blank or live round and cannot be cold")
            } else if heldHotSinceInspection(f) {
                findings.add(.fa1, "\(id) held a blank or live round and has not been inspected by the armorer since")
            }
        case .hot:
            if !holdsBlanks(f) {
                findings.add(.fa1, "\(id) holds no blanks and cannot be hot")
            }
        }
        update(firearm: fn) { $0.declared = declared }
        return say("\(id) declared \(declared.rawValue) by \(actorID)")
    }

    mutating func fire(_ id: String, scene: String, rounds: Int, result: FireResult, shooter: String?,
                       rehearsal: Bool, nearestFeet: Double?) -> String {
        let f = firearm(fn)
        let shooterID = shooter ?? f.custodian
        if let custodian = f.custodian {
            if let shooterID, shooterID != custodian {
                findings.add(.fa5, "\(id) was fired by \(shooterID) but is in \(custodian)'s custody")
            }
        } else {
            findings.add(.fa5, "\(id) was fired while in no one's custody")
        }
        let held = f.roundCount
        let discharge = result.usesRounds
        if discharge && rounds > held {
            findings.add(.ammo4, "\(rounds) round\(rounds == 1 ? "" : "s") fired from \(id), which held \(held)")
        }
        // The rounds used are the ones loaded first.
        var used: [LoadedRounds] = []
        if discharge {
            var remaining = rounds
            for part in f.contents where remaining > 0 {
                let take = min(remaining, part.count)
                used.append(LoadedRounds(lot: part.lot, count: take))
                remaining -= take
            }
        }
        let allBlanks = used.allSatisfy { before.lots[$0.lot]?.kind == .blank }
        let planned = (result == .blank || result == .misfire) && !rehearsal
            && before.meeting(scene) == true && held >= rounds && allBlanks
        if discharge && !planned {
            findings.add(.fa7, "unplanned discharge of \(id)\(rehearsal ? " in a rehearsal" : "") (\(result.rawValue)); firearm frozen")
        }
        if result == .misfire {
            findings.add(.fa8, "misfire of \(id); withdrawn until the armorer inspects it clear")
        }
        if rehearsal && (discharge || (result == .click && holdsHot(f))) {
            findings.add(.scene3, discharge ? "a discharge in a rehearsal of scene \(scene)" : "\(id) held a blank or live round in a rehearsal")
        }
        if result == .blank, let nearestFeet, nearestFeet < before.policy.blankSafeDistanceFeet {
            let reason = say("a blank was fired with someone \(Policy.format(nearestFeet)) ft from the muzzle line, nearer than \(Policy.format(before.policy.blankSafeDistanceFeet)) ft")
            findings.add(.scene2, reason)
        }

        let sequence = self.sequence
        for part in used {
            if let n = before.lots.number(of: part.lot) { update(lot: n) { $0.fired += part.count } }
        }
        update(firearm: fn) { f in
            var remaining = used.reduce(0) { $0 + $1.count }
            while remaining > 0, !f.contents.isEmpty {
                let take = min(remaining, f.contents[0].count)
                f.lastHeld[f.contents[0].lot] = sequence
                f.contents[0].count -= take
                remaining -= take
                if f.contents[0].count == 0 { f.contents.removeFirst() }
            }
            if !used.isEmpty { f.declared = nil }
            if result == .misfire { f.withdrawnForFault = true }
            f.storedLocked = false
        }
        if discharge && !planned { freeze(fn, id) }
        switch result {
        case .click: return say("\(id) clicked in scene \(scene)")
        case .blank: return say("\(rounds) blank\(rounds == 1 ? "" : "s") fired from \(id) in scene \(scene) as planned")
        case .misfire, .projectile: return say("\(result.rawValue) from \(id) in scene \(scene)")
        }
    }

    mutating func reportDischarge(_ id: String, injuries: Bool) -> String {
        let reason = say("discharge of \(id) reported by \(actorID)\(injuries ? ", with injuries" : ""); firearm frozen")
        findings.add(.fa7, reason)
        freeze(fn, id)
        return ""
    }

    /// FA-7 / EVID-2: the firearm and every lot loaded into it since its last clear inspection.
    mutating func freeze(_ n: Int32, _ id: String) {
        let lotsToFreeze = current(firearm: n).lotsSinceClear
        update(firearm: n) { f in
            f.frozen = true
            f.frozenLots.formUnion(lotsToFreeze)
        }
        for lotID in lotsToFreeze {
            if let n = before.lots.number(of: lotID) { update(lot: n) { $0.frozenBy.insert(id) } }
        }
    }

    mutating func unfreeze(_ id: String, reason: String) -> String {
        let f = firearm(fn)
        if let p = actor, !(p.acts(as: .producer) || p.acts(as: .safety)) {
            findings.add(.role2, "\(p.id) is not a producer or safety; only they unfreeze a firearm")
        }
        guard f.frozen else { return say("\(id) was not frozen; nothing to release") }
        update(firearm: fn) { f in
            f.frozen = false
            f.frozenLots = []
        }
        for lotID in f.frozenLots {
            if let n = before.lots.number(of: lotID) { update(lot: n) { $0.frozenBy.remove(id) } }
        }
        return say("\(id) unfrozen by \(actorID): \(reason)")
    }
}
