import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// The protobuf bodies kubectl's imperative generators send (`kubectl create configmap|secret|namespace`).
@Suite struct ProtobufBodyTests {
    /// A minimal protobuf writer for the test messages.
    private struct Message {
        var bytes: [UInt8] = []

        static func varint(_ value: UInt64) -> [UInt8] {
            var value = value
            var out: [UInt8] = []
            repeat {
                var byte = UInt8(value & 0x7F)
                value >>= 7
                if value != 0 { byte |= 0x80 }
                out.append(byte)
            } while value != 0
            return out
        }

        func field(_ number: Int, _ payload: [UInt8]) -> Message {
            var copy = self
            copy.bytes += Self.varint(UInt64(number << 3 | 2)) + Self.varint(UInt64(payload.count)) + payload
            return copy
        }

        func field(_ number: Int, _ text: String) -> Message { field(number, Array(text.utf8)) }

        func entry(_ number: Int, _ key: String, _ value: String) -> Message {
            field(number, Message().field(1, key).field(2, value).bytes)
        }
    }

    private static func envelope(apiVersion: String, kind: String, object: Message) -> [UInt8] {
        let typeMeta = Message().field(1, apiVersion).field(2, kind)
        return [0x6B, 0x38, 0x73, 0x00] + Message().field(1, typeMeta.bytes).field(2, object.bytes).bytes
    }

    @Test func configMapsAndSecretsDecodeToTheirJSONForm() async throws {
        let metadata = Message().field(1, "settings").entry(11, "app", "web")
        let configMap = Message().field(1, metadata.bytes).entry(2, "mode", "fast")
        let secret = Message().field(1, Message().field(1, "token").bytes).entry(2, "key", "abc")
        try await SimHarness.with { sim in
            for (path, body) in [
                (Fixtures.configMaps, Self.envelope(apiVersion: "v1", kind: "ConfigMap", object: configMap)),
                ("/api/v1/namespaces/default/secrets", Self.envelope(apiVersion: "v1", kind: "Secret", object: secret)),
            ] {
                let reply = try await sim.http.requestBytes(
                    .POST, path, body: body, contentType: "application/vnd.kubernetes.protobuf")
                #expect(reply.status == 201)
            }
            let stored = try await sim.request(.GET, Fixtures.configMaps + "/settings").body
            #expect(stored["data"] == ["mode": "fast"])
            #expect(stored[path: ["metadata", "labels"]] == ["app": "web"])
            let token = try await sim.request(.GET, "/api/v1/namespaces/default/secrets/token").body
            #expect(token["data"] == ["key": "YWJj"] && token["type"] == "Opaque")
        }
    }

    @Test func otherKindsAndGarbageAreRefused() async throws {
        try await SimHarness.with { sim in
            let job = Self.envelope(
                apiVersion: "batch/v1", kind: "Job", object: Message().field(1, Message().field(1, "j").bytes))
            let refused = try await sim.http.requestBytes(
                .POST, Fixtures.jobs, body: job, contentType: "application/vnd.kubernetes.protobuf")
            #expect(refused.status == 415)
            let garbage = try await sim.http.requestBytes(
                .POST, Fixtures.configMaps, body: [0x6B, 0x38, 0x73, 0x00, 0x0A, 0xFF],
                contentType: "application/vnd.kubernetes.protobuf")
            #expect(garbage.status == 400 || garbage.status == 415)
        }
    }
}
