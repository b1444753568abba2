import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Refuses alert destinations that would let a task's author reach the node's or the cloud's
/// private endpoints through the controller (server-side request forgery).
///
/// Only `http` and `https` URLs pass. Unless ``allowsLinkLocal`` is set (controller flag
/// `--allow-link-local-alert-destinations`), a destination is refused when its host is a cloud
/// metadata name (`metadata.google.internal`, ...) or when the host, or any address it resolves
/// to, is link-local (169.254.0.0/16, fe80::/10, IPv4-mapped ones too) or a known metadata
/// address (100.100.100.200, fd00:ec2::254). Redirects are not followed by the transport, so
/// a refused address cannot be reached through a 3xx either.
///
/// What it does not guarantee: a name resolved here may resolve differently when connecting
/// (DNS rebinding within the record's TTL).
public struct AddressGuard: Sendable {
    /// Resolves a host name to IP address literals.
    public typealias Resolver = @Sendable (String) async throws -> [String]

    /// Host names of cloud metadata services (compared lowercased, without a trailing dot).
    public static let metadataHostNames: Set<String> = [
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
        "metadata.azure.com", "metadata.tencentyun.com",
    ]

    /// Whether link-local and metadata destinations are allowed.
    public var allowsLinkLocal: Bool
    private let resolver: Resolver

    /// - Parameters:
    ///   - allowsLinkLocal: allow link-local and metadata destinations (clusters whose alert
    ///     relay really lives there).
    ///   - resolver: host name resolution; `getaddrinfo` on NIO's thread pool by default.
    public init(allowsLinkLocal: Bool = false, resolver: Resolver? = nil) {
        self.allowsLinkLocal = allowsLinkLocal
        self.resolver = resolver ?? Self.systemResolve
    }

    // MARK: - Checking

    /// Checks `url` before a request is sent to it.
    ///
    /// - Throws: ``AlertingError`` `invalidURL` (not http/https, no host) or `refusedDestination`.
    public func check(_ url: URL, receiver: String) async throws(AlertingError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw AlertingError(.invalidURL, receiver: receiver, detail: "only http and https URLs are allowed")
        }
        guard var host = url.host?.lowercased(), !host.isEmpty else {
            throw AlertingError(.invalidURL, receiver: receiver, detail: "the URL has no host")
        }
        guard !allowsLinkLocal else { return }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host.hasSuffix(".") { host.removeLast() }
        if Self.metadataHostNames.contains(host) {
            throw AlertingError(.refusedDestination, receiver: receiver, detail: "\(host) is a cloud metadata host")
        }
        if let refusal = Self.refusal(forAddress: host) {
            throw AlertingError(.refusedDestination, receiver: receiver, detail: "\(host) is \(refusal)")
        }
        guard Self.isAddressLiteral(host) == false else { return }
        // A name that does not resolve fails when connecting; only what it resolves to matters here.
        let addresses = (try? await resolver(host)) ?? []
        for address in addresses {
            if let refusal = Self.refusal(forAddress: address) {
                throw AlertingError(
                    .refusedDestination, receiver: receiver, detail: "\(host) resolves to \(address), \(refusal)")
            }
        }
    }

    /// Why an IP address literal is refused (e.g. "a link-local address"), or nil when it is
    /// allowed or not an address literal.
    public static func refusal(forAddress text: String) -> String? {
        if let bytes = ipv4Bytes(text) { return refusal(ipv4: bytes) }
        guard let bytes = ipv6Bytes(text) else { return nil }
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return "a link-local address (fe80::/10)" }
        if bytes == [0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54] {
            return "a cloud metadata address"
        }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms.
        let isMapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        let isCompatible = bytes[0..<12].allSatisfy { $0 == 0 }
        if isMapped || isCompatible { return refusal(ipv4: Array(bytes[12..<16])) }
        return nil
    }

    private static func refusal(ipv4 bytes: [UInt8]) -> String? {
        if bytes[0] == 169 && bytes[1] == 254 { return "a link-local address (169.254.0.0/16)" }
        if bytes == [100, 100, 100, 200] { return "a cloud metadata address" }
        return nil
    }

    // MARK: - Address parsing

    static func isAddressLiteral(_ text: String) -> Bool { ipv4Bytes(text) != nil || ipv6Bytes(text) != nil }

    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        // A zone (fe80::1%eth0) does not change the address class.
        let address = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        var storage = in6_addr()
        guard inet_pton(AF_INET6, address, &storage) == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { Array($0) }
    }

    // MARK: - Resolution

    /// `getaddrinfo` on NIO's shared thread pool, so no cooperative thread blocks on DNS.
    static let systemResolve: Resolver = { host in
        try await NIOThreadPool.singleton.runIfActive { AddressGuard.addresses(of: host) }
    }

    private static func addresses(of host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var found: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr, let text = numericHost(address, length: entry.pointee.ai_addrlen) {
                found.append(text)
            }
            cursor = entry.pointee.ai_next
        }
        return found
    }

    private static func numericHost(_ address: UnsafeMutablePointer<sockaddr>, length: socklen_t) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return nil
        }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
