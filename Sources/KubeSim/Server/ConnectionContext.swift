import Hummingbird
import NIOCore

/// The request context of KubeSim's responder: Hummingbird's basics plus the connection's channel,
/// so that shutdown can close the connections of watches whose clients stopped reading.
struct ConnectionContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// The channel of the request being answered, for code that runs within its responder.
    @TaskLocal static var current: (any Channel)?
}
