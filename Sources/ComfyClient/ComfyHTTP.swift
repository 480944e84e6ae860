import FaultlineHTTP
import Foundation

/// The ComfyUI HTTP routes the client uses.
struct ComfyHTTP: Sendable {
  let requester: HTTPRequester
  let baseURL: URL
  let timeout: Duration

  /// A response with its status and whole body.
  struct Response: Sendable {
    var status: Int
    var body: [UInt8]
  }

  /// The methods the ComfyUI routes use.
  enum Method: String, Sendable {
    case GET, POST
  }

  /// Sends one request; `timeout` overrides the configured request deadline.
  func send(
    _ method: Method, _ path: String, json body: JSONValue? = nil, timeout: Duration? = nil
  ) async throws(ComfyClientError) -> Response {
    let deadline = timeout ?? self.timeout
    let url = baseURL.absoluteString.trimmingSuffix("/") + path
    do {
      let response = try await requester.send(
        method == .GET ? .GET : .POST, url,
        headers: body == nil ? [] : [("Content-Type", "application/json")],
        body: body.map { Array($0.jsonText.utf8) }, timeout: deadline)
      return Response(status: response.status, body: response.body)
    } catch {
      throw .requestFailed(method: method.rawValue, path: path, reason: "\(error)")
    }
  }

  /// GET and parse JSON, requiring status 200.
  func getJSON(_ path: String) async throws(ComfyClientError) -> JSONValue {
    let response = try await send(.GET, path)
    guard response.status == 200 else {
      throw .httpStatus(
        method: "GET", path: path, status: response.status,
        body: String(decoding: response.body, as: UTF8.self))
    }
    return try JSONValue.parse(response.body, source: path)
  }

  /// `GET /queue`: prompt ids running and pending.
  func queue() async throws(ComfyClientError) -> QueueSnapshot {
    let json = try await getJSON("/queue")
    func ids(_ key: String) throws(ComfyClientError) -> [String] {
      guard let items = json[key]?.arrayValue else {
        throw .invalidResponse(
          path: "/queue", reason: "no array \"\(key)\" in \(json.jsonText.prefix(200))")
      }
      // Each item is [number, prompt_id, prompt, extra_data, outputs_to_execute].
      return items.compactMap { $0.arrayValue?.dropFirst().first?.stringValue }
    }
    return QueueSnapshot(running: try ids("queue_running"), pending: try ids("queue_pending"))
  }

  /// `GET /history/{id}`: the entry, or nil when the server does not know the prompt.
  func history(promptId: String) async throws(ComfyClientError) -> HistoryEntry? {
    let path = "/history/\(promptId)"
    let json = try await getJSON(path)
    guard let entry = json[promptId] else { return nil }
    return HistoryEntry(json: entry)
  }
}

/// What `GET /queue` says about prompts.
public struct QueueSnapshot: Sendable, Equatable {
  public var running: [String]
  public var pending: [String]

  public func contains(_ promptId: String) -> Bool {
    running.contains(promptId) || pending.contains(promptId)
  }
}

/// A `GET /history/{id}` entry reduced to what a job needs.
public struct HistoryEntry: Sendable, Equatable {
  /// `status.status_str`: "success" or "error" (nil when the server omitted it).
  public var status: String?
  public var completed: Bool
  public var outputs: [String: [ImageRef]]
  /// The exception message of an `execution_error` recorded in `status.messages`, if any.
  public var errorMessage: String?

  init(json: JSONValue) {
    status = json["status"]?["status_str"]?.stringValue
    if case .bool(let done) = json["status"]?["completed"] {
      completed = done
    } else {
      completed = false
    }
    outputs = (json["outputs"]?.objectValue ?? [:]).mapValues { ImageRef.images(in: $0) }
    errorMessage =
      (json["status"]?["messages"]?.arrayValue ?? []).lazy.compactMap { message -> String? in
        guard let pair = message.arrayValue, pair.first?.stringValue == "execution_error" else {
          return nil
        }
        return pair.dropFirst().first?["exception_message"]?.stringValue ?? "execution_error"
      }.first
  }
}

extension String {
  func trimmingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}
