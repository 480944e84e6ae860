import FaultlineLocking
import Foundation
import Synchronization

/// Keeps the most recent fault decisions in memory and, when asked, appends every one to a JSON-lines file.
///
/// Loop threads record; any thread reads. Recording is off until `isEnabled` is set (or a file is
/// attached), so a busy proxy without a log pays one atomic load per decision.
public final class EventLog: Sendable {
  private struct State {
    var ring: [FaultEvent] = []
    var next = 0
    var file: FileHandle?
  }

  public let capacity: Int
  private let state = Locked(State())
  private let enabled = Atomic<Bool>(false)
  private let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }()

  public init(capacity: Int = 10_000) {
    self.capacity = capacity
  }

  /// Whether decisions are recorded at all.
  public var isEnabled: Bool {
    get { enabled.load(ordering: .relaxed) }
    set { enabled.store(newValue, ordering: .relaxed) }
  }

  /// Appends every later event to `url` as JSON lines (the file is created or truncated).
  public func attachFile(_ url: URL) throws {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    state.withLock { $0.file = handle }
    isEnabled = true
  }

  /// Flushes and closes the attached file.
  public func closeFile() {
    let handle = state.withLock { state -> FileHandle? in
      defer { state.file = nil }
      return state.file
    }
    try? handle?.synchronize()
    try? handle?.close()
  }

  func record(_ event: FaultEvent) {
    guard isEnabled else { return }
    let line = (try? encoder.encode(event)).map { $0 + Data("\n".utf8) }
    state.withLock { state in
      if state.ring.count < capacity {
        state.ring.append(event)
      } else {
        state.ring[state.next] = event
        state.next = (state.next + 1) % capacity
      }
      if let line { state.file?.write(line) }
    }
  }

  /// The events still in memory, oldest first, optionally for one proxy.
  public func events(proxy: String? = nil) -> [FaultEvent] {
    let all = state.withLock { state in Array(state.ring[state.next...] + state.ring[..<state.next])
    }
    guard let proxy else { return all }
    return all.filter { $0.proxy == proxy }
  }

  /// Forgets the events in memory.
  public func clear() {
    state.withLock { state in
      state.ring.removeAll()
      state.next = 0
    }
  }
}
