import FaultlineLocking
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A child process owned by this process: spawned without a shell, its standard input a pipe that only the
/// parent holds (so the child sees end-of-file the moment the parent dies, however it dies), its standard
/// output and error captured, and always reaped.
///
/// Spawning uses `posix_spawn` rather than `Foundation.Process` because the parent needs exact control of
/// the child's descriptors (close-on-exec pipes, so a sibling spawned concurrently never inherits our stdin
/// pipe and keeps it open), its signal mask and dispositions (a test runner that ignores SIGPIPE must not
/// pass that on), and of reaping: a dedicated thread waits with `waitid(WNOWAIT)` and reaps under the same
/// lock that `signal(_:)` takes, so a signal can never reach a recycled pid.
public final class ManagedChild: Sendable {
  /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+). Swift's Glibc module does not import it
  /// (it sits behind a feature macro), so it is looked up at run time; without it, descriptors that lack
  /// close-on-exec can leak into children.
  private static let closeFromAction:
    (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
      guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
      return unsafeBitCast(
        symbol,
        to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self
      )
    }()

  /// The child's process id.
  public let pid: pid_t
  /// The executable's path, for messages.
  public let executablePath: String

  private let observation = ChildObservation()
  private let standardInput: Locked<Int32?>

  /// Spawns `executable` with `arguments` (not including argv[0]). `environment` replaces the parent's
  /// environment when given. With `newProcessGroup`, the child leads a process group of its own, so
  /// `signalGroup` reaches whatever it starts (a shell's commands, a test runner's workers).
  public init(
    executable: URL, arguments: [String], environment: [String: String]? = nil,
    newProcessGroup: Bool = false
  ) throws {
    executablePath = executable.path
    let (pid, stdinWrite, stdoutRead, stderrRead) = try Self.spawnLock.withLock {
      try Self.spawn(
        executable: executable, arguments: arguments, environment: environment,
        newProcessGroup: newProcessGroup)
    }
    self.pid = pid
    standardInput = Locked(stdinWrite)
    Self.startReader(descriptor: stdoutRead, isStandardError: false, observation: observation)
    Self.startReader(descriptor: stderrRead, isStandardError: true, observation: observation)
    Self.startReaper(pid: pid, observation: observation)
  }

  /// Returns the child's pid and the parent's ends of its stdin, stdout and stderr pipes.
  private static func spawn(
    executable: URL, arguments: [String], environment: [String: String]?, newProcessGroup: Bool
  ) throws -> (pid_t, Int32, Int32, Int32) {
    let stdinPipe = try Self.makePipe()
    let stdoutPipe = try Self.makePipe()
    let stderrPipe = try Self.makePipe()

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, STDIN_FILENO)
    posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, STDOUT_FILENO)
    posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, STDERR_FILENO)
    // Whatever this process has open without close-on-exec (listening sockets of an in-process server,
    // for one) must not leak into the child, where it would outlive our own close.
    if let closeFrom = Self.closeFromAction {
      _ = closeFrom(&actions, 3)
    }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaultSignals = sigset_t()
    sigemptyset(&defaultSignals)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD] {
      sigaddset(&defaultSignals, signal)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
    if newProcessGroup {
      posix_spawnattr_setpgroup(&attributes, 0)
      flags |= POSIX_SPAWN_SETPGROUP
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))

    let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let environmentStrings =
      (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
      + [nil]
    defer { environmentStrings.forEach { free($0) } }

    var childPID: pid_t = 0
    let result = posix_spawn(
      &childPID, executable.path, &actions, &attributes, argv, environmentStrings)
    close(stdinPipe.read)
    close(stdoutPipe.write)
    close(stderrPipe.write)
    guard result == 0 else {
      close(stdinPipe.write)
      close(stdoutPipe.read)
      close(stderrPipe.read)
      throw ChildProcessError.spawnFailed(executable: executable.path, errno: result)
    }
    return (childPID, stdinPipe.write, stdoutPipe.read, stderrPipe.read)
  }

  /// Kills a child that is still running (the reaper thread still reaps it) and closes its stdin pipe:
  /// forgetting a child must not leave it running.
  deinit {
    signal(SIGKILL)
    closeStandardInput()
  }

  /// True until the child has exited and been reaped. A stopped (SIGSTOP) child is still running.
  public var isRunning: Bool { observation.state.withLock { $0.exitStatus == nil } }

  /// The exit status once the child has been reaped.
  public var exitStatus: ExitStatus? { observation.state.withLock { $0.exitStatus } }

  /// Everything the child wrote to standard output so far (at most the last MiB).
  public var standardOutput: String {
    observation.state.withLock { String(decoding: $0.standardOutput, as: UTF8.self) }
  }

  /// Everything the child wrote to standard error so far (at most the last MiB).
  public var standardError: String {
    observation.state.withLock { String(decoding: $0.standardError, as: UTF8.self) }
  }

  /// Sends `signal` (SIGTERM, SIGKILL, SIGSTOP, SIGCONT, ...). Returns false when the child has already
  /// been reaped; the check and the `kill` happen under the reaper's lock, so the pid is never a stranger's.
  @discardableResult
  public func signal(_ signal: Int32) -> Bool {
    observation.state.withLock { snapshot in
      snapshot.exitStatus == nil && kill(pid, signal) == 0
    }
  }

  /// Sends `signal` to the child's process group (spawned with `newProcessGroup`), which may
  /// outlive the child itself: a shell's commands once the shell is gone. Returns false when no
  /// process of the group is left.
  @discardableResult
  public func signalGroup(_ signal: Int32) -> Bool {
    kill(-pid, signal) == 0
  }

  /// Closes the parent's end of the child's standard input: the child reads end-of-file, as if the parent died.
  public func closeStandardInput() {
    if let descriptor = standardInput.withLock({ $0.take() }) {
      close(descriptor)
    }
  }

  /// Waits for the first line on standard output, which must be a JSON object with `"ready": true`.
  /// Throws, with the child's output so far, on timeout, early exit or a malformed line.
  public func waitForReadyLine(timeout: Duration) async throws -> ReadyLine {
    enum Outcome: Sendable {
      case line(String)
      case exited(ExitStatus)
    }
    let deadline = ContinuousClock.now.advanced(by: timeout)
    let outcome = await observation.wait(until: deadline) { snapshot -> Outcome? in
      if let newline = snapshot.standardOutput.firstIndex(of: UInt8(ascii: "\n")) {
        return .line(String(decoding: snapshot.standardOutput[..<newline], as: UTF8.self))
      }
      return snapshot.exitStatus.map(Outcome.exited)
    }
    switch outcome {
    case .line(let line):
      do {
        return try ReadyLine(parsing: line)
      } catch {
        throw ChildProcessError.invalidReadyLine(
          line: line, reason: error.reason, stderr: standardError)
      }
    case .exited(let status):
      // Let the readers drain what the child wrote just before dying, so the error shows it.
      _ = await observation.wait(until: .now.advanced(by: .milliseconds(200))) { _ in nil as Bool? }
      throw ChildProcessError.exitedBeforeReady(
        status: status, stdout: standardOutput, stderr: standardError)
    case nil:
      let seconds =
        Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
      throw ChildProcessError.readyTimeout(
        seconds: seconds, stdout: standardOutput, stderr: standardError)
    }
  }

  /// Waits until the child has exited and been reaped; nil if it is still running after `timeout`.
  @discardableResult
  public func waitForExit(timeout: Duration) async -> ExitStatus? {
    await observation.wait(until: .now.advanced(by: timeout)) { $0.exitStatus }
  }

  /// Waits until the child has exited and both output pipes have reached end-of-file, so that
  /// `standardOutput` and `standardError` hold everything it wrote; nil after `timeout`.
  @discardableResult
  public func waitForCompletion(timeout: Duration) async -> ExitStatus? {
    await observation.wait(until: .now.advanced(by: timeout)) { snapshot in
      snapshot.closedOutputs == 2 ? snapshot.exitStatus : nil
    }
  }

  /// Waits until standard output contains `text`; false after `timeout`.
  public func waitForStandardOutput(containing text: String, timeout: Duration) async -> Bool {
    let needle = Array(text.utf8)
    let found = await observation.wait(until: .now.advanced(by: timeout)) { snapshot -> Bool? in
      snapshot.standardOutput.firstRange(of: needle) != nil ? true : nil
    }
    return found ?? false
  }

  /// Stops the child: SIGTERM (followed by SIGCONT, so a paused child can act on it), then SIGKILL if it
  /// has not exited after `grace`. Returns how it ended.
  @discardableResult
  public func terminate(grace: Duration) async -> ExitStatus {
    signal(SIGTERM)
    signal(SIGCONT)
    if let status = await waitForExit(timeout: grace) { return status }
    signal(SIGKILL)
    while true {
      // SIGKILL cannot be caught or ignored; the loop only guards against a spuriously slow kernel.
      if let status = await waitForExit(timeout: .seconds(10)) { return status }
      signal(SIGKILL)
    }
  }

  /// Serialises pipe creation and spawning. Glibc's `pipe2` is not visible to Swift, so close-on-exec is
  /// set with `fcntl` right after `pipe`; without this lock a sibling spawned by another thread in that
  /// window would inherit our pipe ends and keep them open.
  private static let spawnLock = Locked(())

  private static func makePipe() throws -> (read: Int32, write: Int32) {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else {
      throw ChildProcessError.spawnFailed(executable: "pipe", errno: errno)
    }
    for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    return (descriptors[0], descriptors[1])
  }

  private static func startReader(
    descriptor: Int32, isStandardError: Bool, observation: ChildObservation
  ) {
    let thread = Thread {
      var buffer = [UInt8](repeating: 0, count: 16 * 1024)
      while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
          observation.appendOutput(buffer[..<count], toStandardError: isStandardError)
        } else if count < 0 && errno == EINTR {
          continue
        } else {
          break
        }
      }
      close(descriptor)
      observation.update { $0.closedOutputs += 1 }
    }
    thread.name = isStandardError ? "child-stderr" : "child-stdout"
    thread.start()
  }

  /// Waits without reaping, then reaps while holding the lock that `signal(_:)` takes.
  private static func startReaper(pid: pid_t, observation: ChildObservation) {
    let thread = Thread {
      var info = siginfo_t()
      while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
      observation.update { snapshot in
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        snapshot.exitStatus = ExitStatus(waitStatus: status)
      }
    }
    thread.name = "child-reaper"
    thread.start()
  }
}
