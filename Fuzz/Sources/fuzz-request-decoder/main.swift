import CFuzzDriver
import NIOCore
import CairnProtocol

/// Decodes everything in `bytes` fed in two parts; the requests (as bytes) then the error.
func decodeAll(_ bytes: UnsafeBufferPointer<UInt8>, splitAt cut: Int) -> ([[[UInt8]]], ProtocolError?) {
    var decoder = RequestDecoder(maxBulkLength: 1 << 20)
    var args = Arguments()
    var requests: [[[UInt8]]] = []
    var buffer = ByteBufferAllocator().buffer(capacity: 0)
    for part in [bytes[0..<cut], bytes[cut...]] {
        buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: part)))
        do {
            while try decoder.decode(&buffer, into: &args) {
                if !args.isEmpty { requests.append(args.all) }
            }
        } catch {
            return (requests, error)
        }
        buffer.discardReadBytes()
    }
    return (requests, nil)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // Over the inline limit, Redis's own answer depends on how the bytes arrive.
    guard size < RequestDecoder.inlineMaxSize else { return 0 }
    let cut = size == 0 ? 0 : Int(bytes[0]) % (size + 1)
    let whole = decodeAll(bytes, splitAt: size)
    let split = decodeAll(bytes, splitAt: cut)
    if whole.0 != split.0 || whole.1 != split.1 {
        fatalError("decoding depends on the split at \(cut): \(whole) vs \(split)")
    }
    return 0
}

/// The entry point SwiftPM links as `main` for this executable.
@_cdecl("fuzz_request_decoder_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    cairn_fuzz_run(argc, argv) { data, size in data.map { fuzzRequestDecoder($0, size) } ?? 0 }
}
