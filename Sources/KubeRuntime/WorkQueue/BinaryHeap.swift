/// A binary min-heap: ``popFirst()`` returns the smallest element by `<`.
///
/// The work queue keeps two of these: delayed keys by due time (so one timer waits only for the
/// earliest) and ready keys by priority then due time. Both use lazy deletion: an entry that was
/// superseded stays in the heap and is skipped when it surfaces, which keeps every operation
/// O(log n) without an index of positions.
struct BinaryHeap<Element: Comparable> {
    private var storage: [Element] = []

    init() {}

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }

    /// The element that ``popFirst()`` would return.
    var first: Element? { storage.first }

    mutating func insert(_ element: Element) {
        storage.append(element)
        siftUp(from: storage.count - 1)
    }

    mutating func popFirst() -> Element? {
        guard !storage.isEmpty else { return nil }
        storage.swapAt(0, storage.count - 1)
        let first = storage.removeLast()
        if !storage.isEmpty { siftDown(from: 0) }
        return first
    }

    /// Keeps only the elements for which `isIncluded` holds and restores the heap order.
    mutating func retain(where isIncluded: (Element) -> Bool) {
        storage.removeAll { !isIncluded($0) }
        guard storage.count > 1 else { return }
        for index in stride(from: storage.count / 2 - 1, through: 0, by: -1) {
            siftDown(from: index)
        }
    }

    mutating func removeAll() { storage.removeAll() }

    // MARK: - Sifting

    private mutating func siftUp(from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child] < storage[parent] else { return }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < storage.count, storage[left] < storage[best] { best = left }
            if right < storage.count, storage[right] < storage[best] { best = right }
            if best == parent { return }
            storage.swapAt(parent, best)
            parent = best
        }
    }
}
