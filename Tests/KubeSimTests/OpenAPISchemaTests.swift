import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// A ScheduledTask-shaped schema exercising every supported keyword.
let taskSchema: JSONValue = [
    "type": "object",
    "properties": [
        "spec": [
            "type": "object",
            "required": ["schedule"],
            "properties": [
                "schedule": ["type": "string", "minLength": 1, "maxLength": 20],
                "guarantee": [
                    "type": "string", "enum": ["OnceMost", "OnceOnly", "Unlimited"], "default": "Unlimited",
                ],
                "jitterSeconds": ["type": "integer", "minimum": 0, "maximum": 3600],
                "ratio": [
                    "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true,
                ],
                "suspend": ["type": "boolean", "default": false],
                "timeZone": ["type": "string", "pattern": "^[A-Za-z_]+(/[A-Za-z_]+)*$"],
                "startAt": ["type": "string", "format": "date-time"],
                "note": ["type": "string", "nullable": true],
                "port": ["x-kubernetes-int-or-string": true],
                "tags": ["type": "array", "minItems": 1, "maxItems": 2, "items": ["type": "string"]],
                "labels": ["type": "object", "maxProperties": 2, "additionalProperties": ["type": "string"]],
                "retry": [
                    "type": "object", "default": [:],
                    "properties": [
                        "backoffSeconds": ["type": "integer", "minimum": 0, "default": 30],
                        "maxFailureRetries": ["type": "integer", "default": 3],
                    ],
                ],
                "receivers": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["name"],
                        "properties": ["name": ["type": "string"]],
                    ],
                ],
                "jobTemplate": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                "embedded": [
                    "type": "object", "x-kubernetes-embedded-resource": true,
                    "properties": ["spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                ],
            ],
        ],
        "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
    ],
]

/// A valid task whose `spec` is merged with `overrides`.
func task(_ overrides: [String: JSONValue] = [:], removing removed: [String] = []) -> JSONValue {
    var spec: [String: JSONValue] = ["schedule": "0 2 * * *"]
    for (key, value) in overrides { spec[key] = value }
    for key in removed { spec[key] = nil }
    return [
        "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask",
        "metadata": ["name": "report", "namespace": "default"], "spec": .object(spec),
    ]
}

