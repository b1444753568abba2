import Foundation
import KubeClient
import Testing

@Suite struct KubeconfigTests {
    /// Copies the kubeconfig fixtures into a temp dir together with the files they reference.
    struct Layout {
        let directory: TemporaryDirectory
        let main: String
        let second: String
        let noCurrent: String

        init() throws {
            directory = try TemporaryDirectory()
            main = try directory.write("home/kube/config", try Fixture.text("kubeconfig-main.yaml"))
            second = try directory.write("second/config", try Fixture.text("kubeconfig-second.yaml"))
            noCurrent = try directory.write("third/config", try Fixture.text("kubeconfig-no-current.yaml"))
            try directory.write("home/kube/certs/ca.crt", "DEV CA PEM")
            try directory.write("home/kube/certs/client.crt", "DEV CLIENT CERT")
            try directory.write("home/kube/certs/client.key", "DEV CLIENT KEY")
            try directory.write("home/kube/token", "file-token\n")
        }
    }

    @Test func currentContextWithFilesResolvedAgainstTheKubeconfigDirectory() throws {
        let layout = try Layout()
        defer { layout.directory.remove() }
        let configuration = try Kubeconfig.load(path: layout.main).configuration()
        #expect(configuration.server.absoluteString == "https://dev.example:6443")
        #expect(configuration.namespace == "team-a")
        #expect(configuration.tls.certificateAuthorityData == Data("DEV CA PEM".utf8))
        #expect(configuration.tls.clientCertificateData == Data("DEV CLIENT CERT".utf8))
        #expect(configuration.tls.clientKeyData == Data("DEV CLIENT KEY".utf8))
        #expect(configuration.credentials == .none)
        #expect(!configuration.tls.isInsecureSkipVerify)
    }

