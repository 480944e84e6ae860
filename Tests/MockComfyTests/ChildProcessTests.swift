import ChildProcess
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ManagedChild")
struct ChildProcessTests {
  @Test("a child that exits before its ready line: the error carries its output and status")
  func exitBeforeReady() async throws {
    let child = try ManagedChild(
      executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "echo oops >&2; exit 3"])
    do {
      _ = try await child.waitForReadyLine(timeout: .seconds(10))
      Issue.record("expected an error")
    } catch let error as ChildProcessError {
      guard case .exitedBeforeReady(let status, _, let stderr) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(status == .exited(code: 3))
      #expect(stderr.contains("oops"))
    }
    #expect(!child.isRunning)
  }

  @Test("no ready line before the timeout: the error says so, then terminate reaps the child")
  func readyTimeout() async throws {
    let child = try ManagedChild(executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"])
    await #expect(throws: ChildProcessError.self) {
      try await child.waitForReadyLine(timeout: .milliseconds(200))
    }
    #expect(await child.terminate(grace: .seconds(2)) == .signaled(signal: SIGTERM))
    #expect(child.signal(SIGTERM) == false, "a reaped child cannot be signalled")
  }

  @Test("waitUntilStopped answers from the child's real state: no before SIGSTOP, yes after")
  func waitUntilStopped() async throws {
    let child = try ManagedChild(executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"])
    #expect(await child.waitUntilStopped(timeout: .milliseconds(300)) == false, "still running")
    #expect(ProcessTable.threadStates(of: child.pid).allSatisfy { $0 != "T" })
    #expect(child.signal(SIGSTOP))
    #expect(await child.waitUntilStopped(timeout: .seconds(10)))
    #expect(ProcessTable.threadStates(of: child.pid) == ["T"])
    #expect(child.signal(SIGCONT))
    #expect(await child.terminate(grace: .seconds(2)) == .signaled(signal: SIGTERM))
    #expect(await child.waitUntilStopped(timeout: .milliseconds(100)) == false, "reaped")
  }

  @Test("a line that is not a ready object is refused with the line in the error")
  func invalidReadyLine() async throws {
    let child = try ManagedChild(
      executable: URL(fileURLWithPath: "/bin/sh"),
      arguments: ["-c", "echo '{\"ready\": false}'; sleep 5"])
    defer { child.signal(SIGKILL) }
    do {
      _ = try await child.waitForReadyLine(timeout: .seconds(10))
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("\"ready\" is not true"))
    }
    await child.terminate(grace: .seconds(1))
  }

  @Test("terminate escalates to SIGKILL when SIGTERM is ignored")
  func escalation() async throws {
    let child = try ManagedChild(
      executable: URL(fileURLWithPath: "/bin/sh"),
      arguments: ["-c", "trap '' TERM; echo '{\"ready\": true}'; while :; do sleep 1; done"])
    _ = try await child.waitForReadyLine(timeout: .seconds(10))
    #expect(await child.terminate(grace: .milliseconds(300)) == .signaled(signal: SIGKILL))
  }

  @Test("the child sees end-of-file on stdin when the parent closes it")
  func standardInputEOF() async throws {
    let child = try ManagedChild(executable: URL(fileURLWithPath: "/bin/cat"), arguments: [])
    child.closeStandardInput()
    #expect(await child.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
  }

  @Test("FaultlineExecutable finds the built binary")
  func findsExecutable() throws {
    let url = try FaultlineExecutable.url
    #expect(FileManager.default.isExecutableFile(atPath: url.path))
    #expect(url.lastPathComponent == "faultline")
  }

  @Test("a scratch directory removes those that dead processes left, and nothing else")
  func scratchDirectoriesOfDeadProcessesAreRemoved() async throws {
    let parent = try ScratchDirectory.create(prefix: "faultline-test")
    defer { try? FileManager.default.removeItem(at: parent) }
    let finished = try ManagedChild(executable: URL(fileURLWithPath: "/bin/true"), arguments: [])
    #expect(await finished.waitForExit(timeout: .seconds(10)) == .exited(code: 0))
    let running = try ManagedChild(
      executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"])
    let namespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
      .filter(\.isNumber)
    #expect(!namespace.isEmpty)
    let names = [
      "dead": "left-\(finished.pid).\(namespace)-\(UUID().uuidString)",
      "running": "left-\(running.pid).\(namespace)-\(UUID().uuidString)",
      "ours": "left-\(getpid()).\(namespace)-\(UUID().uuidString)",
      "no pid": "left-\(UUID().uuidString)",
      "other prefix": "leftover-\(finished.pid).\(namespace)-\(UUID().uuidString)",
      "other namespace": "left-\(finished.pid).1\(namespace)-\(UUID().uuidString)",
    ]
    for name in names.values {
      try FileManager.default.createDirectory(
        at: parent.appendingPathComponent(name), withIntermediateDirectories: false)
    }
    let made = try ScratchDirectory.create(prefix: "left", in: parent)
    let left = Set(try FileManager.default.contentsOfDirectory(atPath: parent.path))
    #expect(!left.contains(names["dead"]!), "the dead process's directory is removed")
    for kept in ["running", "ours", "no pid", "other prefix", "other namespace"] {
      #expect(left.contains(names[kept]!), "\(kept) stays")
    }
    #expect(made.lastPathComponent.hasPrefix("left-\(getpid()).\(namespace)-"))
    #expect(left.contains(made.lastPathComponent))
    await running.terminate(grace: .seconds(2))
  }
}
