/// Turns WebSocket frames from a ComfyUI server into `ServerMessage`s.
///
/// Fields the protocol requires are checked and a missing one is reported by name; optional
/// fields are read when present. Unknown message types are passed through, never dropped.
public enum ServerMessageDecoder {
  /// A frame that does not follow the protocol, with what is wrong in it.
  public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var messageType: String
    public var reason: String
    public var description: String { "malformed \(messageType) message: \(reason)" }
  }

  /// Decodes a text frame `{"type": T, "data": D}`.
  public static func decode(text: String) throws(DecodingError) -> ServerMessage {
    let root: JSONValue
    do {
      root = try JSONValue.parse(Array(text.utf8), source: "WebSocket text frame")
    } catch {
      throw DecodingError(messageType: "text", reason: "\(error)")
    }
    guard let type = root["type"]?.stringValue else {
      throw DecodingError(
        messageType: "text", reason: "no string field \"type\" in \(text.prefix(200))")
    }
    let data = root["data"] ?? .null
    let fields = Fields(type: type, data: data)
    switch type {
    case "status":
      return .status(
        StatusMessage(
          queueRemaining: data["status"]?["exec_info"]?["queue_remaining"]?.intValue,
          sessionId: data["sid"]?.stringValue
        ))
    case "execution_start":
      return .executionStart(try fields.promptTimestamp())
    case "execution_success":
      return .executionSuccess(try fields.promptTimestamp())
    case "execution_cached":
      return .executionCached(
        ExecutionCachedMessage(
          promptId: try fields.string("prompt_id"),
          nodes: (data["nodes"]?.arrayValue ?? []).compactMap(\.idString),
          timestamp: data["timestamp"]?.intValue
        ))
    case "executing":
      return .executing(
        ExecutingMessage(
          node: data["node"]?.idString,
          displayNode: data["display_node"]?.idString,
          promptId: data["prompt_id"]?.stringValue
        ))
    case "progress":
      return .progress(
        ProgressMessage(
          value: try fields.int("value"),
          max: try fields.int("max"),
          promptId: data["prompt_id"]?.stringValue,
          node: data["node"]?.idString
        ))
    case "progress_state":
      return .progressState(try fields.progressState())
    case "executed":
      return .executed(
        ExecutedMessage(
          node: try fields.id("node"),
          displayNode: data["display_node"]?.idString,
          promptId: try fields.string("prompt_id"),
          output: data["output"] ?? .null
        ))
    case "execution_error":
      return .executionError(
        ExecutionErrorMessage(
          promptId: try fields.string("prompt_id"),
          nodeId: data["node_id"]?.idString,
          nodeType: data["node_type"]?.stringValue,
          exceptionMessage: data["exception_message"]?.stringValue ?? "",
          exceptionType: data["exception_type"]?.stringValue,
          traceback: (data["traceback"]?.arrayValue ?? []).compactMap(\.stringValue),
          timestamp: data["timestamp"]?.intValue
        ))
    case "execution_interrupted":
      return .executionInterrupted(
        ExecutionInterruptedMessage(
          promptId: try fields.string("prompt_id"),
          nodeId: data["node_id"]?.idString,
          nodeType: data["node_type"]?.stringValue,
          timestamp: data["timestamp"]?.intValue
        ))
    case "feature_flags":
      return .featureFlags(data.objectValue ?? [:])
    default:
      return .unknown(type: type, data: data)
    }
  }

  /// Decodes a binary frame: a big-endian u32 event type, then its payload.
  public static func decode(binary bytes: [UInt8]) throws(DecodingError) -> ServerMessage {
    var reader = ByteReader(bytes: bytes[...])
    guard let eventType = reader.readUInt32() else {
      throw DecodingError(
        messageType: "binary", reason: "\(bytes.count) bytes, shorter than the 4-byte event type")
    }
    switch eventType {
    case 1:
      guard let format = reader.readUInt32() else {
        throw DecodingError(
          messageType: "PREVIEW_IMAGE", reason: "no 4-byte image format after the event type")
      }
      let name: PreviewFormat =
        switch format {
        case 1: .jpeg
        case 2: .png
        default: .other("\(format)")
        }
      return .preview(PreviewImage(format: name, metadata: nil, bytes: Array(reader.rest)))
    case 3:
      guard let length = reader.readUInt32(), let node = reader.read(Int(length)) else {
        throw DecodingError(
          messageType: "TEXT", reason: "node id length exceeds the \(bytes.count)-byte frame")
      }
      return .text(
        nodeId: String(decoding: node, as: UTF8.self),
        text: String(decoding: reader.rest, as: UTF8.self))
    case 4:
      guard let length = reader.readUInt32(), let header = reader.read(Int(length)) else {
        throw DecodingError(
          messageType: "PREVIEW_IMAGE_WITH_METADATA",
          reason: "metadata length exceeds the \(bytes.count)-byte frame")
      }
      let json: JSONValue
      do {
        json = try JSONValue.parse(header, source: "preview metadata")
      } catch {
        throw DecodingError(messageType: "PREVIEW_IMAGE_WITH_METADATA", reason: "\(error)")
      }
      let metadata = PreviewMetadata(
        nodeId: json["node_id"]?.idString,
        promptId: json["prompt_id"]?.stringValue,
        displayNodeId: json["display_node_id"]?.idString,
        parentNodeId: json["parent_node_id"]?.idString,
        realNodeId: json["real_node_id"]?.idString,
        imageType: json["image_type"]?.stringValue
      )
      let format: PreviewFormat =
        switch metadata.imageType?.lowercased() {
        case "image/jpeg", "jpeg", "jpg": .jpeg
        case "image/png", "png": .png
        default: .other(metadata.imageType ?? "")
        }
      return .preview(PreviewImage(format: format, metadata: metadata, bytes: Array(reader.rest)))
    default:
      return .unknownBinary(eventType: eventType, payload: Array(reader.rest))
    }
  }
}

