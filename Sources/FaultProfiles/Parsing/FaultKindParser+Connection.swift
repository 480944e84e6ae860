import FaultProxy
import Yams

/// The faults that act on the connection as a whole: silence and resets.
extension FaultKindParser {
  func halfOpen() -> FaultKind? {
    let after = reader.optional("after", DurationText.read) ?? .zero
    let duration = reader.optional("duration", DurationText.readPositive)
    let reads =
      reader.optional(
        "reads", ValueReaders.choice(FaultKind.HalfOpenReads.self, among: [.stop, .discard]))
      ?? .stop
    let side =
      reader.optional(
        "side", ValueReaders.choice(FaultKind.HalfOpenSide.self, among: [.both, .upstream]))
      ?? .both
    if reader.contains("duration"), duration == nil { return nil }
    return .halfOpen(.init(after: after, duration: duration, reads: reads, side: side))
  }

  func reset() -> FaultKind? {
    let after = reader.optional("after", DurationText.read)
    let afterBytes = reader.optional("after_bytes", ByteSizeText.read)
    let probability = reader.optional("probability", ProbabilityText.read)
    let side =
      reader.optional(
        "side", ValueReaders.choice(FaultKind.ResetSide.self, among: [.client, .upstream, .both]))
      ?? .both
    let triggers = ["after", "after_bytes", "probability"]
    if triggers.contains(where: reader.contains) {
      // A malformed trigger was reported by the reader; do not pile a second error on top.
      guard after != nil || afterBytes != nil || probability != nil else { return nil }
    }
    guard after != nil || afterBytes != nil || (probability ?? 1) < 1 else {
      reader.diagnostics.report(
        "a reset fault needs \"after\", \"after_bytes\" or a \"probability\" below 1, or it resets every "
          + "connection at once; write \"after: 0s\" if that is what you want",
        at: reader.node, field: reader.path)
      return nil
    }
    return .reset(
      .init(after: after, afterBytes: afterBytes, probability: probability ?? 1, side: side))
  }
}
