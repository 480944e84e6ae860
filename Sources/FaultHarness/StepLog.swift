import ChildProcess
import FaultlineLocking

/// The checklist of a `SetupValidator` run as it fills up, and the processes it spawned (so the
/// clean-up step can prove that each one is gone).
final class StepLog: Sendable {
  private let steps = Locked<[SetupValidator.Step]>([])
  private let processes = Locked<[ManagedChild]>([])
  private let report: @Sendable (SetupValidator.Step) -> Void

  init(report: @escaping @Sendable (SetupValidator.Step) -> Void) {
    self.report = report
  }

  var all: [SetupValidator.Step] { steps.withLock { $0 } }
  var spawned: [ManagedChild] { processes.withLock { $0 } }

  func track(_ process: ManagedChild) {
    processes.withLock { $0.append(process) }
  }

  func pass(_ name: String, _ detail: String) { record(name, true, detail) }
  func fail(_ name: String, _ detail: String) { record(name, false, detail) }
  func check(_ name: String, _ passed: Bool, _ detail: String) { record(name, passed, detail) }

  private func record(_ name: String, _ passed: Bool, _ detail: String) {
    let step = SetupValidator.Step(name: name, passed: passed, detail: detail)
    steps.withLock { $0.append(step) }
    report(step)
  }
}
