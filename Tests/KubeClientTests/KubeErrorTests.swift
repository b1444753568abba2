import Foundation
import KubeClient
import Testing

@Suite struct KubeErrorTests {
    enum Expected: Sendable, Equatable {
        case notFound, alreadyExists, conflict, gone, invalid(fields: [String]), badRequest, forbidden
        case unauthorized, tooManyRequests(seconds: Int?), server(Int), unexpected(Int)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let code: Int
        let body: String
        let retryAfterHeader: Int?
        let expected: Expected
        let isRetryable: Bool
        var testDescription: String { name }
    }

    static func status(_ reason: String, _ code: Int, _ extra: String = "") -> String {
        #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m-\#(reason)","#
            + #""reason":"\#(reason)","code":\#(code)\#(extra)}"#
    }

    @Test(arguments: [
        Case(
            name: "404 NotFound", code: 404, body: status("NotFound", 404), retryAfterHeader: nil,
            expected: .notFound, isRetryable: false),
        Case(
            name: "409 AlreadyExists", code: 409, body: status("AlreadyExists", 409), retryAfterHeader: nil,
            expected: .alreadyExists, isRetryable: false),
        Case(
            name: "409 Conflict (stale resourceVersion)", code: 409, body: status("Conflict", 409),
            retryAfterHeader: nil, expected: .conflict, isRetryable: false),
        Case(
            name: "410 Expired", code: 410, body: status("Expired", 410), retryAfterHeader: nil,
            expected: .gone, isRetryable: false),
        Case(
            name: "422 Invalid with causes", code: 422,
            body: status(
                "Invalid", 422,
                #","details":{"name":"t","kind":"ScheduledTask","causes":["#
                    + #"{"reason":"FieldValueRequired","message":"Required value","field":"spec.schedule"},"#
                    + #"{"reason":"FieldValueInvalid","message":"must be >= 0","field":"spec.jitterSeconds"}]}"#),
            retryAfterHeader: nil, expected: .invalid(fields: ["spec.schedule", "spec.jitterSeconds"]),
            isRetryable: false),
        Case(
            name: "400 BadRequest", code: 400, body: status("BadRequest", 400), retryAfterHeader: nil,
            expected: .badRequest, isRetryable: false),
        Case(
            name: "401 Unauthorized", code: 401, body: status("Unauthorized", 401), retryAfterHeader: nil,
            expected: .unauthorized, isRetryable: false),
        Case(
            name: "403 Forbidden", code: 403, body: status("Forbidden", 403), retryAfterHeader: nil,
            expected: .forbidden, isRetryable: false),
        Case(
            name: "429 with Retry-After header", code: 429, body: status("TooManyRequests", 429),
            retryAfterHeader: 7, expected: .tooManyRequests(seconds: 7), isRetryable: true),
        Case(
            name: "429 with retryAfterSeconds in the body only", code: 429,
            body: status("TooManyRequests", 429, #","details":{"retryAfterSeconds":3}"#), retryAfterHeader: nil,
            expected: .tooManyRequests(seconds: 3), isRetryable: true),
        Case(
            name: "500 InternalError", code: 500, body: status("InternalError", 500), retryAfterHeader: nil,
            expected: .server(500), isRetryable: true),
        Case(
            name: "503 without a Status body", code: 503, body: "upstream connect error", retryAfterHeader: nil,
            expected: .server(503), isRetryable: true),
        Case(
            name: "501 is a server error that retrying will not fix", code: 501, body: "",
            retryAfterHeader: nil, expected: .server(501), isRetryable: false),
        Case(
            name: "405 is unexpected", code: 405, body: status("MethodNotAllowed", 405), retryAfterHeader: nil,
            expected: .unexpected(405), isRetryable: false),
    ])
    func mapsStatusBodies(_ testCase: Case) throws {
        let status = try? JSONDecoder.kubernetes.decode(Status.self, from: Data(testCase.body.utf8))
        let kind = KubeError.kind(
            code: testCase.code, status: status, retryAfter: testCase.retryAfterHeader.map { .seconds($0) })
        #expect(Self.simplify(kind) == testCase.expected)
        let error = KubeError(kind, verb: .create, resource: "jobs.batch", namespace: "ns", name: "j", status: status)
        #expect(error.isRetryable == testCase.isRetryable)
        #expect(error.code == testCase.code)
        if let status {
            #expect(error.message == status.message)
            #expect(error.description.hasPrefix("create jobs.batch ns/j: "))
        }
    }

    @Test func descriptionNamesInvalidFields() {
        let error = KubeError(
            .invalid(causes: [Status.Cause(reason: "FieldValueInvalid", message: "bad cron", field: "spec.schedule")]),
            verb: .update, resource: "scheduledtasks.punctual.dev", namespace: "d", name: "t",
            message: "ScheduledTask.punctual.dev \"t\" is invalid")
        #expect(
            error.description
                == "update scheduledtasks.punctual.dev d/t: Invalid (422): ScheduledTask.punctual.dev \"t\" is invalid"
                + " [spec.schedule: bad cron]")
    }

    @Test func transportErrorsAreRetryable() {
        struct Reset: Error {}
        let error = KubeError(.transport(underlying: Reset()), verb: .get, resource: "pods")
        #expect(error.isRetryable)
        #expect(error.code == nil)
    }

    static func simplify(_ kind: KubeError.Kind) -> Expected? {
        switch kind {
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .conflict: .conflict
        case .gone: .gone
        case .invalid(let causes): .invalid(fields: causes.compactMap(\.field))
        case .badRequest: .badRequest
        case .forbidden: .forbidden
        case .unauthorized: .unauthorized
        case .tooManyRequests(let after): .tooManyRequests(seconds: after.map { Int($0.components.seconds) })
        case .server(let code): .server(code)
        case .unexpectedStatus(let code): .unexpected(code)
        default: nil
        }
    }
}
