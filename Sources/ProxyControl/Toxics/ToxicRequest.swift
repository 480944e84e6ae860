import FaultProxy

/// Turns the body of a toxic create or update request into a `FaultSpec`, as Toxiproxy does:
/// stream `downstream`, toxicity 1 and name `TYPE_STREAM` by default; unknown top-level fields are
/// ignored (clients send back whole toxics), unknown attributes are refused.
enum ToxicRequest {
  /// A new toxic.
  static func create(from body: JSONValue) throws(ControlError) -> FaultSpec {
    guard let members = body.objectValue else {
      throw ControlError.badRequest("expected a JSON object, got \(body.kindDescription)")
    }
    var reader = FieldReader(members)
    guard let type = try reader.string("type"), !type.isEmpty else {
      throw ControlError.missingField("type")
    }
    guard let faultType = FaultCatalog.type(named: type) else {
      throw ControlError.invalidToxicType(type)
    }
    let stream = try self.stream(try reader.string("stream"), type: faultType)
    let toxicity = try reader.probability("toxicity") ?? 1
    let name =
      try reader.string("name").flatMap { $0.isEmpty ? nil : $0 } ?? "\(type)_\(stream.rawValue)"
    let attributes = try self.attributes(&reader)
    let kind = try ToxicCodec.decode(type: type, attributes: attributes)
    return FaultSpec(name: name, stream: stream, toxicity: toxicity, kind: kind)
  }

  /// `existing` with the body's attributes merged over its own and, if given, its new toxicity.
  static func update(_ existing: FaultSpec, body: JSONValue) throws(ControlError)
    -> FaultSpec
  {
    guard let members = body.objectValue else {
      throw ControlError.badRequest("expected a JSON object, got \(body.kindDescription)")
    }
    var reader = FieldReader(members)
    var updated = existing
    if let toxicity = try reader.probability("toxicity") { updated.toxicity = toxicity }
    let current = ToxicCodec.encode(existing.kind)
    let merged = current.attributes.merging(try attributes(&reader)) { _, new in new }
    updated.kind = try ToxicCodec.decode(type: current.type, attributes: merged)
    return updated
  }

  /// Toxiproxy's stream: `upstream` or `downstream`, any case. Our own types may also say `both`.
  static func stream(_ text: String?, type: FaultType) throws(ControlError) -> StreamSelector {
    guard let text else { return .downstream }
    let ours = type.origin == .faultline
    switch text.lowercased() {
    case "upstream": return .upstream
    case "downstream": return .downstream
    case "both" where ours: return .both
    default:
      let hint = ours ? " (or both, for \(type.name))" : ""
      throw ControlError(
        .badRequest, "\(ControlError.invalidStream.message)\(hint); got \"\(text)\"")
    }
  }

  private static func attributes(_ reader: inout FieldReader) throws(ControlError) -> [String:
    JSONValue]
  {
    guard let value = reader.value("attributes") else { return [:] }
    guard let members = value.objectValue else {
      throw reader.invalid("attributes", value, "an object")
    }
    return members
  }
}
