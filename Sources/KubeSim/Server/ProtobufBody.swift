import Foundation
import KubeClient

/// Decodes the Kubernetes protobuf encoding of the few built-in kinds kubectl's imperative
/// generators send: `kubectl create namespace|configmap|secret` (and ObjectMeta inside them).
///
/// kubectl sends typed built-in objects as `application/vnd.kubernetes.protobuf`: the bytes
/// `k8s\0`, then a `runtime.Unknown` message whose `raw` field holds the object's own message. Only
/// Namespace, ConfigMap and Secret are understood (with the ObjectMeta fields a client sets on
/// create: name, generateName, namespace, labels, annotations, ownerReferences, finalizers); any
/// other kind answers 415 so the client can be pointed at manifests (`kubectl create -f`).
enum ProtobufBody {
    static func decode(_ bytes: [UInt8]) throws(Status) -> JSONValue {
        let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]
        guard bytes.count > 4, Array(bytes[0..<4]) == magic else {
            throw unsupported("missing the k8s protobuf prefix")
        }
        let unknown = try fields(bytes[4...])
        guard let typeMeta = unknown.first(where: { $0.number == 1 })?.bytes,
            let raw = unknown.first(where: { $0.number == 2 })?.bytes
        else { throw unsupported("not a runtime.Unknown envelope") }
        let meta = try fields(typeMeta[...])
        let apiVersion = meta.first { $0.number == 1 }?.string ?? ""
        let kind = meta.first { $0.number == 2 }?.string ?? ""
        let object = try fields(raw[...])
        var result: [String: JSONValue] = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        if let metadata = object.first(where: { $0.number == 1 })?.bytes {
            result["metadata"] = try objectMeta(metadata)
        }
        switch (apiVersion, kind) {
        case ("v1", "Namespace"):
            if let spec = object.first(where: { $0.number == 2 })?.bytes {
                let finalizers = try fields(spec[...]).filter { $0.number == 1 }.compactMap(\.string)
                if !finalizers.isEmpty { result["spec"] = ["finalizers": .array(finalizers.map { .string($0) })] }
            }
        case ("v1", "ConfigMap"):
            result["data"] = try stringMap(object.filter { $0.number == 2 })
            result["binaryData"] = try stringMap(object.filter { $0.number == 3 }, base64: true)
            if let immutable = object.first(where: { $0.number == 4 }) {
                result["immutable"] = .bool(immutable.varint != 0)
            }
        case ("v1", "Secret"):
            result["data"] = try stringMap(object.filter { $0.number == 2 }, base64: true)
            if let type = object.first(where: { $0.number == 3 })?.string { result["type"] = .string(type) }
            result["stringData"] = try stringMap(object.filter { $0.number == 4 })
            if let immutable = object.first(where: { $0.number == 5 }) {
                result["immutable"] = .bool(immutable.varint != 0)
            }
        default:
            throw unsupported("protobuf bodies of \(kind) \(apiVersion) are not decoded")
        }
        return .object(result.filter { !$0.value.isNull })
    }

    private static func unsupported(_ reason: String) -> Status {
        .unsupportedMediaType(
            "KubeSim decodes protobuf only for Namespace, ConfigMap and Secret (\(reason)); send JSON, "
                + "e.g. create objects from manifests with kubectl create -f / apply -f")
    }

    // MARK: - ObjectMeta

    private static func objectMeta(_ bytes: [UInt8]) throws(Status) -> JSONValue {
        let meta = try fields(bytes[...])
        var result: [String: JSONValue] = [:]
        for (number, key) in [(1, "name"), (2, "generateName"), (3, "namespace")] {
            if let value = meta.first(where: { $0.number == number })?.string, !value.isEmpty {
                result[key] = .string(value)
            }
        }
        result["labels"] = try stringMap(meta.filter { $0.number == 11 })
        result["annotations"] = try stringMap(meta.filter { $0.number == 12 })
        let finalizers = meta.filter { $0.number == 14 }.compactMap(\.string)
        if !finalizers.isEmpty { result["finalizers"] = .array(finalizers.map { .string($0) }) }
        var references: [JSONValue] = []
        for entry in meta where entry.number == 13 {
            guard let bytes = entry.bytes else { continue }
            let reference = try fields(bytes[...])
            var object: [String: JSONValue] = [:]
            for (number, key) in [(5, "apiVersion"), (1, "kind"), (3, "name"), (4, "uid")] {
                object[key] = .string(reference.first { $0.number == number }?.string ?? "")
            }
            for (number, key) in [(6, "controller"), (7, "blockOwnerDeletion")] {
                if let flag = reference.first(where: { $0.number == number }) { object[key] = .bool(flag.varint != 0) }
            }
            references.append(.object(object))
        }
        if !references.isEmpty { result["ownerReferences"] = .array(references) }
        return .object(result.filter { !$0.value.isNull })
    }

    /// A protobuf `map<string, string|bytes>`: repeated entries with key = 1 and value = 2.
    private static func stringMap(_ entries: [Field], base64: Bool = false) throws(Status) -> JSONValue {
        guard !entries.isEmpty else { return .null }
        var result: [String: JSONValue] = [:]
        for entry in entries {
            guard let bytes = entry.bytes else { continue }
            let pair = try fields(bytes[...])
            let key = pair.first { $0.number == 1 }?.string ?? ""
            let value = pair.first { $0.number == 2 }?.bytes ?? []
            result[key] = .string(base64 ? Data(value).base64EncodedString() : String(decoding: value, as: UTF8.self))
        }
        return .object(result)
    }

    // MARK: - Wire format

    /// One field of a message: varints keep their value, length-delimited fields their bytes.
    struct Field {
        var number: Int
        var varint: UInt64 = 0
        var bytes: [UInt8]?

        var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    static func fields(_ input: ArraySlice<UInt8>) throws(Status) -> [Field] {
        var result: [Field] = []
        var index = input.startIndex
        func varint() throws(Status) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < input.endIndex && shift < 64 {
                let byte = input[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            throw Status.badRequest("malformed protobuf body: truncated varint")
        }
        while index < input.endIndex {
            let key = try varint()
            var field = Field(number: Int(key >> 3))
            switch key & 7 {
            case 0: field.varint = try varint()
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard input.endIndex - index >= width else { throw Status.badRequest("malformed protobuf body") }
                index += width
            case 2:
                let length = Int(clamping: try varint())
                guard length >= 0, input.endIndex - index >= length else {
                    throw Status.badRequest("malformed protobuf body: field \(field.number) overruns the message")
                }
                field.bytes = Array(input[index..<(index + length)])
                index += length
            default:
                throw Status.badRequest("malformed protobuf body: wire type \(key & 7)")
            }
            result.append(field)
        }
        return result
    }
}
