import CLibUV
import Glibc

/// Sub-millisecond timers for one loop: a timerfd armed for the earliest deadline, polled by libuv.
///
/// libuv's timers count whole milliseconds from a cached clock, which is too coarse for a latency fault
/// that promises a p99 error under 0.3 ms. Loop-confined: every method runs on the loop thread.
final class PreciseScheduler {
  /// Identifies a scheduled action so it can be cancelled.
  typealias Token = UInt64

  private struct Entry {
    var deadline: UInt64
    var token: Token
  }

  private let timerFD: Int32
  private let poll: UnsafeMutablePointer<uv_poll_t>
  private var heap: [Entry] = []
  private var actions: [Token: () -> Void] = [:]
  private var nextToken: Token = 1
  private var armedDeadline: UInt64 = .max
  private var isClosed = false
  /// How late each action ran after its deadline.
  var lateness = TimerLatenessRecorder()
  /// How long before a deadline the loop wakes up to spin.
  static let spinLead: UInt64 = 150_000

  init(loop: UnsafeMutablePointer<uv_loop_t>) throws {
    timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
    guard timerFD >= 0 else { throw ProxyError.libuv(operation: "timerfd_create", code: -errno) }
    poll = .allocate(capacity: 1)
    let status = uv_poll_init(loop, poll, timerFD)
    guard status == 0 else {
      poll.deallocate()
      Glibc.close(timerFD)
      throw ProxyError.libuv(operation: "uv_poll_init", code: status)
    }
    poll.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    uv_poll_start(poll, Int32(UV_READABLE.rawValue)) { handle, _, _ in
      guard let handle, let data = handle.pointee.data else { return }
      Unmanaged<PreciseScheduler>.fromOpaque(data).takeUnretainedValue().fire()
    }
    // The poll handle must not keep the loop alive on its own; the loop ends when the engine stops.
    uv_unref(UnsafeMutableRawPointer(poll).assumingMemoryBound(to: uv_handle_t.self))
  }

  /// Runs `action` on the loop thread at `deadline` (monotonic nanoseconds), or on the next turn if it has passed.
  @discardableResult
  func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> Token {
    let token = nextToken
    nextToken += 1
    actions[token] = action
    push(Entry(deadline: deadline, token: token))
    if deadline < armedDeadline { arm(deadline) }
    return token
  }

  /// Runs `action` after `delay` nanoseconds.
  @discardableResult
  func schedule(after delay: UInt64, _ action: @escaping () -> Void) -> Token {
    schedule(at: MonotonicClock.now() &+ delay, action)
  }

  /// Forgets a scheduled action; harmless when it already ran.
  func cancel(_ token: Token) {
    actions[token] = nil
  }

  /// Stops the poll handle and frees it in its close callback.
  func close() {
    guard !isClosed else { return }
    isClosed = true
    actions.removeAll()
    heap.removeAll()
    uv_poll_stop(poll)
    poll.pointee.data = nil
    let fd = timerFD
    uv_close(UnsafeMutableRawPointer(poll).assumingMemoryBound(to: uv_handle_t.self)) { handle in
      handle.map {
        UnsafeMutableRawPointer($0).assumingMemoryBound(to: uv_poll_t.self).deallocate()
      }
    }
    Glibc.close(fd)
  }

  private func fire() {
    var expirations: UInt64 = 0
    _ = Glibc.read(timerFD, &expirations, 8)
    armedDeadline = .max
    // The timer was armed a little early (see `arm`): wait out the rest on the CPU, which is far
    // more precise than a second wake-up from an idle core.
    if let first = heap.first, actions[first.token] != nil {
      while MonotonicClock.now() < first.deadline {}
    }
    // Run everything due; actions may schedule more, which may also be due already.
    while let first = heap.first {
      let now = MonotonicClock.now()
      guard first.deadline <= now else { break }
      popFirst()
      if let action = actions.removeValue(forKey: first.token) {
        lateness.record(now - first.deadline)
        action()
      }
      if isClosed { return }
    }
    // An action may have armed the timer for the earliest deadline already.
    if let first = heap.first, first.deadline != armedDeadline { arm(first.deadline) }
  }

  private func arm(_ deadline: UInt64) {
    armedDeadline = deadline
    var spec = itimerspec()
    // Armed `spinLead` early: waking an idle core takes tens to hundreds of microseconds, so the
    // loop wakes before the deadline and spins the last stretch. A zero it_value disarms the
    // timer, so a deadline already passed is armed 1 ns into the epoch, which fires at once.
    let target =
      deadline <= MonotonicClock.now()
      ? 1 : max(deadline > Self.spinLead ? deadline - Self.spinLead : deadline, 1)
    spec.it_value.tv_sec = Int(target / 1_000_000_000)
    spec.it_value.tv_nsec = Int(target % 1_000_000_000)
    timerfd_settime(timerFD, Int32(TFD_TIMER_ABSTIME), &spec, nil)
  }

  private func push(_ entry: Entry) {
    heap.append(entry)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private func popFirst() {
    let last = heap.removeLast()
    guard !heap.isEmpty else { return }
    heap[0] = last
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < heap.count && precedes(heap[left], heap[smallest]) { smallest = left }
      if right < heap.count && precedes(heap[right], heap[smallest]) { smallest = right }
      if smallest == parent { break }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
  }

  private func precedes(_ a: Entry, _ b: Entry) -> Bool {
    a.deadline != b.deadline ? a.deadline < b.deadline : a.token < b.token
  }
}
