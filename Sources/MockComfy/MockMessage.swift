import Foundation

/// Builders for the JSON text messages of the ComfyUI WebSocket protocol, with the real field names and order.
enum MockMessage {
  static func make(_ type: String, _ data: JSONValue) -> JSONValue {
    ["type": .string(type), "data": data]
  }

  static func status(queueRemaining: Int, sid: String? = nil) -> JSONValue {
    var data: JSONObject = ["status": ["exec_info": ["queue_remaining": .int(queueRemaining)]]]
    if let sid { data["sid"] = .string(sid) }
    return make("status", .object(data))
  }

  /// Milliseconds since the epoch, as `timestamp` fields carry them.
  static var timestamp: JSONValue { .int(Int(Date().timeIntervalSince1970 * 1000)) }
}
