import ChildProcess
import FaultProxy
import FaultlineTestSupport
import Foundation
import MockComfy
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("faultline mock as a process")
struct ProcessLifeTests {
  @Test("ready line names the real port and pid, and the port answers")
  func readyLine() async throws {
    try await withMockProcess { child, port async throws in
      let ready = try await child.waitForReadyLine(timeout: .seconds(1))
      #expect(ready.fields["ready"] == .bool(true))
      #expect(ready.integer("pid") == Int(child.pid))
      #expect(port > 0)
      #expect(try await HTTP.get("http://127.0.0.1:\(port)/prompt").status == 200)
    }
  }

  @Test("SIGTERM closes WebSockets with 1001 and exits 0 within a second")
  func sigterm() async throws {
    try await withMockProcess { child, port async throws in
      let socket = try await TestSocket.connect(port: port, clientID: "watcher")
      let started = ContinuousClock.now
      #expect(child.signal(SIGTERM))
      let status = await child.waitForExit(timeout: .seconds(5))
      let elapsed = ContinuousClock.now - started
      #expect(status == .exited(code: 0))
      // The server promises an exit within a second (a watchdog ends it at 0.95 s); from outside, a
      // loaded machine adds scheduling delay, so the bound here is generous.
      #expect(elapsed < .seconds(3), "exit took \(elapsed)")
      let ending = await socket.waitForEnd(timeout: .seconds(5))
      #expect(ending??.closeCode == .goingAway, "close frame: \(String(describing: ending))")
      await socket.shutdown()
    }
  }

  @Test("SIGKILL ends the server at once; the socket sees no close frame")
  func sigkill() async throws {
    try await withMockProcess { child, port async throws in
      let socket = try await TestSocket.connect(port: port, clientID: "k")
      #expect(child.signal(SIGKILL))
      #expect(await child.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGKILL))
      let ending = await socket.waitForEnd(timeout: .seconds(5))
      #expect(ending != nil, "the connection must end")
      #expect(ending??.closeCode != .goingAway)
      await socket.shutdown()
    }
  }

  @Test("SIGSTOP pauses the server and SIGCONT resumes it")
  func pauseAndResume() async throws {
    try await withMockProcess { child, port async throws in
      #expect(child.signal(SIGSTOP))
      let paused = Task { try await HTTP.get("http://127.0.0.1:\(port)/prompt").status }
      try await Task.sleep(for: .milliseconds(300))
      #expect(child.isRunning)
      #expect(child.signal(SIGCONT))
      #expect(
        try await paused.value == 200, "the request made while paused is answered after SIGCONT")
    }
  }

  @Test("a restart on the same port right after a stop works")
  func restartSamePort() async throws {
    // Outside the ephemeral range, so no other process's outgoing connection can take the port
    // while it is free. A server that could not rebind its own port (no SO_REUSEADDR, TIME_WAIT)
    // fails here for a minute.
    let picked = try RestartablePort.pick()
    let arguments = ["--port", "\(picked)", "--status-interval", "0"]
    let port = try await withMockProcess(arguments: arguments) { child, port async throws in
      #expect(port == picked)
      #expect(child.signal(SIGTERM))
      #expect(await child.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
      return port
    }
    try await withMockProcess(arguments: arguments) { _, newPort async throws in
      #expect(newPort == port)
      #expect(try await HTTP.get("http://127.0.0.1:\(newPort)/history").json == [:])
    }
  }

  @Test(
    "closing the parent's stdin pipe (what the kernel does when the parent dies) stops the server")
  func exitsWithParentPipe() async throws {
    try await withMockProcess { child, _ async throws in
      child.closeStandardInput()
      #expect(await child.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
    }
  }

  @Test("no orphan when the parent is killed with SIGKILL")
  func noOrphanAfterParentSIGKILL() async throws {
    // An intermediate parent (sh) spawns the mock with its stdin as the pipe, reports the mock's pid,
    // and is then SIGKILLed; the mock must notice and exit on its own.
    let faultline = try FaultlineExecutable.url.path
    let outputs = try ScratchDirectory.create(prefix: "faultline-test")
    defer { try? FileManager.default.removeItem(at: outputs) }
    let script =
      "\(faultline) mock --port 0 --exit-with-parent --status-interval 0 --output-directory '\(outputs.path)' <&3 & echo \"child $!\"; wait"
    let parent = try ManagedChild(
      executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exec 3<&0; " + script])
    defer { parent.signal(SIGKILL) }
    // The ready line is compact JSON, as every faultline command prints it.
    #expect(
      await parent.waitForStandardOutput(containing: "\"ready\":true", timeout: .seconds(20)),
      "stdout: \(parent.standardOutput) stderr: \(parent.standardError)")
    let line = try #require(
      parent.standardOutput.split(separator: "\n").first { $0.hasPrefix("child ") })
    let mockPID = try #require(pid_t(line.dropFirst("child ".count)))
    #expect(kill(mockPID, 0) == 0, "mock is alive before the parent dies")
    #expect(parent.signal(SIGKILL))
    #expect(await parent.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGKILL))
    let gone = await pollUntil(timeout: .seconds(10)) { kill(mockPID, 0) != 0 }
    if !gone { kill(mockPID, SIGKILL) }
    #expect(gone, "mock \(mockPID) outlived its SIGKILLed parent")
  }
}
