import FaultProxy

/// Converts a toxic's wire form (type name and JSON attributes) to the data plane's `FaultKind` and
/// back, exactly: decoding what `encode` wrote gives the same kind, so GET returns what was POSTed.
///
/// Units follow Toxiproxy: durations in milliseconds (slicer's `delay` in microseconds), rates in
/// KB/s with 1 KB = 1000 B, sizes in bytes, probabilities 0...1. Unset attributes are 0, except the
/// optional ones of our own types, which are `null` when unset.
enum ToxicCodec {
  /// Toxiproxy's own types, which behave as Toxiproxy documents them.
  static let toxiproxyTypes = [
    "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "noop",
  ]
  /// Faultline's types, accepted through the same route.
  static let extensionTypes = [
    "loss", "half_open", "half_close", "reset", "refuse", "connect_delay",
  ]
  static let typeNames = toxiproxyTypes + extensionTypes

  /// The fault `type` with `attributes` describes; errors name the attribute.
  static func decode(type: String, attributes: [String: JSONValue]) throws(ControlError)
    -> FaultKind
  {
    var reader = FieldReader(attributes, path: "attributes.")
    let kind: FaultKind
    let allowed: [String]
    switch type {
    case "latency":
      allowed = ["latency", "jitter", "distribution", "correlation"]
      kind = .latency(
        FaultKind.Latency(
          delay: try reader.duration("latency") ?? .zero,
          jitter: try reader.duration("jitter") ?? .zero,
          distribution: try reader.choice("distribution", of: FaultKind.Distribution.allCases)
            ?? .uniform,
          correlation: try reader.probability("correlation") ?? 0))
    case "bandwidth":
      allowed = ["rate", "proxy_rate"]
      let rate = try reader.number("rate", in: 0...1e12, "KB/s >= 0") ?? 0
      let proxyRate = try reader.number("proxy_rate", in: 0...1e12, "KB/s >= 0")
      kind = .bandwidth(
        FaultKind.Bandwidth(
          // As Toxiproxy, an unset attribute is 0; a proxy-wide cap of 0 means no cap.
          bytesPerSecond: rate * 1000,
          proxyBytesPerSecond: proxyRate.flatMap { $0 > 0 ? $0 * 1000 : nil }))
    case "slow_close":
      allowed = ["delay"]
      kind = .slowClose(delay: try reader.duration("delay") ?? .zero)
    case "timeout":
      allowed = ["timeout"]
      kind = .timeout(try reader.duration("timeout") ?? .zero)
    case "reset_peer":
      allowed = ["timeout"]
      // As Toxiproxy: the first chunk in the toxic's direction starts the clock and is dropped;
      // `timeout` later the connection is reset.
      let timeout = try reader.duration("timeout") ?? .zero
      kind = .reset(FaultKind.Reset(after: timeout, side: .both, startsAtFirstByte: true))
    case "slicer":
      allowed = ["average_size", "size_variation", "delay"]
      kind = .slicer(try decodeSlicer(&reader))
    case "limit_data":
      allowed = ["bytes"]
      kind = .limitData(bytes: try reader.count("bytes", in: 0...Int.max / 2) ?? 0)
    case "noop":
      allowed = []
      kind = .noop
    default:
      (kind, allowed) = try decodeExtension(type: type, &reader)
    }
    try reader.rejectUnknownFields(allowed: allowed)
    return kind
  }

  private static func decodeSlicer(_ reader: inout FieldReader) throws(ControlError)
    -> FaultKind.Slicer
  {
    let average = try reader.count("average_size", in: 1...Int(Int32.max))
    guard let average else {
      throw ControlError.badRequest("attributes.average_size: required, at least 1 byte")
    }
    let variation = try reader.count("size_variation") ?? 0
    guard variation < average else {
      throw reader.invalid(
        "size_variation", .number(Double(variation)),
        "a whole number smaller than average_size (\(average))")
    }
    let delay = try reader.duration("delay", unitNanoseconds: 1000) ?? .zero
    return FaultKind.Slicer(averageSize: average, sizeVariation: variation, delay: delay)
  }

  /// The type name and attributes of `kind`; `wireType` tells a `reset` posted as `reset_peer` apart.
  static func encode(_ kind: FaultKind, wireType: String? = nil) -> (
    type: String, attributes: [String: JSONValue]
  ) {
    switch kind {
    case .latency(let latency):
      return (
        "latency",
        [
          "latency": .ms(latency.delay), "jitter": .ms(latency.jitter),
          "distribution": .string(latency.distribution.rawValue),
          "correlation": .number(latency.correlation),
        ]
      )
    case .bandwidth(let bandwidth):
      return (
        "bandwidth",
        [
          "rate": .number(bandwidth.bytesPerSecond / 1000),
          "proxy_rate": .number((bandwidth.proxyBytesPerSecond ?? 0) / 1000),
        ]
      )
    case .slowClose(let delay): return ("slow_close", ["delay": .ms(delay)])
    case .timeout(let timeout): return ("timeout", ["timeout": .ms(timeout)])
    case .reset(let reset) where wireType == "reset_peer":
      return ("reset_peer", ["timeout": .ms(reset.after ?? .zero)])
    case .slicer(let slicer):
      return (
        "slicer",
        [
          "average_size": .number(Double(slicer.averageSize)),
          "size_variation": .number(Double(slicer.sizeVariation)),
          "delay": .number(JSONValue.rounded(Double(slicer.delay.totalNanoseconds) / 1000)),
        ]
      )
    case .limitData(let bytes): return ("limit_data", ["bytes": .number(Double(bytes))])
    case .noop: return ("noop", [:])
    default: return encodeExtension(kind)
    }
  }
}

extension Duration {
  /// The whole duration in nanoseconds (saturating far beyond any fault's range).
  var totalNanoseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue
      &+ attoseconds / 1_000_000_000
  }
}

extension JSONValue {
  /// A duration in milliseconds, as Toxiproxy writes them.
  static func ms(_ duration: Duration) -> JSONValue {
    .number(rounded(Double(duration.totalNanoseconds) / 1_000_000))
  }

  /// Drops binary noise from a unit conversion (0.30000000000000004 → 0.3) so values echo as written.
  static func rounded(_ value: Double) -> Double {
    (value * 1e9).rounded() / 1e9
  }
}
