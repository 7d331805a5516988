import Crypto
import Foundation

/// Why a note, key or signature is not acceptable.
public struct NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Signature types of C2SP signed-note that Armory uses.
public enum NoteKeyType: UInt8, Sendable {
    /// Ed25519 over the note text: the log's own checkpoint signature.
    case ed25519 = 0x01
    /// Timestamped Ed25519 checkpoint cosignature (C2SP tlog-cosignature): a witness.
    case cosignatureV1 = 0x04
}

/// A C2SP signed-note verifier key: `name+hexkeyid+base64(type || public key)`.
/// This is what a production publishes, what witnesses and investigators are given,
/// and what `armory verify --key` trusts.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    public let type: NoteKeyType
    public let publicKey: [UInt8]

    public init(name: String, type: NoteKeyType, publicKey: [UInt8]) throws(NoteError) {
        try NoteVerifierKey.checkName(name)
        guard publicKey.count == 32 else { throw NoteError("an Ed25519 public key is 32 bytes") }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = NoteVerifierKey.keyID(name: name, type: type.rawValue, key: publicKey)
    }

    /// SHA-256(name || 0x0A || type || public key)[:4], big-endian.
    public static func keyID(name: String, type: UInt8, key: [UInt8]) -> UInt32 {
        let digest = Array(SHA256.hash(data: Array(name.utf8) + [0x0A, type] + key))
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// Key names are non-empty and hold no spaces and no '+'.
    static func checkName(_ name: String) throws(NoteError) {
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }) else {
            throw NoteError("key name '\(name)' must be non-empty, with no spaces and no '+'")
        }
    }

    /// Parses `name+hexkeyid+base64(type || key)`, checking that the key ID is the key's.
    public init(_ text: String) throws(NoteError) {
        // base64 may itself hold '+': the name and ID are the first two fields.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let id = UInt32(parts[1], radix: 16),
              let raw = Data(base64Encoded: String(parts[2])), raw.count == 33,
              let type = NoteKeyType(rawValue: raw[raw.startIndex])
        else { throw NoteError("not a verifier key (name+hexid+base64 of an Ed25519 or cosignature key)") }
        try self.init(name: String(parts[0]), type: type, publicKey: Array(raw.dropFirst()))
        guard keyID == id else { throw NoteError("verifier key's ID \(parts[1]) does not match its key") }
        guard description == text else { throw NoteError("verifier key is not in canonical form") }
    }

    public var description: String {
        name + "+" + hex8(keyID) + "+" + Data([type.rawValue] + publicKey).base64EncodedString()
    }

    func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// The offset of the first newline of the last "\n\n" in `bytes`, if any.
func lastBlankLine(_ bytes: [UInt8]) -> Int? {
    var k = bytes.count - 2
    while k >= 0 {
        if bytes[k] == 0x0A && bytes[k + 1] == 0x0A { return k }
        k -= 1
    }
    return nil
}

/// The offset of the first newline of the first "\n\n" in `bytes`, if any.
func firstBlankLine(_ bytes: [UInt8]) -> Int? {
    var k = 0
    while k + 1 < bytes.count {
        if bytes[k] == 0x0A && bytes[k + 1] == 0x0A { return k }
        k += 1
    }
    return nil
}

func hex8(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}

/// A signing key: the log's (Ed25519) or a witness's (cosignature/v1). Its text form is
/// `PRIVATE+KEY+name+hexkeyid+base64(type || seed)`; it lives in a 0600 file and is
/// never printed or logged (its `description` shows only the public half).
public struct NoteSigner: Sendable, CustomStringConvertible {
    public let verifierKey: NoteVerifierKey
    /// The RFC 8032 private key (seed); kept as bytes so the signer can cross threads.
    let seed: [UInt8]

    public var name: String { verifierKey.name }
    public var keyID: UInt32 { verifierKey.keyID }

    /// A new random key.
    public init(name: String, type: NoteKeyType = .ed25519) throws(NoteError) {
        try self.init(name: name, type: type, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The key with this 32-byte seed (RFC 8032 private key).
    public init(name: String, type: NoteKeyType = .ed25519, seed: [UInt8]) throws(NoteError) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw NoteError("an Ed25519 seed is 32 bytes") }
        try self.init(name: name, type: type, privateKey: key)
    }

