import CLibUV
import FaultlineLocking
import Foundation
import Synchronization

/// One libuv loop running on its own thread, and the only door into it from other threads.
///
/// Every libuv call happens on the loop thread. Other threads enqueue commands, closures that receive the
/// loop-confined `Worker`, and wake the loop with `uv_async_send`, the one libuv call that is thread-safe.
/// `@unchecked Sendable`: the handle pointers are only dereferenced on the loop thread, except for
/// `uv_async_send`, and the command queue is guarded by a mutex.
final class LoopThread: @unchecked Sendable {
  typealias Command = @Sendable (Worker) -> Void

  private let commands = Locked<[Command]>([])
  private let wakeup: UnsafeMutablePointer<uv_async_t>
  private let loop: UnsafeMutablePointer<uv_loop_t>
  private let stopped = Locked<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)
  /// Only touched on the loop thread.
  private var worker: Worker?

  /// Starts the thread and returns once its loop is ready to take commands.
  init(name: String) throws {
    loop = .allocate(capacity: 1)
    wakeup = .allocate(capacity: 1)
    let status = uv_loop_init(loop)
    guard status == 0 else {
      loop.deallocate()
      wakeup.deallocate()
      throw ProxyError.libuv(operation: "uv_loop_init", code: status)
    }
    uv_async_init(loop, wakeup) { handle in
      guard let handle, let data = handle.pointee.data else { return }
      Unmanaged<LoopThread>.fromOpaque(data).takeUnretainedValue().drain()
    }
    // The async handle holds the LoopThread until it is closed in `stop`.
    wakeup.pointee.data = Unmanaged.passRetained(self).toOpaque()
    let ready = DispatchSemaphore(value: 0)
    let thread = Thread { [self] in
      // The kernel may fire a timer up to the thread's timer slack late (50 µs by default) to batch
      // wake-ups; fault timing wants every microsecond, so this thread asks for none.
      _ = faultline_set_timer_slack(1)
      worker = Worker(loop: loop, thread: self)
      ready.signal()
      uv_run(loop, UV_RUN_DEFAULT)
      worker?.finishShutdown()
      worker = nil
      uv_loop_close(loop)
      loop.deallocate()
      finished.signal()
    }
    thread.name = name
    thread.stackSize = 1 << 20
    thread.start()
    ready.wait()
  }

  /// Runs `command` on the loop thread soon; never blocks. Returns false, dropping the command, once
  /// the loop has stopped.
  @discardableResult
  func execute(_ command: @escaping Command) -> Bool {
    // The wake-up is sent under the lock: once `stop` has taken it, no send can reach the async
    // handle, which the loop closes and frees during shutdown.
    stopped.withLock { isStopped in
      if isStopped { return false }
      commands.withLock { $0.append(command) }
      uv_async_send(wakeup)
      return true
    }
  }

  /// Runs `body` on the loop thread and returns its result; throws `engineStopped` after `stop`.
  func run<T: Sendable>(_ body: @escaping @Sendable (Worker) throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      let accepted = execute { worker in
        continuation.resume(with: Result { try body(worker) })
      }
      if !accepted { continuation.resume(throwing: ProxyError.engineStopped) }
    }
  }

  /// Closes every handle of the loop, lets the loop end, and waits for the thread to finish.
  func stop() {
    let first = stopped.withLock { isStopped in
      if isStopped { return false }
      isStopped = true
      commands.withLock { queue in
        queue.append { worker in worker.beginShutdown() }
      }
      uv_async_send(wakeup)
      return true
    }
    guard first else { return }
    finished.wait()
  }

  private func drain() {
    let batch = commands.withLock { queue in
      defer { queue.removeAll(keepingCapacity: true) }
      return queue
    }
    guard let worker else { return }
    for command in batch { command(worker) }
  }

  /// Called by the worker at the very end of shutdown, on the loop thread.
  func closeWakeup() {
    uv_close(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self)) { handle in
      guard let handle else { return }
      if let data = handle.pointee.data {
        Unmanaged<LoopThread>.fromOpaque(data).release()
      }
      UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_async_t.self).deallocate()
    }
  }
}