/// Typed access to a message's `data`, with errors that name the message and the field.
private struct Fields {
  let type: String
  let data: JSONValue

  func string(_ key: String) throws(ServerMessageDecoder.DecodingError) -> String {
    guard let value = data[key]?.stringValue else { throw missing(key, "a string") }
    return value
  }

  func id(_ key: String) throws(ServerMessageDecoder.DecodingError) -> String {
    guard let value = data[key]?.idString else { throw missing(key, "a node id") }
    return value
  }

  func int(_ key: String) throws(ServerMessageDecoder.DecodingError) -> Int {
    guard case .number(let value) = data[key] else { throw missing(key, "a number") }
    return Int(value)
  }

  func promptTimestamp() throws(ServerMessageDecoder.DecodingError) -> PromptTimestampMessage {
    PromptTimestampMessage(
      promptId: try string("prompt_id"), timestamp: data["timestamp"]?.intValue)
  }

  func progressState() throws(ServerMessageDecoder.DecodingError) -> ProgressStateMessage {
    guard let nodes = data["nodes"]?.objectValue else { throw missing("nodes", "an object") }
    var decoded: [String: NodeProgress] = [:]
    for (key, node) in nodes {
      guard case .number(let value) = node["value"], case .number(let max) = node["max"] else {
        throw missing("nodes.\(key).value/max", "numbers")
      }
      decoded[key] = NodeProgress(
        value: value,
        max: max,
        state: node["state"]?.stringValue ?? "",
        nodeId: node["node_id"]?.idString ?? key,
        displayNodeId: node["display_node_id"]?.idString,
        parentNodeId: node["parent_node_id"]?.idString,
        realNodeId: node["real_node_id"]?.idString
      )
    }
    return ProgressStateMessage(promptId: try string("prompt_id"), nodes: decoded)
  }

  private func missing(_ key: String, _ expected: String) -> ServerMessageDecoder.DecodingError {
    let actual = data[key].map(\.jsonText) ?? "nothing"
    return .init(
      messageType: type, reason: "field \"\(key)\" should be \(expected), found \(actual)")
  }
}

extension JSONValue {
  /// Node ids are strings in ComfyUI, but some servers send them as numbers.
  var idString: String? {
    switch self {
    case .string(let value): value
    case .number(let value): Int(exactly: value).map(String.init) ?? "\(value)"
    case .int(let value): String(value)
    default: nil
    }
  }
}

/// Reads big-endian fields off the front of a binary frame.
private struct ByteReader {
  var bytes: ArraySlice<UInt8>

  mutating func readUInt32() -> UInt32? {
    guard let word = read(4) else { return nil }
    return word.reduce(0) { $0 << 8 | UInt32($1) }
  }

  mutating func read(_ count: Int) -> ArraySlice<UInt8>? {
    guard count >= 0, bytes.count >= count else { return nil }
    defer { bytes = bytes.dropFirst(count) }
    return bytes.prefix(count)
  }

  var rest: ArraySlice<UInt8> { bytes }
}
