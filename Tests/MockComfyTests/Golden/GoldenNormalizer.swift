import MockComfy

/// The normalised form of what a client sees, built exactly as `scripts/derive-mock-fixtures` builds
/// it from the real server's traces: ids, timestamps and file counters left out; message order, the
/// keys of each payload, states, status codes and error types kept.
enum GoldenNormalizer {
  /// Object members sorted by key, recursively, so that comparisons ignore member order.
  static func canonical(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
      var sorted = JSONObject()
      for member in object.members.sorted(by: { $0.key < $1.key }) {
        sorted[member.key] = canonical(member.value)
      }
      return .object(sorted)
    case .array(let values): return .array(values.map(canonical))
    default: return value
    }
  }

  /// The keys of an object, recursively, with Python's type names in place of the values.
  static func shape(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
      var out = JSONObject()
      for (key, member) in object.members { out[key] = shape(member) }
      return .object(out)
    case .array: return "list"
    case .null: return "null"
    case .bool: return "bool"
    case .int, .bigInteger: return "int"
    case .number: return "float"
    case .string: return "str"
    }
  }

  static func message(_ received: TestSocket.Received) -> JSONValue {
    switch received {
    case .binary(let bytes):
      let type = word(bytes, 0)
      let png = type == 4 ? Array(bytes.dropFirst(8 + word(bytes, 4))) : Array(bytes.dropFirst(8))
      return ["binary": .int(type), "png": [.int(word(png, 16)), .int(word(png, 20))]]
    case .text(let json):
      let kind = json["type"]?.stringValue ?? ""
      let data = json["data"] ?? [:]
      var out: JSONObject = [
        "type": .string(kind), "keys": .array((data.orderedObject?.keys ?? []).map { .string($0) }),
      ]
      if ["executing", "executed", "progress"].contains(kind) {
        out["node"] = data["node"] ?? .null
      }
      if kind == "execution_cached" {
        out["nodes"] = .array(
          (data["nodes"]?.arrayValue ?? []).compactMap(\.stringValue).sorted().map { .string($0) })
      }
      if kind == "progress_state" {
        var nodes = JSONObject()
        for (id, entry) in data["nodes"]?.orderedObject?.members ?? [] {
          nodes[id] = [entry["state"] ?? .null, entry["value"] ?? .null, entry["max"] ?? .null]
        }
        out["nodes"] = .object(nodes)
      }
      if kind == "progress" {
        out["value"] = data["value"]
        out["max"] = data["max"]
      }
      if kind == "status" {
        out["queue_remaining"] = data["status"]?["exec_info"]?["queue_remaining"]
        out["has_sid"] = .bool(data["sid"] != nil)
      }
      if kind == "executed" {
        var output = JSONObject()
        for (key, files) in data["output"]?.orderedObject?.members ?? [] {
          output[key] = .array(
            (files.arrayValue ?? []).map { [$0["subfolder"] ?? .null, $0["type"] ?? .null] })
        }
        out["output"] = .object(output)
      }
      if kind == "execution_error" {
        out["node_id"] = data["node_id"]
        out["exception_type"] = data["exception_type"]
        out["exception_message"] = data["exception_message"]
      }
      return .object(out)
    }
  }

  /// A `/prompt` answer: its keys, the error, and each node error (extra_info whole unless it carries
  /// a traceback, which only its shape stands for).
  static func response(_ body: JSONValue) -> JSONValue {
    guard case .object(let object) = body else { return body }
    var out: JSONObject = ["keys": .array(object.keys.map { .string($0) })]
    if let error = body["error"] {
      out["error"] = [
        "type": error["type"] ?? .null, "message": error["message"] ?? .null,
        "details": error["details"] ?? .null, "extra_info": shape(error["extra_info"] ?? [:]),
      ]
    }
    if let nodeErrors = body["node_errors"]?.orderedObject {
      var nodes = JSONObject()
      for (id, entry) in nodeErrors.members {
        let errors: [JSONValue] = (entry["errors"]?.arrayValue ?? []).map { error in
          let extra = error["extra_info"] ?? [:]
          return [
            "type": error["type"] ?? .null, "message": error["message"] ?? .null,
            "details": error["details"] ?? .null,
            "extra_info": extra["traceback"] == nil ? extra : shape(extra),
          ]
        }
        nodes[id] = [
          "class_type": entry["class_type"] ?? .null,
          "dependent_outputs": .array(
            (entry["dependent_outputs"]?.arrayValue ?? []).compactMap(\.stringValue).sorted().map {
              .string($0)
            }),
          "errors": .array(errors),
        ]
      }
      out["node_errors"] = .object(nodes)
    }
    return .object(out)
  }

  /// A history entry (the single member of `GET /history/{id}`).
  static func history(_ body: JSONValue) -> JSONValue {
    guard let entry = body.orderedObject?.members.first?.value else { return .null }
    var outputs = JSONObject()
    for (node, output) in entry["outputs"]?.orderedObject?.members ?? [] {
      var kinds = JSONObject()
      for (key, files) in output.orderedObject?.members ?? [] {
        kinds[key] = .array(
          (files.arrayValue ?? []).map { [$0["subfolder"] ?? .null, $0["type"] ?? .null] })
      }
      outputs[node] = .object(kinds)
    }
    let status = entry["status"] ?? [:]
    return [
      "keys": .array((entry.orderedObject?.keys ?? []).map { .string($0) }),
      "outputs_to_execute": .array(
        (entry["prompt"]?.arrayValue?[safe: 4]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
          .map { .string($0) }),
      "outputs": .object(outputs),
      "status": [
        status["status_str"] ?? .null, status["completed"] ?? .null,
        .array((status["messages"]?.arrayValue ?? []).compactMap { $0.arrayValue?.first }),
      ],
      "meta": .array((entry["meta"]?.orderedObject?.keys ?? []).sorted().map { .string($0) }),
    ]
  }

  private static func word(_ bytes: [UInt8], _ offset: Int) -> Int {
    guard bytes.count >= offset + 4 else { return -1 }
    return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
