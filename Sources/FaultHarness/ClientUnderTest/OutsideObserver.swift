import FaultProxy
import FaultlineLocking
import Foundation

/// Watches a client under test from outside, every few milliseconds, onto one time line: the
/// proxy's connection counters, the mock's event file (`faultline mock --events`), and the JSON
/// lines the client prints on standard output.
public final class OutsideObserver: Sendable {
  /// CLOCK_MONOTONIC nanoseconds at which the run began; every `time` is seconds since then.
  public let origin: Int
  private let engine: ProxyEngine
  private let proxyName: String
  private let serverEvents: ServerEventReader
  private let client: Locked<ClientProcess?> = Locked(nil)
  private let state = Locked(State())
  private let task = Locked<Task<Void, Never>?>(nil)

  private struct State {
    var events: [ObservedEvent] = []
    var stdoutConsumed = 0
    var connectionsTotal: UInt64 = 0
    var connectionsOpen = 0
  }

  /// How often the sources are read.
  static let interval = Duration.milliseconds(5)

  public init(engine: ProxyEngine, proxyName: String = "comfy", eventsPath: String) {
    origin = Int(MonotonicClock.now())
    self.engine = engine
    self.proxyName = proxyName
    serverEvents = ServerEventReader(path: eventsPath, origin: origin)
  }

  /// Starts polling in the background.
  public func start() {
    let task = Task { [self] in
      while !Task.isCancelled {
        poll()
        try? await Task.sleep(for: Self.interval)
      }
    }
    self.task.withLock { $0 = task }
  }

  /// Stops polling after a last read of every source.
  public func stop() async {
    let task = self.task.withLock { value in
      defer { value = nil }
      return value
    }
    task?.cancel()
    await task?.value
    poll()
  }

  /// Reads the client's standard output from now on.
  public func watch(_ client: ClientProcess) {
    self.client.withLock { $0 = client }
  }

  /// Seconds since the run began.
  public func now() -> Double {
    Double(Int(MonotonicClock.now()) - origin) / 1e9
  }

  /// Everything seen so far, in time order.
  public var events: [ObservedEvent] {
    state.withLock { $0.events }.sorted { $0.time < $1.time }
  }

  /// The first event after `time` matching `predicate`.
  public func first(after time: Double, where predicate: (ObservedEvent) -> Bool) -> ObservedEvent?
  {
    events.first { $0.time >= time && predicate($0) }
  }

  private func poll() {
    let at = now()
    var found: [ObservedEvent] = []
    if let stats = try? engine.stats(named: proxyName) {
      let (opened, closed) = state.withLock { state -> (Int, Int) in
        let newTotal = Int(stats.connectionsTotal - state.connectionsTotal)
        let closed = max(0, newTotal - (stats.connectionsOpen - state.connectionsOpen))
        state.connectionsTotal = stats.connectionsTotal
        state.connectionsOpen = stats.connectionsOpen
        return (newTotal, closed)
      }
      found += Array(
        repeating: ObservedEvent(time: at, source: .proxy, kind: "tcp_open"), count: opened)
      found += Array(
        repeating: ObservedEvent(time: at, source: .proxy, kind: "tcp_close"), count: closed)
    }
    found += serverEvents.readNew()
    found += readClientLines(at: at)
    guard !found.isEmpty else { return }
    state.withLock { $0.events += found }
  }

  /// Complete lines the client printed since the last read that are JSON objects with an `event`,
  /// at the time the line carries (`time_ns`, CLOCK_MONOTONIC) when it has a plausible one, else
  /// at the time they were read: on a loaded machine the read can come long after the client
  /// printed, and the time is what is being measured.
  private func readClientLines(at time: Double) -> [ObservedEvent] {
    guard let client = client.withLock({ $0 }) else { return [] }
    let output = Array(client.standardOutput.utf8)
    let lines = state.withLock { state -> [Substring] in
      guard let end = output.lastIndex(of: UInt8(ascii: "\n")), end >= state.stdoutConsumed else {
        return []
      }
      let text = String(decoding: output[state.stdoutConsumed...end], as: UTF8.self)
      state.stdoutConsumed = end + 1
      return text.split(whereSeparator: \.isNewline)
    }
    return lines.compactMap { line in
      guard
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
        let kind = object["event"] as? String
      else { return nil }
      return ObservedEvent(
        time: stamp(object["time_ns"], readAt: time), source: .client, kind: kind,
        clientID: object["client_id"] as? String,
        detail: object["detail"] as? String, promptID: object["prompt_id"] as? String)
    }
  }

  /// A client's own CLOCK_MONOTONIC stamp on this time line, if it is one: not before the run began
  /// nor after the line was read (a client stamping with another clock is read at `readAt`).
  private func stamp(_ value: Any?, readAt: Double) -> Double {
    guard let nanoseconds = value as? Int else { return readAt }
    let time = Double(nanoseconds - origin) / 1e9
    return (0...readAt).contains(time) ? time : readAt
  }
}
