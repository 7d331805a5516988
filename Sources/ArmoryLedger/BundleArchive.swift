#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// What an archive may declare. Both are checked before anything is allocated for it:
    /// a member's declared size is checked against the bytes that remain, never trusted.
    public struct Limits: Sendable {
        /// The whole archive, in bytes (`armory verify` refuses a larger file unread).
        public var bytes: Int
        /// Members: an entry's inclusion proof is one, so this is far above any real log.
        public var members: Int

        public init(bytes: Int, members: Int) {
            self.bytes = bytes
            self.members = members
        }

        /// 2 GiB and 2 Mi members.
        public static let standard = Limits(bytes: 1 << 31, members: 1 << 21)
    }

    /// The ustar header fields, to name the one that is not canonical.
    static let fields: [(name: String, range: Range<Int>)] = [
        ("name", 0..<100), ("mode", 100..<108), ("uid", 108..<116), ("gid", 116..<124), ("size", 124..<136),
        ("mtime", 136..<148), ("checksum", 148..<156), ("type", 156..<157), ("link name", 157..<257),
        ("magic", 257..<263), ("version", 263..<265), ("user name", 265..<297), ("group name", 297..<329),
        ("device major", 329..<337), ("device minor", 337..<345), ("name prefix", 345..<500), ("padding", 500..<512),
    ]

    /// What a ustar type flag other than a regular file's makes a member.
    static func kind(_ flag: UInt8) -> String {
        switch flag {
        case 0: "an old-style (type NUL) file"
        case UInt8(ascii: "1"): "a hard link"
        case UInt8(ascii: "2"): "a symbolic link"
        case UInt8(ascii: "3"): "a character device"
        case UInt8(ascii: "4"): "a block device"
        case UInt8(ascii: "5"): "a directory"
        case UInt8(ascii: "6"): "a FIFO"
        case UInt8(ascii: "7"): "a contiguous file"
        case UInt8(ascii: "x"), UInt8(ascii: "g"): "a pax extended header"
        case UInt8(ascii: "L"), UInt8(ascii: "K"): "a GNU long-name header"
        default: "an entry of type 0x\(String(flag, radix: 16))"
        }
    }

    /// Why `name` cannot name a bundle member, or nil when it can: a relative path of
    /// letters, digits, '.', '_' and '-' in components joined by '/', none empty, '.' or
    /// '..', so that no tool extracting a bundle could write outside its directory.
    public static func problem(withName name: String) -> String? {
        if name.hasPrefix("/") { return "is an absolute path" }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") { return "climbs out of the bundle's directory ('..')" }
        if components.contains(where: { $0.isEmpty || $0 == "." }) { return "has an empty or '.' path component" }
        // ASCII letters and digits, '.', '_', '-' and '/': read byte by byte (a bundle names a file for every entry).
        let allowed: (UInt8) -> Bool = { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "/")
        }
        if !name.utf8.allSatisfy(allowed) { return "holds a character other than letters, digits, '.', '_', '-' and '/'" }
        return nil
    }

    /// Reads an archive written by `encoded()`; anything else is rejected, member by member,
    /// with the member and the problem named (`index(_:limits:)`).
    public init(decoding bytes: [UInt8], limits: Limits = .standard) throws(ArchiveError) {
        let source = MemoryBundleSource(bytes)
        self.files = try BundleArchive.index(source, limits: limits).map { File(name: $0.name, contents: Array(bytes[$0.contents])) }
    }

    /// Where a member's contents lie in the archive.
    public struct Member: Sendable, Equatable {
        public let name: String
        public let contents: Range<Int>
    }

    /// Lists an archive's members, reading only their headers, padding and the end, and
    /// checks it is exactly what `encoded()` writes: a name that is not a safe relative
    /// path, a link, device or directory, a size beyond the bytes that remain, any header
    /// field or padding not as `encoded()` writes it, a name given twice, anything after
    /// the end is named with its member. The contents are read by whoever needs them, as
    /// a stream if they like: a bundle is checked without holding it.
    public static func index(_ source: some BundleSource, limits: Limits = .standard) throws(ArchiveError) -> [Member] {
        let count = source.count
        guard count <= limits.bytes else {
            throw ArchiveError("archive is \(count) bytes, more than a bundle may be (\(limits.bytes))")
        }
        var members: [Member] = []
        var names = Set<String>()
        var offset = 0
        while true {
            let number = members.count + 1
            guard count - offset >= block else {
                throw ArchiveError("archive is truncated: it ends inside the header of member \(number) (byte \(offset))")
            }
            let h = try source.read(offset..<(offset + block))
            if h.allSatisfy({ $0 == 0 }) { break }
            guard members.count < limits.members else { throw ArchiveError("archive holds more than \(limits.members) members") }
            // Name: UTF-8, and a safe relative path.
            let nameBytes = h.prefix(100).prefix { $0 != 0 }
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw ArchiveError("member \(number) (byte \(offset)): its name is not UTF-8")
            }
            guard !name.isEmpty else { throw ArchiveError("member \(number) (byte \(offset)) has no name") }
            if let problem = BundleArchive.problem(withName: name) { throw ArchiveError("member '\(name)' \(problem)") }
            if h[345..<500].contains(where: { $0 != 0 }) {
                throw ArchiveError("member '\(name)' uses the ustar name prefix field; a bundle's names fit in 100 bytes")
            }
            // Type: a regular file only.
            let flag = h[156]
            guard flag == UInt8(ascii: "0") else {
                throw ArchiveError("member '\(name)' is \(BundleArchive.kind(flag)); a bundle holds only regular files")
            }
            // Size: 11 octal digits and a NUL, checked against what remains before any use.
            let sizeField = h[124..<136]
            if let first = sizeField.first, first & 0x80 != 0 {
                throw ArchiveError("member '\(name)': its size is in base-256 form (8 GiB or more), beyond any bundle")
            }
            guard sizeField.last == 0, sizeField.dropLast().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) else {
                throw ArchiveError("member '\(name)': its size field is not 11 octal digits")
            }
            let size = sizeField.dropLast().reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }  // at most 8^11 - 1
            let start = offset + block
            let padded = (size + block - 1) / block * block
            guard size <= count - start else {
                throw ArchiveError("member '\(name)' declares \(size) bytes but only \(count - start) remain: the archive is truncated or the size is false")
            }
            // Every other header byte exactly as `encoded()` writes it.
            let expected = BundleArchive.header(name: name, size: size)
            if let k = zip(h, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                let field = BundleArchive.fields.first { $0.range.contains(k) }?.name ?? "header"
                throw ArchiveError("member '\(name)': header field '\(field)' is not as Armory writes it (byte \(offset + k))")
            }
            guard names.insert(name).inserted else { throw ArchiveError("member '\(name)' appears twice") }
            guard padded <= count - start else {
                throw ArchiveError("archive is truncated: it ends inside the padding after member '\(name)'")
            }
            if padded > size, let k = try source.read((start + size)..<(start + padded)).firstIndex(where: { $0 != 0 }) {
                throw ArchiveError("member '\(name)': the padding after its contents is not zero (byte \(start + size + k))")
            }
            members.append(Member(name: name, contents: start..<(start + size)))
            offset = start + padded
        }
        // The end: exactly two zero blocks, and nothing after them.
        guard count - offset >= 2 * block else { throw ArchiveError("archive is truncated: it ends inside its end-of-archive blocks") }
        guard count - offset == 2 * block else {
            throw ArchiveError("archive has \(count - offset - 2 * block) bytes after its end-of-archive blocks")
        }
        if let k = try source.read((offset + block)..<count).firstIndex(where: { $0 != 0 }) {
            throw ArchiveError("archive's end-of-archive blocks are not zero (byte \(offset + block + k))")
        }
        return members
    }
}

