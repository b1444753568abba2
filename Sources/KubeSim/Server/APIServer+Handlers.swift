import Foundation
import Hummingbird
import KubeClient
import NIOCore

// MARK: - Request dispatch

extension APIServer {
    /// Answers one HTTP request; every failure becomes a metav1 Status.
    func respond(to input: Request) async -> Response {
        var request = input
        do {
            return try await route(&request)
        } catch let status as Status {
            return Self.response(status)
        } catch {
            return Self.response(Status.internalError(String(describing: error)))
        }
    }

    private func route(_ request: inout Request) async throws -> Response {
        let rawPath = request.uri.path
        guard let path = APIPath(rawPath) else { throw Status.pathNotFound(rawPath) }
        if case .health = path {
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
        }
        try authenticate(request)
        let query = QueryParameters(request.uri.query)
        if case .simulator(let segments) = path {
            return try await simulatorEndpoint(segments, request: &request)
        }
        let (verb, resource) = Self.verb(of: path, method: request.method, query: query)
        let decision = faults.decide(verb: verb, resource: resource)
        if decision.latency > .zero { try? await Task.sleep(for: decision.latency) }
        if let (status, retryAfter) = decision.failure { return Self.response(status, retryAfter: retryAfter) }

        let types = store.resourceTypes()
        switch path {
        case .version: return Self.json(Discovery.version())
        case .coreGroups: return Self.json(Discovery.coreVersions())
        case .groups: return Self.json(Discovery.groupList(types))
        case .group(let name):
            guard let group = Discovery.group(named: name, in: types) else { throw Status.pathNotFound(rawPath) }
            return Self.json(group)
        case .groupVersion(let group, let version):
            guard let list = Discovery.resourceList(group: group, version: version, types: types) else {
                throw Status.pathNotFound(rawPath)
            }
            return Self.json(list)
        case .openAPI(let rest):
            // Only v3 is served; see OpenAPIDocuments for why that is what kubectl needs.
            if rest == "v3" { return Self.json(OpenAPIDocuments.root(types)) }
            guard rest.hasPrefix("v3/"),
                let document = OpenAPIDocuments.groupVersion(String(rest.dropFirst(3)), types: types)
            else { throw Status.pathNotFound(rawPath) }
            return Self.json(document)
        case .resource(let resourcePath):
            return try await resourceEndpoint(resourcePath, verb: verb, request: &request, query: query)
        case .health, .simulator:
            throw Status.pathNotFound(rawPath)
        }
    }

    private func authenticate(_ request: Request) throws(Status) {
        guard let token = configuration.bearerToken else { return }
        if configuration.tls?.clientCAPath != nil { return }  // the TLS handshake verified a client certificate
        let header = request.headers[.authorization] ?? ""
        guard header == "Bearer \(token)" else { throw Status.unauthorized() }
    }

    /// The Kubernetes verb and resource of a request, as fault rules match them.
    static func verb(of path: APIPath, method: HTTPRequest.Method, query: QueryParameters) -> (String, GroupResource?) {
        guard case .resource(let resource) = path else { return ("get", nil) }
        let isWatch = resource.isLegacyWatch || query.flag("watch")
        let verb: String
        switch method {
        case .get: verb = resource.name == nil || isWatch ? (isWatch ? "watch" : "list") : "get"
        case .post: verb = "create"
        case .put: verb = "update"
        case .patch: verb = "patch"
        case .delete: verb = resource.name == nil ? "deletecollection" : "delete"
        default: verb = method.rawValue.lowercased()
        }
        return (verb, resource.groupResource)
    }

    // MARK: - Resources

    private func resourceEndpoint(
        _ path: APIPath.ResourcePath, verb: String, request: inout Request, query: QueryParameters
    ) async throws -> Response {
        guard let type = store.resourceType(path.groupResource), type.versions.contains(path.version) else {
            throw Status.pathNotFound(request.uri.path)
        }
        if !type.isNamespaced && !path.namespace.isEmpty { throw Status.pathNotFound(request.uri.path) }
        if type.isNamespaced && path.name != nil && path.namespace.isEmpty && verb != "watch" {
            throw Status.pathNotFound(request.uri.path)
        }
        let subresource: Subresource
        switch path.subresource {
        case nil: subresource = .main
        case "status" where type.hasStatus: subresource = .status
        default: throw Status.pathNotFound(request.uri.path)
        }
        let isDryRun = query["dryRun"] == "All"
        let validation = WriteValidation(mode: try FieldValidation(query: query["fieldValidation"]))
        let view = ResponseView(accept: request.headers[.accept])
        let presenter = Presenter(
            type: type, version: path.version, view: view, now: store.clock.currentDate,
            include: TableConverter.IncludeObject(rawValue: query["includeObject"] ?? "") ?? .metadata)
        let resource = path.groupResource
        switch (verb, path.name) {
        case ("watch", _):
            return try watch(path, type: type, query: query, presenter: presenter)
        case ("list", _):
            let result = try store.list(resource, options: try listOptions(path, type: type, query: query))
            return Self.json(presenter.list(result))
        case ("get", let name?):
            return Self.json(presenter.single(try store.get(resource, namespace: path.namespace, name: name)))
        case ("create", nil):
            let body = try await Self.body(of: &request, limit: configuration.maxBodyBytes)
            let created = try store.create(
                resource, namespace: path.namespace, object: body, isDryRun: isDryRun, validation: validation)
            return Self.json(presenter.single(created), status: .created, warnings: validation.warnings.all)
        case ("update", let name?):
            let body = try await Self.body(of: &request, limit: configuration.maxBodyBytes)
            let updated = try store.update(
                resource, namespace: path.namespace, name: name, object: body, subresource: subresource,
                isDryRun: isDryRun, validation: validation)
            return Self.json(presenter.single(updated), warnings: validation.warnings.all)
        case ("patch", let name?):
            let body = try await Self.body(of: &request, limit: configuration.maxBodyBytes)
            let patch = try Patch(contentType: request.headers[.contentType] ?? "", body: body)
            let patched = try store.patch(
                resource, namespace: path.namespace, name: name, patch: patch, subresource: subresource,
                isDryRun: isDryRun, validation: validation)
            return Self.json(presenter.single(patched), warnings: validation.warnings.all)
        case ("delete", let name?):
            let options = try await deleteOptions(request: &request, query: query)
            let deleted = try store.delete(resource, namespace: path.namespace, name: name, options: options)
            return Self.json(presenter.single(deleted))
        case ("deletecollection", nil):
            let options = try await deleteOptions(request: &request, query: query)
            let listed = try store.list(resource, options: try listOptions(path, type: type, query: query))
            var deleted: [JSONValue] = []
            for object in listed.items {
                do throws(Status) {
                    deleted.append(
                        try store.delete(
                            resource, namespace: object.metadataNamespace, name: object.metadataName, options: options))
                } catch {
                    guard error.code == 404 else { throw error }  // 404: collected with an earlier item
                }
            }
            return Self.json(presenter.list(ListResult(items: deleted, resourceVersion: store.currentResourceVersion)))
        default:
            throw Status.methodNotAllowed()
        }
    }

