/// Why bytes are not a valid evidence bundle archive.
public struct ArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The container of an evidence bundle: a POSIX ustar archive that any `tar` can list
/// and extract, written canonically (fixed order, mode 0644, owner armory, time 0) so that
/// the same evidence always gives the same bytes. Reading is strict: the archive must be
/// exactly the canonical archive of the files it holds, so no byte of a bundle escapes
/// verification, not even padding.
public struct BundleArchive: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public let name: String
        public let contents: [UInt8]
        public init(name: String, contents: [UInt8]) {
            self.name = name
            self.contents = contents
        }
    }

    public var files: [File]

    public init(files: [File]) { self.files = files }

    /// The file named `name`, if present.
    public func file(_ name: String) -> [UInt8]? { files.first { $0.name == name }?.contents }

    static let block = 512

    /// The canonical archive bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(files.reduce(1024) { $0 + 512 + ($1.contents.count + 511) / 512 * 512 })
        for f in files {
            out += BundleArchive.header(name: f.name, size: f.contents.count)
            out += f.contents
            out += [UInt8](repeating: 0, count: (BundleArchive.block - f.contents.count % BundleArchive.block) % BundleArchive.block)
        }
        out += [UInt8](repeating: 0, count: 2 * BundleArchive.block)
        return out
    }

    static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }

    static func header(name: String, size: Int) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: block)
        func put(_ bytes: [UInt8], at offset: Int) { for (k, b) in bytes.enumerated() { h[offset + k] = b } }
        put(Array(name.utf8), at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put(Array("        ".utf8), at: 148)  // checksum field counts as spaces
        h[156] = UInt8(ascii: "0")
        put(Array("ustar".utf8) + [0] + Array("00".utf8), at: 257)
        put(Array("armory".utf8), at: 265)
        put(Array("armory".utf8), at: 297)
        put(octal(0, width: 8), at: 329)
        put(octal(0, width: 8), at: 337)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        return h
    }

    /// Reads an archive written by `encoded()`; anything else is rejected.
    public init(decoding bytes: [UInt8]) throws(ArchiveError) {
        var files: [File] = []
        var offset = 0
        let zero = [UInt8](repeating: 0, count: BundleArchive.block)
        while true {
            guard offset + BundleArchive.block <= bytes.count else { throw ArchiveError("archive ends inside a header") }
            let h = Array(bytes[offset..<(offset + BundleArchive.block)])
            if h == zero { break }
            let nameBytes = h[0..<100].prefix { $0 != 0 }
            guard let name = String(validating: Array(nameBytes), as: UTF8.self), !name.isEmpty else {
                throw ArchiveError("archive entry at byte \(offset) has no valid name")
            }
            let sizeText = String(decoding: h[124..<135], as: UTF8.self)
            guard let size = Int(sizeText, radix: 8), size >= 0 else { throw ArchiveError("\(name): bad size field") }
            offset += BundleArchive.block
            guard offset + size <= bytes.count else { throw ArchiveError("\(name): archive ends inside the file") }
            files.append(File(name: name, contents: Array(bytes[offset..<(offset + size)])))
            offset += (size + BundleArchive.block - 1) / BundleArchive.block * BundleArchive.block
        }
        self.files = files
        guard Set(files.map(\.name)).count == files.count else { throw ArchiveError("archive holds a file twice") }
        let canonical = encoded()
        guard canonical == bytes else {
            let at = (0..<min(canonical.count, bytes.count)).first { canonical[$0] != bytes[$0] } ?? min(canonical.count, bytes.count)
            throw ArchiveError("archive is not in canonical form (differs at byte \(at))")
        }
    }
}
