import FaultProxy

/// The body of a proxy create request (or one entry of `/populate`), checked field by field.
///
/// `name` and `upstream` are required; `listen` defaults to `127.0.0.1:0` (Toxiproxy's empty
/// listen address means every interface; we stay on loopback unless told otherwise); `enabled`
/// defaults to true. Other fields (such as `toxics` sent back by clients) are ignored, as Toxiproxy does.
public struct ProxyRequest: Sendable, Equatable {
  public var name: String
  public var listenText: String
  public var upstreamText: String
  public var enabled: Bool
  public var listen: SocketAddress
  public var upstream: SocketAddress

  /// Parses one proxy; `position` (1-based) is named in errors for entries of a list.
  public init(_ body: JSONValue, position: Int? = nil) throws(ControlError) {
    let suffix = position.map { " at proxy \($0)" } ?? ""
    guard let members = body.objectValue else {
      throw ControlError.badRequest("expected a JSON object\(suffix), got \(body.kindDescription)")
    }
    var reader = FieldReader(members)
    guard let name = try reader.string("name"), !name.isEmpty else {
      throw ControlError.missingField("name\(suffix)")
    }
    guard !name.contains("/") else {
      throw reader.invalid("name", .string(name), "a name without \"/\"\(suffix)")
    }
    guard let upstream = try reader.string("upstream"), !upstream.isEmpty else {
      throw ControlError.missingField("upstream\(suffix)")
    }
    self.name = name
    upstreamText = upstream
    listenText = try reader.string("listen").flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:0"
    enabled = try reader.bool("enabled") ?? true
    self.listen = try Self.address(listenText, field: "listen", suffix: suffix)
    self.upstream = try Self.address(upstreamText, field: "upstream", suffix: suffix)
  }

  static func address(_ text: String, field: String, suffix: String = "") throws(ControlError)
    -> SocketAddress
  {
    do {
      return try SocketAddress(parsing: text)
    } catch {
      throw ControlError.badRequest("\(field)\(suffix): \(error)")
    }
  }
}
