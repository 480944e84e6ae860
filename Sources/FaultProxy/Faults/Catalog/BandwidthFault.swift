/// A token bucket: `bytesPerSecond` per connection, and optionally a cap shared by every connection of the proxy.
public struct BandwidthFault: Fault {
  public var bytesPerSecond: Double
  /// A cap shared by every connection of the proxy; nil (or 0 over the API) for none.
  public var proxyBytesPerSecond: Double?

  public init(bytesPerSecond: Double, proxyBytesPerSecond: Double? = nil) {
    self.bytesPerSecond = bytesPerSecond
    self.proxyBytesPerSecond = proxyBytesPerSecond
  }

  public func validated(given: Set<String>) throws(FaultFieldError) -> BandwidthFault {
    // As Toxiproxy: a proxy-wide cap of 0 means no cap.
    var fault = self
    if fault.proxyBytesPerSecond == 0 { fault.proxyBytesPerSecond = nil }
    return fault
  }

  public static let definition = FaultDefinition<BandwidthFault>(
    type: "bandwidth", summary: "limits the rate per connection, optionally with a proxy-wide cap",
    origin: .toxiproxy, defaults: BandwidthFault(bytesPerSecond: 0),
    example: BandwidthFault(bytesPerSecond: 187_500, proxyBytesPerSecond: 1_250_000),
    fields: [
      FaultField(
        "rate", \.bytesPerSecond, .byteRate, .requiredInProfiles(example: "rate: 1.5Mbit/s"),
        doc: "rate per connection (0 delivers nothing, as in Toxiproxy)"),
      FaultField(
        "proxy_rate", \.proxyBytesPerSecond, .optional(.byteRate),
        doc: "an extra cap shared by all connections of the proxy (none by default)"),
    ],
    behaviour: .stage { fault, context in
      BandwidthStage(
        context: context, bandwidth: fault,
        shared: fault.proxyBytesPerSecond.map {
          context.host.sharedBucket(
            for: context.fault.key, direction: context.direction, rate: $0)
        })
    })
}
