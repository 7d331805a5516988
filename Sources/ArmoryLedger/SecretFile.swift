import Foundation

/// Why a secret file could not be made or written.
public enum SecretFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Something is at the path already (`link`: a symbolic link); it is left untouched.
    case exists(path: String, link: Bool)
    case cannotCreate(path: String, errno: Int32)
    /// Writing failed; the new file was removed.
    case cannotWrite(path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .exists(path, link): "\(path) already exists\(link ? " (a symbolic link)" : "")"
        case let .cannotCreate(path, e): "cannot create \(path): \(String(cString: strerror(e)))"
        case let .cannotWrite(path, e): "cannot write \(path): \(String(cString: strerror(e)))"
        }
    }
}

/// A new file for a secret (a private key, a VAPID key, passwords), open for writing. It is
/// made by open(2) with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so it is never readable by
/// others, even for a moment, and the "never overwritten" check and the creation are one
/// step: an existing file, or a symbolic link planted at its path, makes `create` fail and
/// is left untouched.
public struct SecretFile: Sendable {
    public let path: String
    let fd: Int32

    public static func create(_ path: String) throws(SecretFileError) -> SecretFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let why = errno
            var st = stat()
            if lstat(path, &st) == 0 {
                throw .exists(path: path, link: st.st_mode & S_IFMT == S_IFLNK)
            }
            throw .cannotCreate(path: path, errno: why)
        }
        return SecretFile(path: path, fd: fd)
    }

    /// Writes all of `bytes`, flushes them to the disk and closes the file. On failure the
    /// file (new, and ours) is removed: a partial key or password list is never left.
    public func write(_ bytes: [UInt8]) throws(SecretFileError) {
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { Foundation.write(fd, $0 + written, bytes.count - written) } ?? -1
            }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            written += n
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        guard failure == 0 else {
            unlink(path)
            throw .cannotWrite(path: path, errno: failure)
        }
    }

    /// Closes and removes the file, when what was to go in it could not be made.
    public func discard() {
        close(fd)
        unlink(path)
    }
}
