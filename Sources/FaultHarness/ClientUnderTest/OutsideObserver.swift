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
  private let eventsPath: String
  private let client: Locked<ClientProcess?> = Locked(nil)
  private let state = Locked(State())
  private let task = Locked<Task<Void, Never>?>(nil)

  private struct State {
    var events: [ObservedEvent] = []
    var fileOffset: UInt64 = 0
    var partialFileLine = Data()
    var stdoutConsumed = 0
    var connectionsTotal: UInt64 = 0
    var connectionsOpen = 0
  }

  /// How often the sources are read.
  static let interval = Duration.milliseconds(5)

  public init(engine: ProxyEngine, proxyName: String = "comfy", eventsPath: String) {
    origin = MonotonicTime.nanoseconds()
    self.engine = engine
    self.proxyName = proxyName
    self.eventsPath = eventsPath
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
    Double(MonotonicTime.nanoseconds() - origin) / 1e9
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
    found += readServerEvents()
    found += readClientLines(at: at)
    guard !found.isEmpty else { return }
    state.withLock { $0.events += found }
  }

  private func readServerEvents() -> [ObservedEvent] {
    guard let handle = FileHandle(forReadingAtPath: eventsPath) else { return [] }
    defer { try? handle.close() }
    let offset = state.withLock { $0.fileOffset }
    guard (try? handle.seek(toOffset: offset)) != nil,
      let data = try? handle.readToEnd(), !data.isEmpty
    else { return [] }
    let lines = state.withLock { state -> [Data] in
      state.fileOffset = offset + UInt64(data.count)
      var buffer = state.partialFileLine + data
      var lines: [Data] = []
      while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        lines.append(buffer[buffer.startIndex..<newline])
        buffer = buffer[buffer.index(after: newline)...]
      }
      state.partialFileLine = Data(buffer)
      return lines
    }
    return lines.compactMap(serverEvent)
  }

  private func serverEvent(_ line: Data) -> ObservedEvent? {
    guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
      let kind = object["event"] as? String, let nanoseconds = object["time_ns"] as? Int
    else { return nil }
    let time = Double(nanoseconds - origin) / 1e9
    let pid = object["pid"] as? Int
    switch kind {
    case "http":
      let text = "\(object["method"] ?? "?") \(object["path"] ?? "?") \(object["status"] ?? "?")"
      return ObservedEvent(time: time, source: .server, kind: kind, detail: text, pid: pid)
    case "message":
      let recipients = object["to"] as? [String] ?? []
      return ObservedEvent(
        time: time, source: .server, kind: kind,
        clientID: recipients.count == 1 ? recipients[0] : nil, detail: object["type"] as? String,
        promptID: object["prompt_id"] as? String, node: object["node"] as? String, pid: pid)
    default:
      return ObservedEvent(
        time: time, source: .server, kind: kind, clientID: object["client_id"] as? String, pid: pid)
    }
  }

  /// Complete lines the client printed since the last read that are JSON objects with an `event`.
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
        time: time, source: .client, kind: kind, clientID: object["client_id"] as? String,
        detail: object["detail"] as? String, promptID: object["prompt_id"] as? String)
    }
  }
}