    struct ContextCase: CustomTestStringConvertible, Sendable {
        let name: String
        let context: String
        let namespaceOverride: String?
        let server: String
        let namespace: String
        let caData: String?
        let isInsecure: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        ContextCase(
            name: "explicit context with inline CA data", context: "prod", namespaceOverride: nil,
            server: "https://prod.example", namespace: "default", caData: "PROD CA PEM", isInsecure: false),
        ContextCase(
            name: "namespace override wins over the context's", context: "dev", namespaceOverride: "other",
            server: "https://dev.example:6443", namespace: "other", caData: "DEV CA PEM", isInsecure: false),
        ContextCase(
            name: "insecure-skip-tls-verify", context: "lab", namespaceOverride: nil, server: "https://lab.example",
            namespace: "default", caData: nil, isInsecure: true),
    ])
    func explicitContexts(_ testCase: ContextCase) throws {
        let layout = try Layout()
        defer { layout.directory.remove() }
        let configuration = try Kubeconfig.load(path: layout.main).configuration(
            context: testCase.context, namespace: testCase.namespaceOverride)
        #expect(configuration.server.absoluteString == testCase.server)
        #expect(configuration.namespace == testCase.namespace)
        #expect(configuration.tls.certificateAuthorityData == testCase.caData.map { Data($0.utf8) })
        #expect(configuration.tls.isInsecureSkipVerify == testCase.isInsecure)
    }

    @Test func tokenFileIsResolvedAndChecked() throws {
        let layout = try Layout()
        defer { layout.directory.remove() }
        let configuration = try Kubeconfig.load(path: layout.main).configuration(context: "prod")
        #expect(
            configuration.credentials
                == .tokenFile(path: layout.directory.file("home/kube/token"), reloadInterval: .seconds(60)))
    }

    @Test func execPluginConfigurationIsCarriedOver() throws {
        let layout = try Layout()
        defer { layout.directory.remove() }
        let configuration = try Kubeconfig.load(path: layout.main).configuration(context: "lab")
        guard case .exec(let exec) = configuration.credentials else {
            Issue.record("expected exec credentials, got \(configuration.credentials)")
            return
        }
        #expect(exec.command == layout.directory.file("home/kube/bin/credential-plugin"))
        #expect(exec.args == ["--cluster", "lab"])
        #expect(exec.env == [ExecConfig.EnvVar(name: "PLUGIN_MODE", value: "test")])
        #expect(exec.apiVersion == "client.authentication.k8s.io/v1")
        #expect(exec.provideClusterInfo)
    }

    @Test func kubeconfigListMergesLikeKubectl() throws {
        let layout = try Layout()
        defer { layout.directory.remove() }
        let missing = layout.directory.file("does-not-exist")
        let merged = try Kubeconfig.loadDefault(
            environment: [
                "KUBECONFIG": [layout.second, missing, layout.main, layout.noCurrent].joined(separator: ":")
            ],
            homeDirectory: layout.directory.path)
        // current-context from the first file that sets it.
        #expect(merged.currentContext == "extra")
        // First file to define a name wins: the second file's `dev` context, cluster and user.
        #expect(merged.contexts["dev"]?.value.cluster == "extra-cluster")
        #expect(merged.clusters["dev-cluster"]?.value.server == "https://shadowed.example")
        #expect(merged.users["dev-user"]?.value.token == "shadowed")
        // Names only later files define are still there.
        #expect(merged.contexts["prod"]?.file == layout.main)
        #expect(merged.contexts["third"] != nil)
        let current = try merged.configuration()
        #expect(current.server.absoluteString == "http://127.0.0.1:8001")
        #expect(current.namespace == "second")
        #expect(current.credentials == .token("s3cret"))
        // A context from the later file resolves files against *its* directory.
        let prod = try merged.configuration(context: "prod")
        #expect(prod.tls.certificateAuthorityData == Data("PROD CA PEM".utf8))
    }

    @Test func defaultPathIsHomeKubeConfig() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".kube/config", try Fixture.text("kubeconfig-no-current.yaml"))
        let config = try Kubeconfig.loadDefault(environment: [:], homeDirectory: directory.path)
        #expect(try config.configuration(context: "third").server.absoluteString == "https://third.example")
        #expect {
            try Kubeconfig.loadDefault(
                environment: ["KUBECONFIG": "/nonexistent/a:/nonexistent/b"],
                homeDirectory: directory.path)
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("KUBECONFIG") ?? false
        }
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        let name: String
        let yaml: String
        let context: String?
        let field: String
        let message: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        ErrorCase(
            name: "unknown context", yaml: "current-context: nope\ncontexts: []\n", context: nil,
            field: "contexts", message: "context \"nope\" not found"),
        ErrorCase(
            name: "no current context", yaml: "clusters: []\n", context: nil, field: "current-context",
            message: "not set"),
        ErrorCase(
            name: "missing cluster",
            yaml: "contexts:\n- name: c\n  context: {cluster: gone}\n", context: "c",
            field: "contexts[c].context.cluster", message: "cluster \"gone\" not found"),
        ErrorCase(
            name: "server is not a URL",
            yaml:
                "clusters:\n- name: k\n  cluster: {server: 'not a url'}\n"
                + "contexts:\n- name: c\n  context: {cluster: k}\n",
            context: "c", field: "clusters[k].cluster.server", message: "expected an absolute URL"),
        ErrorCase(
            name: "bad base64",
            yaml: "clusters:\n- name: k\n  cluster: {server: 'https://a', certificate-authority-data: '%%%'}\n"
                + "contexts:\n- name: c\n  context: {cluster: k}\n",
            context: "c", field: "clusters[k].cluster.certificate-authority-data", message: "not valid base64"),
        ErrorCase(
            name: "certificate without key",
            yaml: "clusters:\n- name: k\n  cluster: {server: 'https://a'}\n"
                + "users:\n- name: u\n  user: {client-certificate-data: 'QQ=='}\n"
                + "contexts:\n- name: c\n  context: {cluster: k, user: u}\n",
            context: "c", field: "users[u].user", message: "must be given together"),
        ErrorCase(
            name: "missing user",
            yaml: "clusters:\n- name: k\n  cluster: {server: 'https://a'}\n"
                + "contexts:\n- name: c\n  context: {cluster: k, user: ghost}\n",
            context: "c", field: "contexts[c].context.user", message: "user \"ghost\" not found"),
        ErrorCase(
            name: "unreadable certificate file",
            yaml: "clusters:\n- name: k\n  cluster: {server: 'https://a', certificate-authority: /nonexistent/ca.crt}\n"
                + "contexts:\n- name: c\n  context: {cluster: k}\n",
            context: "c", field: "clusters[k].cluster.certificate-authority", message: "cannot read"),
        ErrorCase(
            name: "exec with an unknown apiVersion",
            yaml: "clusters:\n- name: k\n  cluster: {server: 'https://a'}\n"
                + "users:\n- name: u\n  user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}\n"
                + "contexts:\n- name: c\n  context: {cluster: k, user: u}\n",
            context: "c", field: "users[u].user.exec.apiVersion", message: "expected one of"),
        ErrorCase(
            name: "auth-provider is refused",
            yaml: "clusters:\n- name: k\n  cluster: {server: 'https://a'}\n"
                + "users:\n- name: u\n  user: {auth-provider: {name: gcp}}\n"
                + "contexts:\n- name: c\n  context: {cluster: k, user: u}\n",
            context: "c", field: "users[u].user.auth-provider", message: "not supported"),
    ])
    func errorsNameFileContextAndField(_ testCase: ErrorCase) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("config", testCase.yaml)
        #expect {
            try Kubeconfig.load(path: path).configuration(context: testCase.context)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let fileOK = ["current-context", "contexts"].contains(testCase.field) || error.file != nil
            return error.field == testCase.field && error.message.contains(testCase.message) && fileOK
        }
    }

    @Test func unparsableYamlNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("config", "clusters: [unclosed\n")
        #expect {
            try Kubeconfig.load(path: path)
        } throws: { error in
            (error as? ConfigurationError)?.file == path
        }
    }
}
