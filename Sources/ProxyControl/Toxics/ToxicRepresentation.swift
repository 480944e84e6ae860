import FaultProxy

/// A toxic as Toxiproxy shows it: name, type, stream, toxicity and every attribute.
struct ToxicRepresentation: Encodable, Sendable {
  var name: String
  var type: String
  var stream: String
  var toxicity: Double
  var attributes: [String: JSONValue]

  init(_ spec: FaultSpec) {
    let encoded = ToxicCodec.encode(spec.kind)
    name = spec.name
    type = encoded.type
    stream = spec.stream.rawValue
    toxicity = spec.toxicity
    attributes = encoded.attributes
  }
}
