import FaultlineLocking

/// Records when each fault of a scenario began and ended, and any other moment worth naming,
/// relative to the scenario's start, so a failing test can show what happened when.
public final class ScenarioClock: Sendable, CustomStringConvertible {
  /// One recorded moment.
  public struct Entry: Sendable, Equatable, Codable {
    /// What kind of moment it is.
    public enum Kind: String, Sendable, Codable {
      case began, ended, mark
    }

    public let kind: Kind
    /// The fault's or the moment's name.
    public let name: String
    /// Seconds since the clock started.
    public let offset: Double
  }

  /// A fault's lifetime; `ended` is nil while it still runs.
  public struct Interval: Sendable, Equatable {
    public let name: String
    public let began: Double
    public let ended: Double?
  }

  private let start: ContinuousClock.Instant
  private let entries = Locked<[Entry]>([])

  public init() {
    start = ContinuousClock.now
  }

  /// Time since the clock started.
  public var elapsed: Duration { ContinuousClock.now - start }

  /// The instant `offset` seconds after the start, to compare with event times.
  public func instant(at offset: Double) -> ContinuousClock.Instant {
    start.advanced(by: .nanoseconds(Int64(offset * 1e9)))
  }

  /// Seconds from the start to `instant`.
  public func offset(of instant: ContinuousClock.Instant) -> Double {
    (instant - start).inSeconds
  }

  public func began(_ fault: String) { record(.began, fault) }
  public func ended(_ fault: String) { record(.ended, fault) }
  public func mark(_ name: String) { record(.mark, name) }

  /// Everything recorded, in order.
  public var timeline: [Entry] { entries.withLock { $0 } }

  /// Each fault's begin and end, in the order they began.
  public var intervals: [Interval] {
    var result: [Interval] = []
    for entry in timeline {
      switch entry.kind {
      case .began:
        result.append(Interval(name: entry.name, began: entry.offset, ended: nil))
      case .ended:
        if let index = result.lastIndex(where: { $0.name == entry.name && $0.ended == nil }) {
          result[index] = Interval(
            name: entry.name, began: result[index].began, ended: entry.offset)
        }
      case .mark:
        break
      }
    }
    return result
  }

  /// The timeline as lines like `+1.234 s  began blackout`.
  public var description: String {
    timeline.map { entry in
      let seconds = (entry.offset * 1000).rounded() / 1000
      return "+\(seconds) s  \(entry.kind.rawValue) \(entry.name)"
    }.joined(separator: "\n")
  }

  private func record(_ kind: Entry.Kind, _ name: String) {
    let offset = (ContinuousClock.now - start).inSeconds
    entries.withLock { $0.append(Entry(kind: kind, name: name, offset: offset)) }
  }
}
