import NIOConcurrencyHelpers
import NIOSSL
import CairnConfig

#if canImport(Glibc)
import Glibc
#endif

/// The TLS context new connections on `tls-port` get, built from the tls-* settings and
/// rebuilt when CONFIG SET changes them (certificates are reloaded that way, as in Redis);
/// connections already open keep the context they were accepted with.
final class TLSContextProvider: Sendable {
    private let current: NIOLockedValueBox<NIOSSLContext>

    init(settings: Settings) throws(TLSSetupError) {
        current = NIOLockedValueBox(try Self.makeContext(settings))
    }

    /// The context for a connection accepted now.
    var context: NIOSSLContext { current.withLockedValue { $0 } }

    /// Builds a context from `settings` and uses it for new connections; on failure the
    /// old one stays.
    func reload(_ settings: Settings) throws(TLSSetupError) {
        let context = try Self.makeContext(settings)
        current.withLockedValue { $0 = context }
    }

    /// Whether `new` changes anything the context is built from.
    static func differ(_ old: Settings, _ new: Settings) -> Bool {
        old.tlsCertFile != new.tlsCertFile || old.tlsKeyFile != new.tlsKeyFile || old.tlsKeyFilePass != new.tlsKeyFilePass
            || old.tlsCaCertFile != new.tlsCaCertFile || old.tlsCaCertDir != new.tlsCaCertDir
            || old.tlsAuthClients != new.tlsAuthClients || old.tlsProtocols != new.tlsProtocols
            || old.tlsCiphers != new.tlsCiphers || old.tlsCiphersuites != new.tlsCiphersuites
    }

    static func makeContext(_ s: Settings) throws(TLSSetupError) -> NIOSSLContext {
        guard !s.tlsCertFile.isEmpty, !s.tlsKeyFile.isEmpty else {
            throw TLSSetupError("tls-cert-file and tls-key-file must be set for TLS")
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(s.tlsCertFile).map { NIOSSLCertificateSource.certificate($0) }
            let key: NIOSSLPrivateKey
            if s.tlsKeyFilePass.isEmpty {
                key = try NIOSSLPrivateKey(file: s.tlsKeyFile, format: .pem)
            } else {
                let pass = Array(s.tlsKeyFilePass.utf8)
                key = try NIOSSLPrivateKey(file: s.tlsKeyFile, format: .pem) { setter in setter(pass) }
            }
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            let (minimum, maximum) = try protocols(s.tlsProtocols)
            configuration.minimumTLSVersion = minimum
            configuration.maximumTLSVersion = maximum
            if !s.tlsCiphers.isEmpty { configuration.cipherSuites = s.tlsCiphers }
            try checkSuites(s.tlsCiphersuites)
            switch s.tlsAuthClients {
            case .no: configuration.certificateVerification = .none
            case .yes: configuration.certificateVerification = .noHostnameVerification
            case .optional: configuration.certificateVerification = .optionalVerification
            }
            if s.tlsAuthClients != .no {
                configuration.trustRoots = try trustRoots(file: s.tlsCaCertFile, directory: s.tlsCaCertDir)
            }
            return try NIOSSLContext(configuration: configuration)
        } catch let error as TLSSetupError {
            throw error
        } catch {
            throw TLSSetupError("\(error)")
        }
    }

    /// `TLSv1.2 TLSv1.3` → the lowest and highest named (BoringSSL takes a range).
    static func protocols(_ text: String) throws(TLSSetupError) -> (TLSVersion, TLSVersion?) {
        let names = text.split(separator: " ").map { $0.lowercased() }
        guard !names.isEmpty else { return (.tlsv12, nil) }
        let known: [(String, TLSVersion)] = [("tlsv1", .tlsv1), ("tlsv1.1", .tlsv11), ("tlsv1.2", .tlsv12), ("tlsv1.3", .tlsv13)]
        var indices: [Int] = []
        for name in names {
            guard let i = known.firstIndex(where: { $0.0 == name }) else { throw TLSSetupError("Invalid tls-protocols specified: \(name)") }
            indices.append(i)
        }
        return (known[indices.min()!].1, known[indices.max()!].1)
    }

    /// BoringSSL's TLS 1.3 suites are fixed: a list naming others cannot be honoured.
    static func checkSuites(_ text: String) throws(TLSSetupError) {
        let fixed: Set<Substring> = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
        for suite in text.split(separator: ":") where !fixed.contains(suite) {
            throw TLSSetupError("tls-ciphersuites: \(suite) is not one of BoringSSL's TLS 1.3 suites")
        }
    }

    /// The CA certificates clients' certificates must chain to.
    static func trustRoots(file: String, directory: String) throws -> NIOSSLTrustRoots {
        var certificates: [NIOSSLCertificate] = []
        if !file.isEmpty { certificates += try NIOSSLCertificate.fromPEMFile(file) }
        if !directory.isEmpty {
            for name in try directoryEntries(directory) where name.hasSuffix(".pem") || name.hasSuffix(".crt") {
                certificates += try NIOSSLCertificate.fromPEMFile(directory + "/" + name)
            }
        }
        guard !certificates.isEmpty else {
            throw TLSSetupError("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is yes or optional")
        }
        return .certificates(certificates)
    }

    static func directoryEntries(_ path: String) throws(TLSSetupError) -> [String] {
        guard let dir = opendir(path) else { throw TLSSetupError("cannot open tls-ca-cert-dir \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// Why TLS could not be set up, for the log and for CONFIG SET's error.
struct TLSSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
