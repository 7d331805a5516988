#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer's driver (compiler-rt, in every toolchain that has -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer on `test` with the process's arguments, and exits with its status.
///
/// Why not libFuzzer's own `main`: SwiftPM links every executable target with its entry
/// point renamed (`<Target>_main`, so that tests can link the module) and points `main`
/// at it, so each target has an `@main` that lands here instead.
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}

/// The property the running target holds each input to (set once, before libFuzzer starts).
nonisolated(unsafe) private var property: ([UInt8]) -> Void = { _ in }

/// A target's whole entry point: sets up (seeds, and `prepare` to build fixtures before the
/// first input is timed), then runs libFuzzer with `check` on every input.
public func runFuzzing(prepare: () -> Void = {}, _ check: @escaping ([UInt8]) -> Void) -> Never {
    fuzzSetUp()
    prepare()
    property = check
    runFuzzer { data, size in testOneInput(data, size) }
}

/// libFuzzer's test function. Defined here once for every target: the sanitizer runtime
/// refers to it by this name, so each binary must hold it even though the driver is handed
/// the function directly.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    property(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
