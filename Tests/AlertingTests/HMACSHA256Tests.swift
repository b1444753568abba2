import Foundation
import Testing

@testable import Alerting

/// SHA-256 against FIPS 180-4's examples and HMAC-SHA256 against RFC 4231's test cases.
@Suite struct HMACSHA256Tests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let key: [UInt8]?
        let message: [UInt8]
        let expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "SHA-256 of the empty string", key: nil, message: [],
            expected: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Case(
            name: "SHA-256 of abc (one block)", key: nil, message: Array("abc".utf8),
            expected: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Case(
            name: "SHA-256 of 56 bytes (padding spills into a second block)", key: nil,
            message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            expected: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Case(
            name: "SHA-256 of 1,000 bytes", key: nil, message: [UInt8](repeating: 0x61, count: 1000),
            expected: "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
        Case(
            name: "RFC 4231 case 1", key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8),
            expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Case(
            name: "RFC 4231 case 2 (short key)", key: Array("Jefe".utf8),
            message: Array("what do ya want for nothing?".utf8),
            expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Case(
            name: "RFC 4231 case 6 (key longer than a block is hashed first)",
            key: [UInt8](repeating: 0xaa, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ]

    @Test(arguments: cases)
    func matchesTheStandardVector(_ testCase: Case) {
        let digest =
            testCase.key.map { HMACSHA256.authenticationCode(for: testCase.message, key: $0) }
            ?? SHA256Digest.hash(testCase.message)
        #expect(digest.map { String(format: "%02x", $0) }.joined() == testCase.expected)
    }
}