    init(name: String, type: NoteKeyType, privateKey: Curve25519.Signing.PrivateKey) throws(NoteError) {
        self.seed = Array(privateKey.rawRepresentation)
        self.verifierKey = try NoteVerifierKey(name: name, type: type, publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// Parses the signer key text (`PRIVATE+KEY+...`).
    public init(signerKey text: String) throws(NoteError) {
        let parts = text.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", parts[3].count == 8,
              let id = UInt32(parts[3], radix: 16), let raw = Data(base64Encoded: String(parts[4])), raw.count == 33,
              let type = NoteKeyType(rawValue: raw[raw.startIndex])
        else { throw NoteError("not a signer key (PRIVATE+KEY+name+hexid+base64)") }
        try self.init(name: String(parts[2]), type: type, seed: Array(raw.dropFirst()))
        guard keyID == id else { throw NoteError("signer key's ID does not match its key") }
    }

    /// The signer key text, for writing to a 0600 key file. Never log it.
    public var signerKeyText: String {
        "PRIVATE+KEY+" + name + "+" + hex8(keyID) + "+" + Data([verifierKey.type.rawValue] + seed).base64EncodedString()
    }

    public var description: String { "signer \(verifierKey)" }

    func sign(_ message: [UInt8]) -> [UInt8] {
        // The seed was validated when the signer was made, so neither step can fail.
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return Array(try! key.signature(for: message))
    }
}

/// One signature line of a note: `— name base64(keyID || signature)`.
public struct NoteSignature: Sendable, Hashable {
    public let name: String
    public let keyID: UInt32
    public let signature: [UInt8]

    public init(name: String, keyID: UInt32, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// Whether this line names `key` (its name and key ID); whether it verifies is
    /// `SignedNote.verify`'s question.
    public func isBy(_ key: NoteVerifierKey) -> Bool { name == key.name && keyID == key.keyID }

    var line: String {
        let id: [UInt8] = [UInt8(keyID >> 24), UInt8(truncatingIfNeeded: keyID >> 16), UInt8(truncatingIfNeeded: keyID >> 8), UInt8(truncatingIfNeeded: keyID)]
        return "\u{2014} " + name + " " + Data(id + signature).base64EncodedString() + "\n"
    }
}

/// A C2SP signed note: text (ending in a newline), a blank line, signature lines.
public struct SignedNote: Sendable, Hashable {
    public let text: String
    public private(set) var signatures: [NoteSignature]

    /// Most signatures a note may carry (the spec requires accepting at least 16).
    public static let maximumSignatures = 64

    public init(text: String, signatures: [NoteSignature] = []) throws(NoteError) {
        try SignedNote.checkText(text)
        self.text = text
        self.signatures = signatures
    }

    static func checkText(_ text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("note text must end with a newline") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw NoteError("note text must not hold control characters")
        }
    }

    /// Parses a signed note; the text is everything before the last blank line.
    public init(parsing note: String) throws(NoteError) {
        guard note.hasSuffix("\n") else { throw NoteError("signed note must end with a newline") }
        guard !note.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw NoteError("signed note must not hold control characters")
        }
        // The text ends at the last blank line; searched on bytes (Foundation's search is slow here).
        let bytes = Array(note.utf8)
        guard let blank = lastBlankLine(bytes) else { throw NoteError("signed note has no signatures") }
        let text = String(decoding: bytes[..<(blank + 1)], as: UTF8.self)
        let block = Substring(String(decoding: bytes[(blank + 2)...], as: UTF8.self))
        guard !block.isEmpty else { throw NoteError("signed note has no signatures") }
        var sigs: [NoteSignature] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("\u{2014} ") else { throw NoteError("malformed signature line") }
            let rest = line.dropFirst(2)
            guard let space = rest.lastIndex(of: " ") else { throw NoteError("malformed signature line") }
            let name = String(rest[..<space])
            try NoteVerifierKey.checkName(name)
            guard let raw = Data(base64Encoded: String(rest[rest.index(after: space)...])), raw.count > 4 else {
                throw NoteError("malformed signature in line for \(name)")
            }
            let b = Array(raw)
            sigs.append(NoteSignature(name: name, keyID: UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3]),
                                      signature: Array(b.dropFirst(4))))
        }
        guard sigs.count <= SignedNote.maximumSignatures else { throw NoteError("too many signatures") }
        try self.init(text: text, signatures: sigs)
    }

    /// The note as text: text, blank line, signature lines.
    public var formatted: String { text + "\n" + signatures.map(\.line).joined() }

    /// Adds the log's Ed25519 signature.
    public mutating func sign(with signer: NoteSigner) {
        precondition(signer.verifierKey.type == .ed25519, "a cosigner signs with cosign(with:timestamp:)")
        signatures.append(NoteSignature(name: signer.name, keyID: signer.keyID, signature: signer.sign(Array(text.utf8))))
    }

    /// Adds a witness's timestamped cosignature (C2SP tlog-cosignature, cosignature/v1).
    public mutating func cosign(with signer: NoteSigner, timestamp: UInt64) {
        precondition(signer.verifierKey.type == .cosignatureV1, "the log signs with sign(with:)")
        let sig = signer.sign(SignedNote.cosignedMessage(text: text, timestamp: timestamp))
        var t: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { t.append(UInt8(truncatingIfNeeded: timestamp >> UInt64(shift))) }
        signatures.append(NoteSignature(name: signer.name, keyID: signer.keyID, signature: t + sig))
    }

    static func cosignedMessage(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(text)".utf8)
    }

    /// Verifies the note against known keys. Signatures by unknown keys are ignored unless
    /// `rejectUnknown` (evidence bundles carry no signature they cannot check); a known
    /// key's bad signature rejects the note; at least one known signature must verify.
    /// Returns the keys whose signatures verified, with each cosignature's timestamp.
    @discardableResult
    public func verify(with keys: [NoteVerifierKey], rejectUnknown: Bool = false) throws(NoteError) -> [(key: NoteVerifierKey, timestamp: UInt64?)] {
        var verified: [(key: NoteVerifierKey, timestamp: UInt64?)] = []
        for sig in signatures {
            guard let key = keys.first(where: { sig.isBy($0) }) else {
                if rejectUnknown { throw NoteError("signature by unknown key \(sig.name)+\(hex8(sig.keyID))") }
                continue
            }
            switch key.type {
            case .ed25519:
                guard sig.signature.count == 64, key.verify(signature: sig.signature, message: Array(text.utf8)) else {
                    throw NoteError("signature by \(key.name) does not verify")
                }
                verified.append((key, nil))
            case .cosignatureV1:
                guard sig.signature.count == 72 else { throw NoteError("cosignature by \(key.name) is malformed") }
                let timestamp = sig.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard timestamp < 1 << 63,
                      key.verify(signature: Array(sig.signature.dropFirst(8)), message: SignedNote.cosignedMessage(text: text, timestamp: timestamp))
                else { throw NoteError("cosignature by \(key.name) does not verify") }
                verified.append((key, timestamp))
            }
        }
        guard !verified.isEmpty else { throw NoteError("no signature by a known key") }
        return verified
    }
}
