import FaultProxy
import Yams

/// Reads the type-specific fields of one fault into a `FaultKind`.
struct FaultKindParser {
  let reader: MappingReader

  /// Nil (after reporting) when a field is missing or malformed; `type` is one of `FaultKind.typeNames`.
  func parse(type: String) -> FaultKind? {
    switch type {
    case "latency": latency()
    case "bandwidth": bandwidth()
    case "loss": loss()
    case "half_open": halfOpen()
    case "half_close": .halfClose
    case "reset": reset()
    case "slow_close":
      reader.required("delay", example: "delay: 1s", DurationText.read).map {
        .slowClose(delay: $0)
      }
    case "slicer": slicer()
    case "limit_data":
      reader.required("bytes", example: "bytes: 64KB", ByteSizeText.read).map {
        .limitData(bytes: $0)
      }
    case "timeout":
      reader.required("timeout", example: "timeout: 5s", DurationText.read).map { .timeout($0) }
    case "refuse": refuse()
    case "connect_delay": connectDelay()
    case "noop": .noop
    default:
      preconditionFailure(
        "fault type \(type) was validated against FaultKind.typeNames but has no parser")
    }
  }

  private func latency() -> FaultKind? {
    let delay = reader.required("latency", example: "latency: 100ms", DurationText.read)
    let jitter = reader.optional("jitter", DurationText.read) ?? .zero
    let distributions = FaultKind.Distribution.allCases
    let distribution =
      reader.optional(
        "distribution", ValueReaders.choice(FaultKind.Distribution.self, among: distributions))
      ?? .uniform
    let correlation = reader.optional("correlation", ProbabilityText.read) ?? 0
    guard let delay else { return nil }
    return .latency(
      .init(delay: delay, jitter: jitter, distribution: distribution, correlation: correlation))
  }

  private func bandwidth() -> FaultKind? {
    let rate = reader.required("rate", example: "rate: 1.5Mbit/s", ByteRateText.read)
    let proxyRate = reader.optional("proxy_rate", ByteRateText.read)
    guard let rate else { return nil }
    return .bandwidth(.init(bytesPerSecond: rate, proxyBytesPerSecond: proxyRate))
  }

  private func slicer() -> FaultKind? {
    let averageSize = reader.required(
      "average_size", example: "average_size: 64", ByteSizeText.readPositive)
    let variation = reader.optional("size_variation", ByteSizeText.read) ?? 0
    let delay = reader.optional("delay", DurationText.read) ?? .zero
    guard let averageSize else { return nil }
    guard variation < averageSize else {
      reader.diagnostics.report(
        "expected a size_variation smaller than average_size (\(averageSize) bytes) so every slice has at least "
          + "1 byte, got \(variation) bytes",
        at: reader.keyNode("size_variation"), field: reader.path.child("size_variation"))
      return nil
    }
    return .slicer(.init(averageSize: averageSize, sizeVariation: variation, delay: delay))
  }

  private func refuse() -> FaultKind? {
    guard reader.contains("mode") else { return .refuse(.closed) }
    return reader.optional(
      "mode", ValueReaders.choice(FaultKind.RefuseMode.self, among: [.closed, .reset, .blackhole])
    )
    .map { .refuse($0) }
  }

  private func connectDelay() -> FaultKind? {
    let never = reader.optional("never", ValueReaders.bool) ?? false
    if never {
      let delay = reader.optional("delay", DurationText.read) ?? .zero
      return .connectDelay(.init(delay: delay, never: true))
    }
    return reader.required("delay", example: "delay: 3s (or never: true)", DurationText.read)
      .map { .connectDelay(.init(delay: $0, never: false)) }
  }
}
