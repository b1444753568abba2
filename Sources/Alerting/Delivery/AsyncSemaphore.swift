/// A counting semaphore for async code: at most `count` holders at once, waiters served in order.
///
/// Every ``acquire()`` must be followed by exactly one ``release()``; a waiter is not woken by
/// cancellation (holders are expected to release promptly).
public actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(_ count: Int) { available = max(1, count) }

    public func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
