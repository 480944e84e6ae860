import FaultlineLocking

/// Collects what an `AsyncStream` yields, with the time each item arrived, in the background, so a
/// test can ask whether something happened (`didFire`), how often, and when, or wait for it with a
/// deadline instead of sleeping.
///
/// Subscribe before the action whose consequences you want to see: a stream only carries what
/// happens after it was created.
public final class StreamTracker<Element: Sendable>: Sendable {
  /// One item and when it arrived.
  public struct Timed: Sendable {
    public let element: Element
    public let at: ContinuousClock.Instant
  }

  private let box: Box
  private let task: Task<Void, Never>

  private final class Box: Sendable {
    let items = Locked<[Timed]>([])
  }

  /// Starts collecting; only items for which `include` is true are kept.
  public init(
    _ stream: AsyncStream<Element>,
    including include: @escaping @Sendable (Element) -> Bool = { _ in true }
  ) {
    let box = Box()
    self.box = box
    task = Task {
      for await item in stream where include(item) {
        let timed = Timed(element: item, at: .now)
        box.items.withLock { $0.append(timed) }
      }
    }
  }

  deinit { task.cancel() }

  /// Stops collecting; what was collected stays readable.
  public func cleanup() { task.cancel() }

  /// Every item so far, in order.
  public var items: [Element] { box.items.withLock { $0.map(\.element) } }

  /// Every item so far with its arrival time.
  public var timedItems: [Timed] { box.items.withLock { $0 } }

  /// True once any item was kept.
  public var didFire: Bool { box.items.withLock { !$0.isEmpty } }

  public var count: Int { box.items.withLock { $0.count } }

  public func count(where predicate: (Element) -> Bool) -> Int {
    box.items.withLock { $0.filter { predicate($0.element) }.count }
  }

  /// The arrival time of the first item matching `predicate` at or after `instant`.
  public func firstTime(
    after instant: ContinuousClock.Instant? = nil,
    where predicate: (Element) -> Bool
  ) -> ContinuousClock.Instant? {
    box.items.withLock { items in
      items.first { item in
        instant.map { item.at >= $0 } ?? true && predicate(item.element)
      }?.at
    }
  }

  /// Waits until `condition` holds for the items so far, and returns them.
  @discardableResult
  public func wait(
    for what: String, timeout: Duration = .seconds(10), _ condition: ([Element]) -> Bool
  ) async throws -> [Element] {
    try await pollUntil(
      what, timeout: timeout, lastSeen: { "\(self.items.suffix(12))" }
    ) { condition(self.items) }
    return items
  }

  /// Waits until an item matching `predicate` has arrived; returns the first one.
  @discardableResult
  public func waitForItem(
    _ what: String, timeout: Duration = .seconds(10), where predicate: @escaping (Element) -> Bool
  ) async throws -> Element {
    let items = try await wait(for: what, timeout: timeout) { $0.contains(where: predicate) }
    guard let first = items.first(where: predicate) else {
      throw HarnessTimeout(what: what, timeout: timeout)
    }
    return first
  }
}