/// Where an archive's bytes are read from: memory, or a file read piece by piece.
public protocol BundleSource {
    /// The archive's length in bytes.
    var count: Int { get }
    /// The bytes in `range` (within `0..<count`), indexed from 0.
    func read(_ range: Range<Int>) throws(ArchiveError) -> [UInt8]
}

/// An archive held in memory.
public struct MemoryBundleSource: BundleSource {
    let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var count: Int { bytes.count }
    public func read(_ range: Range<Int>) throws(ArchiveError) -> [UInt8] { Array(bytes[range]) }
}

/// An archive in a file, read piece by piece where it is needed, never whole: verifying
/// a season's bundle takes the memory of one piece, not of the file.
public final class FileBundleSource: BundleSource {
    let descriptor: Int32
    public let count: Int

    /// Opens `path` for reading, or nil when it cannot be opened or is not a regular file.
    public init?(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        descriptor = fd
        count = Int(info.st_size)
    }

    deinit { close(descriptor) }

    public func read(_ range: Range<Int>) throws(ArchiveError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= count else { throw ArchiveError("read beyond the archive's \(count) bytes") }
        let bytes = [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            initialized = readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), at: range.lowerBound)
        }
        guard bytes.count == range.count else {
            throw ArchiveError("the file could not be read at byte \(range.lowerBound + bytes.count): it changed or shrank while being verified")
        }
        return bytes
    }
}

/// Reads `bytes.count` bytes of an open file from `offset` into `bytes`, through short reads
/// and interruptions; returns how many were read (fewer at the file's end or on an error).
public func readFully(_ descriptor: Int32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
    var done = 0
    while done < bytes.count {
        let n = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { break }
        done += n
    }
    return done
}
