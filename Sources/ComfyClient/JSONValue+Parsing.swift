@_exported import FaultlineJSON
import Foundation

extension JSONValue {
  /// Decodes a JSON document, naming `source` in the error.
  static func parse(_ bytes: some Collection<UInt8>, source: String) throws(ComfyClientError)
    -> JSONValue
  {
    do {
      return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    } catch {
      let preview = String(decoding: bytes.prefix(200), as: UTF8.self)
      throw .invalidResponse(path: source, reason: "not JSON (\(error)): \(preview)")
    }
  }
}
