import FaultlineLocking
import Foundation

/// Reads a mock server's event file (`faultline mock --events`) as it grows, turning each complete
/// line into an `ObservedEvent` on the reader's time line.
final class ServerEventReader: Sendable {
  let path: String
  /// CLOCK_MONOTONIC nanoseconds of time 0.
  let origin: Int
  private let state = Locked(State())

  private struct State {
    var offset: UInt64 = 0
    var partialLine = Data()
  }

  /// - Parameter fromEnd: skip what the file holds already (events before now).
  init(path: String, origin: Int, fromEnd: Bool = false) {
    self.path = path
    self.origin = origin
    if fromEnd,
      let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
    {
      state.withLock { $0.offset = size.uint64Value }
    }
  }

  /// The events written since the last call.
  func readNew() -> [ObservedEvent] {
    guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
    defer { try? handle.close() }
    let offset = state.withLock { $0.offset }
    guard (try? handle.seek(toOffset: offset)) != nil,
      let data = try? handle.readToEnd(), !data.isEmpty
    else { return [] }
    let lines = state.withLock { state -> [Data] in
      state.offset = offset + UInt64(data.count)
      var buffer = state.partialLine + data
      var lines: [Data] = []
      while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        lines.append(buffer[buffer.startIndex..<newline])
        buffer = buffer[buffer.index(after: newline)...]
      }
      state.partialLine = Data(buffer)
      return lines
    }
    return lines.compactMap(event)
  }

  private func event(_ line: Data) -> ObservedEvent? {
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
        promptID: object["prompt_id"] as? String, node: object["node"] as? String, pid: pid,
        recipients: recipients)
    default:
      return ObservedEvent(
        time: time, source: .server, kind: kind, clientID: object["client_id"] as? String, pid: pid)
    }
  }
}
