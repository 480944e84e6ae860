import FaultProxy

/// Converts a toxic's wire form (type name and JSON attributes) to the data plane's fault and back,
/// through the fault's definition (`FaultCatalog`): decoding what `encode` wrote gives the same
/// fault, so GET returns what was POSTed.
///
/// Units follow Toxiproxy (each field's codec says which): durations in milliseconds (slicer's
/// `delay` in microseconds), rates in KB/s with 1 KB = 1000 B, sizes in bytes, probabilities 0...1.
/// A field of one of Toxiproxy's own types that a profile must write may be left out here, where it
/// takes Toxiproxy's zero; unset optional fields are `null`.
enum ToxicCodec {
  /// Every type the API accepts.
  static var typeNames: [String] { FaultCatalog.names }

  /// The fault `type` with `attributes` describes; errors name the attribute.
  static func decode(type: String, attributes: [String: JSONValue]) throws(ControlError)
    -> any Fault
  {
    guard let faultType = FaultCatalog.type(named: type) else {
      throw ControlError.invalidToxicType(type)
    }
    let allowed = faultType.fieldNames
    if let unknown = attributes.keys.filter({ !allowed.contains($0) }).sorted().first {
      let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
      throw .badRequest("attributes.\(unknown): unknown field (allowed: \(list))")
    }
    switch faultType.decode(attributes.mapValues { .json($0) }, form: .api) {
    case .success(let fault):
      return fault
    case .failure(let failure):
      let first = failure.errors[0]
      throw .badRequest("attributes\(first.field.map { ".\($0)" } ?? ""): \(first.message)")
    }
  }

  /// The type name and attributes of `fault`.
  static func encode(_ fault: any Fault) -> (type: String, attributes: [String: JSONValue]) {
    (fault.typeName, fault.attributes)
  }
}
