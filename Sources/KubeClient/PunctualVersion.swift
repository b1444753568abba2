/// The version of Punctual, shown by `punctual --version` and sent in the User-Agent.
public enum PunctualVersion {
    public static let current = "0.1.0"
}
