import FaultProxy
import FaultlineUnits

/// Checks that timeline phases are listed in order of `at` and do not overlap.
struct TimelineValidator {
  let diagnostics: Diagnostics

  func validate(_ phases: [ParsedPhase]) {
    for (previous, current) in zip(phases, phases.dropFirst()) {
      let previousAt = previous.phase.at
      let currentAt = current.phase.at
      if currentAt < previousAt {
        diagnostics.report(
          "phases are out of order: \(current.path) starts at \(DurationText.format(currentAt)), before "
            + "\(previous.path) at \(DurationText.format(previousAt)); list phases in order of \"at\"",
          at: current.atKey, field: current.path.child("at"))
        continue
      }
      guard let previousDuration = previous.phase.duration else {
        let room = currentAt - previousAt
        let fix =
          room > .zero
          ? "give \(previous.path) a duration of at most \(DurationText.format(room))"
          : "start \(current.path) later"
        diagnostics.report(
          "\(current.path) (at \(DurationText.format(currentAt))) overlaps \(previous.path) (at "
            + "\(DurationText.format(previousAt)), no duration: it lasts until the end); \(fix)",
          at: current.atKey, field: current.path.child("at"))
        continue
      }
      let previousEnd = previousAt + previousDuration
      if currentAt < previousEnd {
        diagnostics.report(
          "\(current.path) (at \(DurationText.format(currentAt))) overlaps \(previous.path) (at "
            + "\(DurationText.format(previousAt)) for \(DurationText.format(previousDuration)), until "
            + "\(DurationText.format(previousEnd))); start it at \(DurationText.format(previousEnd)) or later",
          at: current.atKey, field: current.path.child("at"))
      }
    }
  }
}