    func listOptions(_ path: APIPath.ResourcePath, type: ServedResource, query: QueryParameters) throws(Status)
        -> StoreListQuery
    {
        var options = StoreListQuery(namespace: path.namespace.isEmpty ? nil : path.namespace)
        if let text = query["labelSelector"] { options.labelSelector = try LabelSelector(parsing: text) }
        if let text = query["fieldSelector"] { options.fieldSelector = try FieldSelector(parsing: text, for: type) }
        if let name = path.name {  // legacy /watch/.../<name>
            options.fieldSelector.terms.append(.init(field: "metadata.name", value: name, isNegated: false))
        }
        if let text = query["limit"], !text.isEmpty {
            guard let limit = Int(text), limit >= 0 else {
                throw Status.badRequest("limit must be a non-negative integer")
            }
            options.limit = limit
        }
        options.continueToken = query["continue"]
        return options
    }

    private func deleteOptions(request: inout Request, query: QueryParameters) async throws -> DeleteOptions {
        var options = DeleteOptions()
        let body = try await Self.optionalBody(of: &request, limit: configuration.maxBodyBytes)
        let policyText = body?["propagationPolicy"]?.stringValue ?? query["propagationPolicy"]
        if let policyText, !policyText.isEmpty {
            guard let policy = PropagationPolicy(rawValue: policyText) else {
                throw Status.badRequest(
                    "propagationPolicy \"\(policyText)\" is not one of Foreground, Background, Orphan")
            }
            options.propagationPolicy = policy
        } else if let orphan = body?["orphanDependents"]?.boolValue ?? query["orphanDependents"].map({ $0 == "true" }) {
            options.propagationPolicy = orphan ? .orphan : .background
        }
        options.preconditionUID = body?[path: ["preconditions", "uid"]]?.stringValue
        options.preconditionResourceVersion = body?[path: ["preconditions", "resourceVersion"]]?.stringValue
        let dryRun = body?["dryRun"]?.arrayValue?.compactMap(\.stringValue) ?? []
        options.isDryRun = dryRun.contains("All") || query["dryRun"] == "All"
        return options
    }

    // MARK: - Bodies and responses

    static func body(of request: inout Request, limit: Int) async throws -> JSONValue {
        guard let body = try await optionalBody(of: &request, limit: limit) else {
            throw Status.badRequest("the request needs a JSON body")
        }
        return body
    }

    static func optionalBody(of request: inout Request, limit: Int) async throws -> JSONValue? {
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0,
            let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes)
        else { return nil }
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        if contentType.hasPrefix("application/vnd.kubernetes.protobuf") { return try ProtobufBody.decode(bytes) }
        if contentType.contains("cbor") || contentType.contains("protobuf") {
            throw Status.unsupportedMediaType("KubeSim accepts JSON request bodies, not \(contentType)")
        }
        do {
            return try JSONValue.parse(Data(bytes))
        } catch {
            throw Status.badRequest("the request body is not valid JSON: \(error)")
        }
    }

    /// A JSON response; each warning becomes a `Warning: 299 - "<text>"` header, as kubectl prints them.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, warnings: [String] = []) -> Response {
        let buffer = JSONWriter.buffer(value)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let name = HTTPFields.Element.Name("Warning") {
            for warning in warnings {
                headers.append(HTTPFields.Element(name: name, value: "299 - \(GoFormat.quoted(warning))"))
            }
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func response(_ status: Status, retryAfter: Int? = nil) -> Response {
        let value = (try? JSONValue(encoding: status)) ?? ["kind": "Status", "message": "encoding failed"]
        var response = json(value, status: HTTPResponse.Status(code: status.code ?? 500))
        if let retryAfter = retryAfter ?? status.details?.retryAfterSeconds {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }
}
