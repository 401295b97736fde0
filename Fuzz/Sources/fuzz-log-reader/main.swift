import CFuzzDriver
import CairnLog
import CairnProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var applied = 0
    let result = LogReader(bytes).read { (args: Arguments, offset: Int) throws(LogReader.ApplyError) in
        guard offset >= 0, offset < size, args.count >= 1 else { fatalError("a command outside the file: \(offset)") }
        applied += args.byteCount
    }
    // Nothing applied can be larger than the file it came from.
    if applied > size { fatalError("applied \(applied) bytes from a \(size)-byte file") }
    switch result.outcome {
    case .complete: break
    case .tornTail(let valid, _): if valid < 0 || valid > size { fatalError("torn tail at \(valid) of \(size)") }
    case .corrupt(let offset, _): if offset < 0 || offset > size { fatalError("corruption at \(offset) of \(size)") }
    }
    _ = try? Manifest.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}

/// The entry point SwiftPM links as `main` for this executable.
@_cdecl("fuzz_log_reader_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    cairn_fuzz_run(argc, argv) { data, size in data.map { fuzzLogReader($0, size) } ?? 0 }
}
