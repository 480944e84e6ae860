/// The prompt queue and history of the mock: pending prompts ordered by number, the running one, and the
/// finished ones. Every change that the real server reports with a `status` broadcast does the same here.
actor PromptQueue {
  /// The real server keeps at most this many history entries.
  static let maximumHistorySize = 10_000

  private let sessions: SessionRegistry
  private var pending: [QueueItem] = []
  private var running: [QueueItem] = []
  private var history: [(promptID: String, entry: JSONValue)] = []
  private var nextNumber = 0
  private var nextSequence = 0
  private var taker: CheckedContinuation<QueueItem?, Never>?
  private var isShutDown = false

  init(sessions: SessionRegistry) {
    self.sessions = sessions
  }

  /// The number a new prompt gets: the given one, or the next counter value (negated for `front`).
  func assignNumber(given: JSONValue?, front: Bool) -> JSONValue {
    if let given, let value = given.doubleValue { return .number(value) }
    let number = nextNumber
    nextNumber += 1
    return .int(front ? -number : number)
  }

  func put(
    number: JSONValue, promptID: String, prompt: JSONValue, extraData: JSONObject,
    validated: ValidatedPrompt
  ) {
    nextSequence += 1
    let item = QueueItem(
      number: number, promptID: promptID, prompt: prompt, extraData: extraData,
      validated: validated, sequence: nextSequence)
    pending.append(item)
    queueChanged()
    handOver()
  }

  /// Waits for the next prompt and marks it running (the executor's `q.get()`); nil once shut down.
  func take() async -> QueueItem? {
    if isShutDown { return nil }
    if let item = popNext() { return item }
    return await withCheckedContinuation { taker = $0 }
  }

  /// Wakes a waiting executor with nil; later `take()` calls return nil at once.
  func shutDown() {
    isShutDown = true
    taker?.resume(returning: nil)
    taker = nil
  }

  /// Records a finished prompt in history and removes it from the running list (`q.task_done`).
  func finish(_ item: QueueItem, outputs: JSONObject, status: JSONValue, meta: JSONObject) {
    running.removeAll { $0.promptID == item.promptID }
    history.append(
      (
        item.promptID,
        ["prompt": item.json, "outputs": .object(outputs), "status": status, "meta": .object(meta)]
      ))
    if history.count > Self.maximumHistorySize {
      history.removeFirst(history.count - Self.maximumHistorySize)
    }
    queueChanged()
  }

  func deletePending(_ promptIDs: [String]) {
    for promptID in promptIDs {
      if let index = pending.firstIndex(where: { $0.promptID == promptID }) {
        pending.remove(at: index)
        queueChanged()
      }
    }
  }

  func clearPending() {
    pending.removeAll()
    queueChanged()
  }

  func clearHistory() { history.removeAll() }

  func deleteHistory(_ promptIDs: [String]) {
    history.removeAll { promptIDs.contains($0.promptID) }
  }

  /// `GET /queue`: running and pending items, pending in the order they will run.
  func queueSnapshot() -> JSONValue {
    [
      "queue_running": .array(running.map(\.json)),
      "queue_pending": .array(sortedPending().map(\.json)),
    ]
  }

  var remaining: Int { pending.count + running.count }

  var runningPromptIDs: [String] { running.map(\.promptID) }

  /// `GET /history`: the last `maxItems` entries, or `maxItems` from `offset` when an offset is given.
  func history(maxItems: Int?, offset: Int?) -> JSONValue {
    var start = offset ?? -1
    if start < 0, let maxItems { start = history.count - maxItems }
    var object = JSONObject()
    for (index, item) in history.enumerated() where index >= start {
      object[item.promptID] = item.entry
      if let maxItems, object.members.count >= maxItems { break }
    }
    return .object(object)
  }

  /// `GET /history/{id}`: `{id: entry}`, or `{}` when unknown.
  func history(promptID: String) -> JSONValue {
    guard let item = history.last(where: { $0.promptID == promptID }) else { return [:] }
    return [item.promptID: item.entry]
  }

  private func sortedPending() -> [QueueItem] {
    pending.sorted { $0.runsBefore($1) }
  }

  private func popNext() -> QueueItem? {
    guard let next = sortedPending().first else { return nil }
    pending.removeAll { $0.sequence == next.sequence }
    running.append(next)
    queueChanged()
    return next
  }

  private func handOver() {
    guard let waiting = taker, let item = popNext() else { return }
    taker = nil
    waiting.resume(returning: item)
  }

  private func queueChanged() {
    sessions.setQueueRemaining(remaining)
    sessions.send(MockMessage.status(queueRemaining: remaining), to: nil)
  }
}