@Suite struct OpenAPISchemaTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let object: JSONValue
        /// The full messages (`field: body`) expected, in order; empty for a valid object.
        let messages: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "valid task", object: task(), messages: []),
        Case(
            name: "missing required field", object: task(removing: ["schedule"]),
            messages: ["spec.schedule: Required value"]),
        Case(
            name: "enum violation lists supported values", object: task(["guarantee": "Twice"]),
            messages: [
                #"spec.guarantee: Unsupported value: "Twice": supported values: "OnceMost", "OnceOnly", "Unlimited""#
            ]),
        Case(
            name: "wrong type reports the JSON type", object: task(["jitterSeconds": "ten"]),
            messages: [
                #"spec.jitterSeconds: Invalid value: "string": spec.jitterSeconds "#
                    + #"in body must be of type integer: "string""#
            ]),
        Case(
            name: "whole double counts as integer", object: task(["jitterSeconds": 5.0]), messages: []),
        Case(
            name: "fractional number is not an integer", object: task(["jitterSeconds": 1.5]),
            messages: [
                #"spec.jitterSeconds: Invalid value: "number": spec.jitterSeconds "#
                    + #"in body must be of type integer: "number""#
            ]),
        Case(
            name: "below minimum", object: task(["jitterSeconds": -5]),
            messages: [
                "spec.jitterSeconds: Invalid value: -5: spec.jitterSeconds in body should be greater than or equal to 0"
            ]),
        Case(
            name: "above maximum", object: task(["jitterSeconds": 3601]),
            messages: [
                "spec.jitterSeconds: Invalid value: 3601: spec.jitterSeconds "
                    + "in body should be less than or equal to 3600"
            ]),
        Case(
            name: "exclusive bounds", object: task(["ratio": 0]),
            messages: ["spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0"]),
        Case(
            name: "exclusive maximum", object: task(["ratio": 1]),
            messages: ["spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"]),
        Case(name: "inside exclusive bounds", object: task(["ratio": 0.5]), messages: []),
        Case(
            name: "too short", object: task(["schedule": ""]),
            messages: [#"spec.schedule: Invalid value: "": spec.schedule in body should be at least 1 chars long"#]),
        Case(
            name: "too long", object: task(["schedule": "0 0 1,2,3,4,5,6,7,8,9 * *"]),
            messages: ["spec.schedule: Too long: may not be more than 20 bytes"]),
        Case(
            name: "pattern mismatch", object: task(["timeZone": "Asia Shanghai"]),
            messages: [
                #"spec.timeZone: Invalid value: "Asia Shanghai": spec.timeZone "#
                    + #"in body should match '^[A-Za-z_]+(/[A-Za-z_]+)*$'"#
            ]),
        Case(name: "pattern match", object: task(["timeZone": "Asia/Shanghai"]), messages: []),
        Case(
            name: "date-time format", object: task(["startAt": "yesterday"]),
            messages: [
                #"spec.startAt: Invalid value: "yesterday": spec.startAt "#
                    + #"in body must be of type date-time: "yesterday""#
            ]),
        Case(name: "valid date-time", object: task(["startAt": "2026-03-08T07:00:00Z"]), messages: []),
        Case(name: "nullable accepts null", object: task(["note": .null]), messages: []),
        Case(
            name: "non-nullable null", object: task(["schedule": .null]),
            messages: [#"spec.schedule: Invalid value: "null": spec.schedule in body must be of type string: "null""#]),
        Case(name: "int-or-string takes an integer", object: task(["port": 8080]), messages: []),
        Case(name: "int-or-string takes a string", object: task(["port": "http"]), messages: []),
        Case(
            name: "int-or-string refuses a boolean", object: task(["port": true]),
            messages: [
                #"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#
            ]),
        Case(
            name: "too few items", object: task(["tags": []]),
            messages: ["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"]),
        Case(
            name: "too many items", object: task(["tags": ["a", "b", "c"]]),
            messages: ["spec.tags: Too many: 3: must have at most 2 items"]),
        Case(
            name: "item of the wrong type is named by index", object: task(["tags": ["a", 7]]),
            messages: [
                #"spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer""#
            ]),
        Case(
            name: "required inside array items", object: task(["receivers": [["name": "ops"], [:]]]),
            messages: ["spec.receivers[1].name: Required value"]),
        Case(
            name: "additionalProperties schema checks map values", object: task(["labels": ["team": 1]]),
            messages: [
                #"spec.labels.team: Invalid value: "integer": spec.labels.team "#
                    + #"in body must be of type string: "integer""#
            ]),
        Case(
            name: "maxProperties", object: task(["labels": ["a": "1", "b": "2", "c": "3"]]),
            messages: ["spec.labels: Too many: 3: must have at most 2 items"]),
        Case(
            name: "several errors in field order",
            object: task(["guarantee": "Twice", "jitterSeconds": -1], removing: ["schedule"]),
            messages: [
                "spec.schedule: Required value",
                #"spec.guarantee: Unsupported value: "Twice": supported values: "OnceMost", "OnceOnly", "Unlimited""#,
                "spec.jitterSeconds: Invalid value: -1: spec.jitterSeconds "
                    + "in body should be greater than or equal to 0",
            ]),
        Case(
            name: "type and enum errors both reported", object: task(["guarantee": 3]),
            messages: [
                #"spec.guarantee: Invalid value: "integer": spec.guarantee in body must be of type string: "integer""#,
                #"spec.guarantee: Unsupported value: 3: supported values: "OnceMost", "OnceOnly", "Unlimited""#,
            ]),
    ]

    @Test(arguments: cases)
    func validation(_ testCase: Case) throws {
        let schema = try OpenAPISchema(parsing: taskSchema)
        let errors = schema.validate(testCase.object)
        #expect(errors.map(\.message) == testCase.messages)
    }

    @Test func enumOfNumbersListsJSON() throws {
        let schema = try OpenAPISchema(parsing: [
            "type": "object", "properties": ["n": ["type": "integer", "enum": [1, 2]]],
        ])
        let errors = schema.validate(["n": 3])
        #expect(errors.map(\.message) == [#"n: Unsupported value: 3: supported values: "1", "2""#])
        #expect(
            errors.first?.cause
                == Status.Cause(
                    reason: "FieldValueNotSupported", message: #"Unsupported value: 3: supported values: "1", "2""#,
                    field: "n"))
    }

    // MARK: - Defaulting and pruning

    @Test func defaultsFillAbsentFieldsAndNestedObjects() throws {
        let schema = try OpenAPISchema(parsing: taskSchema)
        let defaulted = schema.applyingDefaults(to: task())
        #expect(defaulted[path: ["spec", "guarantee"]] == "Unlimited")
        #expect(defaulted[path: ["spec", "suspend"]] == false)
        #expect(defaulted[path: ["spec", "retry"]] == ["backoffSeconds": 30, "maxFailureRetries": 3])
    }

    @Test func defaultsKeepGivenValuesAndReplaceNullOfNonNullable() throws {
        let schema = try OpenAPISchema(parsing: taskSchema)
        let defaulted = schema.applyingDefaults(
            to: task(["guarantee": "OnceOnly", "retry": ["backoffSeconds": .null]]))
        #expect(defaulted[path: ["spec", "guarantee"]] == "OnceOnly")
        #expect(defaulted[path: ["spec", "retry"]] == ["backoffSeconds": 30, "maxFailureRetries": 3])
    }

    @Test func pruningDropsUndeclaredFieldsOnly() throws {
        let schema = try OpenAPISchema(parsing: taskSchema)
        let object = task([
            "colour": "blue",
            "receivers": [["name": "ops", "extra": 1]],
            "jobTemplate": ["spec": ["anything": ["goes": true]]],
            "labels": ["free": "form"],
            "embedded": ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["x": 1], "junk": 2],
        ])
        let (pruned, paths) = schema.pruning(object)
        #expect(paths == ["spec.colour", "spec.embedded.junk", "spec.receivers[0].extra"])
        #expect(pruned[path: ["spec", "colour"]] == nil)
        #expect(pruned[path: ["spec", "jobTemplate"]] == ["spec": ["anything": ["goes": true]]])
        #expect(pruned[path: ["spec", "labels"]] == ["free": "form"])
        #expect(pruned[path: ["spec", "embedded", "kind"]] == "Pod")
        #expect(pruned["apiVersion"] == "punctual.dev/v1alpha1")
        #expect(pruned[path: ["metadata", "name"]] == "report")
    }

    @Test func metadataSurvivesASchemaThatDeclaresIt() throws {
        let schema = try OpenAPISchema(
            parsing: ["type": "object", "properties": ["metadata": ["type": "object"], "spec": ["type": "object"]]])
        let object: JSONValue = [
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": ["name": "a", "uid": "u-1", "labels": ["x": "y"]], "spec": [:],
        ]
        let (pruned, paths) = schema.pruning(object)
        #expect(paths.isEmpty)
        #expect(pruned == object)
    }

    // MARK: - Schema parsing

    struct SchemaCase: CustomTestStringConvertible, Sendable {
        let name: String
        let schema: JSONValue
        let fields: [String]
        var testDescription: String { name }
    }

    static let badSchemas: [SchemaCase] = [
        SchemaCase(
            name: "unknown type", schema: ["type": "object", "properties": ["a": ["type": "text"]]],
            fields: ["openAPIV3Schema.properties[a].type"]),
        SchemaCase(
            name: "object without type", schema: ["type": "object", "properties": ["a": ["properties": [:]]]],
            fields: ["openAPIV3Schema.properties[a].type"]),
        SchemaCase(
            name: "array without items", schema: ["type": "object", "properties": ["a": ["type": "array"]]],
            fields: ["openAPIV3Schema.properties[a].items"]),
        SchemaCase(
            name: "invalid pattern",
            schema: ["type": "object", "properties": ["a": ["type": "string", "pattern": "(["]]],
            fields: ["openAPIV3Schema.properties[a].pattern"]),
        SchemaCase(name: "root not an object", schema: ["type": "string"], fields: ["openAPIV3Schema.type"]),
    ]

    @Test(arguments: badSchemas)
    func badSchemaIsRefused(_ testCase: SchemaCase) {
        #expect(throws: SchemaErrors.self) { try OpenAPISchema(parsing: testCase.schema) }
        do {
            _ = try OpenAPISchema(parsing: testCase.schema)
        } catch {
            #expect(error.errors.map(\.field) == testCase.fields)
        }
    }
}
