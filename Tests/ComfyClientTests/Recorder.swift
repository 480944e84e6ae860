import FaultHarness
import Synchronization

/// Collects everything an `AsyncStream` yields, in the background, so a test can wait for a
/// condition on what arrived so far (with a deadline) instead of sleeping.
final class Recorder<Element: Sendable>: Sendable {
  private let box: Box
  private let task: Task<Void, Never>

  private final class Box: Sendable {
    let items = Mutex<[Element]>([])
  }

  init(_ stream: AsyncStream<Element>) {
    let box = Box()
    self.box = box
    task = Task {
      for await item in stream { box.items.withLock { $0.append(item) } }
    }
  }

  deinit { task.cancel() }

  var items: [Element] { box.items.withLock { $0 } }

  /// Waits until `condition` holds for the items so far; returns them.
  @discardableResult
  func wait(
    for what: String, timeout: Duration = .seconds(15), _ condition: @escaping ([Element]) -> Bool
  ) async throws -> [Element] {
    try await pollUntil(what, timeout: timeout, lastSeen: { "\(self.items.suffix(15))" }) {
      condition(self.items)
    }
    return items
  }

  func count(where predicate: (Element) -> Bool) -> Int {
    items.filter(predicate).count
  }
}
