import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// `?fieldValidation=` on writes of custom resources: Strict refuses, Warn warns, Ignore prunes silently.
@Suite struct FieldValidationTests {
    enum Write: String, Sendable { case create, update, patch }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let write: Write
        /// The query parameter's value; `nil` sends none (the server default, Warn).
        let mode: String?
        let status: Int
        /// The expected message of a refusal, or the expected `Warning` header of an accepted write.
        let message: String?
        var testDescription: String { name }
    }

    static let strictMessage =
        #"Widget in version "v1" cannot be handled as a Widget: strict decoding error: "#
        + #"unknown field "spec.colour", unknown field "spec.shape""#

    static let cases: [Case] = [
        Case(name: "Strict create", write: .create, mode: "Strict", status: 400, message: strictMessage),
        Case(name: "Strict update", write: .update, mode: "Strict", status: 400, message: strictMessage),
        Case(name: "Strict patch", write: .patch, mode: "Strict", status: 400, message: strictMessage),
        Case(
            name: "Warn create", write: .create, mode: "Warn", status: 201,
            message: #"299 - "unknown field \"spec.shape\"""#),
        Case(
            name: "default is Warn", write: .update, mode: nil, status: 200,
            message: #"299 - "unknown field \"spec.shape\"""#),
        Case(name: "Ignore create", write: .create, mode: "Ignore", status: 201, message: nil),
        Case(name: "Ignore patch", write: .patch, mode: "Ignore", status: 200, message: nil),
    ]

    /// The widget CRD with a structural schema: only `spec.size` and `status` are known.
    static func definition() -> JSONValue {
        var definition = Fixtures.widgetDefinition()
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "spec": ["type": "object", "properties": ["size": ["type": "integer"]]],
                "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
            ],
        ]
        definition.set(path: ["spec", "versions"], to: nil)
        var version = Fixtures.widgetDefinition()[path: ["spec", "versions"]]?.arrayValue?.first ?? [:]
        version.set(path: ["schema", "openAPIV3Schema"], to: schema)
        definition.set(path: ["spec", "versions"], to: [version])
        return definition
    }

    @Test(arguments: cases)
    func unknownFields(_ testCase: Case) async throws {
        try await SimHarness.with { sim in
            let crd = try await sim.request(.POST, Fixtures.crds, body: Self.definition())
            #expect(crd.status == 201)
            let query = testCase.mode.map { "?fieldValidation=\($0)" } ?? ""
            // Strict cases send two unknown fields, the others one.
            let unknown: JSONValue =
                testCase.status == 400 ? ["colour": "red", "shape": "round"] : ["shape": "round"]
            var widget = Fixtures.widget("w")
            if testCase.write != .create {
                let created = try await sim.request(.POST, Fixtures.widgets, body: widget)
                #expect(created.status == 201)
            }
            for (field, value) in unknown.objectValue ?? [:] { widget.set(path: ["spec", field], to: value) }
            let reply: RawJSONClient.Reply
            switch testCase.write {
            case .create:
                reply = try await sim.request(.POST, Fixtures.widgets + query, body: widget)
            case .update:
                reply = try await sim.request(.PUT, Fixtures.widgets + "/w" + query, body: widget)
            case .patch:
                reply = try await sim.request(
                    .PATCH, Fixtures.widgets + "/w" + query, body: ["spec": unknown],
                    contentType: "application/merge-patch+json")
            }
            #expect(reply.status == testCase.status, "\(reply.text)")
            if testCase.status == 400 {
                #expect(reply.body["reason"] == "BadRequest")
                #expect(reply.body["message"]?.stringValue == testCase.message)
            } else {
                #expect(reply.headers["warning"] == testCase.message)
                #expect(reply.body[path: ["spec", "shape"]] == nil, "unknown fields are pruned")
                #expect(reply.body[path: ["spec", "size"]] == 1)
            }
            let stored = try await sim.request(.GET, Fixtures.widgets + "/w")
            #expect(stored.body[path: ["spec", "colour"]] == nil)
        }
    }

    @Test func anUnknownModeIsRefused() async throws {
        try await SimHarness.with { sim in
            let reply = try await sim.request(
                .POST, Fixtures.configMaps + "?fieldValidation=Loose", body: Fixtures.configMap("cm"))
            #expect(reply.status == 400)
        }
    }
}
