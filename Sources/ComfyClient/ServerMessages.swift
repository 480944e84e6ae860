/// A reference to an image the server produced (`{"filename", "subfolder", "type"}`), usable with `GET /view`.
public struct ImageRef: Sendable, Equatable, Hashable, Codable {
  public var filename: String
  public var subfolder: String
  public var type: String

  public init(filename: String, subfolder: String = "", type: String = "output") {
    self.filename = filename
    self.subfolder = subfolder
    self.type = type
  }

  /// Image references inside one node's output object (`{"images": [...]}`); other keys are ignored.
  static func images(in output: JSONValue) -> [ImageRef] {
    (output["images"]?.arrayValue ?? []).compactMap { image in
      guard let filename = image["filename"]?.stringValue else { return nil }
      return ImageRef(
        filename: filename,
        subfolder: image["subfolder"]?.stringValue ?? "",
        type: image["type"]?.stringValue ?? "output"
      )
    }
  }
}

/// `status`: the queue length, and on connect the session id.
public struct StatusMessage: Sendable, Equatable {
  public var queueRemaining: Int?
  public var sessionId: String?
}

/// `execution_start` and `execution_success`.
public struct PromptTimestampMessage: Sendable, Equatable {
  public var promptId: String
  public var timestamp: Int?
}

/// `execution_cached`: nodes whose cached outputs are reused.
public struct ExecutionCachedMessage: Sendable, Equatable {
  public var promptId: String
  public var nodes: [String]
  public var timestamp: Int?
}

/// `executing`: a node started; `node == nil` with the prompt id means the prompt is done.
/// On a reconnect during execution the server sends it without a prompt id.
public struct ExecutingMessage: Sendable, Equatable {
  public var node: String?
  public var displayNode: String?
  public var promptId: String?
}

/// `progress`: step `value` of `max` in one node.
public struct ProgressMessage: Sendable, Equatable {
  public var value: Int
  public var max: Int
  public var promptId: String?
  public var node: String?
}

/// One node's entry in `progress_state`.
public struct NodeProgress: Sendable, Equatable {
  public var value: Double
  public var max: Double
  public var state: String
  public var nodeId: String
  public var displayNodeId: String?
  public var parentNodeId: String?
  public var realNodeId: String?
}

/// `progress_state`: the state of every node of a prompt.
public struct ProgressStateMessage: Sendable, Equatable {
  public var promptId: String
  public var nodes: [String: NodeProgress]
}

/// `executed`: a node's output.
public struct ExecutedMessage: Sendable, Equatable {
  public var node: String
  public var displayNode: String?
  public var promptId: String
  public var output: JSONValue
  /// The images in `output`.
  public var images: [ImageRef] { ImageRef.images(in: output) }
}

/// `execution_error`.
public struct ExecutionErrorMessage: Sendable, Equatable {
  public var promptId: String
  public var nodeId: String?
  public var nodeType: String?
  public var exceptionMessage: String
  public var exceptionType: String?
  public var traceback: [String]
  public var timestamp: Int?
}

/// `execution_interrupted`.
public struct ExecutionInterruptedMessage: Sendable, Equatable {
  public var promptId: String
  public var nodeId: String?
  public var nodeType: String?
  public var timestamp: Int?
}

/// Image encoding named in a binary preview frame.
public enum PreviewFormat: Sendable, Equatable {
  case jpeg
  case png
  /// A code this client does not know, or an `image_type` string other than JPEG/PNG.
  case other(String)
}

/// The JSON header of a `PREVIEW_IMAGE_WITH_METADATA` frame.
public struct PreviewMetadata: Sendable, Equatable {
  public var nodeId: String?
  public var promptId: String?
  public var displayNodeId: String?
  public var parentNodeId: String?
  public var realNodeId: String?
  public var imageType: String?
}

/// A preview image from a binary frame (type 1, or type 4 with metadata).
public struct PreviewImage: Sendable, Equatable {
  public var format: PreviewFormat
  public var metadata: PreviewMetadata?
  public var bytes: [UInt8]
}

/// Every message a ComfyUI server sends on its WebSocket, typed.
public enum ServerMessage: Sendable, Equatable {
  case status(StatusMessage)
  case executionStart(PromptTimestampMessage)
  case executionCached(ExecutionCachedMessage)
  case executing(ExecutingMessage)
  case progress(ProgressMessage)
  case progressState(ProgressStateMessage)
  case executed(ExecutedMessage)
  case executionSuccess(PromptTimestampMessage)
  case executionError(ExecutionErrorMessage)
  case executionInterrupted(ExecutionInterruptedMessage)
  /// The server's answer to our `feature_flags`.
  case featureFlags([String: JSONValue])
  /// Binary `PREVIEW_IMAGE` (1) or `PREVIEW_IMAGE_WITH_METADATA` (4).
  case preview(PreviewImage)
  /// Binary `TEXT` (3).
  case text(nodeId: String, text: String)
  /// A text message of a type this client does not know (custom nodes send their own).
  case unknown(type: String, data: JSONValue)
  /// A binary frame of an event type this client does not know.
  case unknownBinary(eventType: UInt32, payload: [UInt8])

  /// The prompt this message belongs to, when it names one.
  public var promptId: String? {
    switch self {
    case .executionStart(let m), .executionSuccess(let m): m.promptId
    case .executionCached(let m): m.promptId
    case .executing(let m): m.promptId
    case .progress(let m): m.promptId
    case .progressState(let m): m.promptId
    case .executed(let m): m.promptId
    case .executionError(let m): m.promptId
    case .executionInterrupted(let m): m.promptId
    case .preview(let p): p.metadata?.promptId
    case .status, .featureFlags, .text, .unknown, .unknownBinary: nil
    }
  }
}
