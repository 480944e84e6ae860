/// Reconnection: the loop started after every drop, `reconnect()` and `abortReconnect()`.
extension ComfyClient {
  /// Closes the current socket if any and reconnects now, then with backoff; returns once
  /// connected. Replaces a reconnection loop that is already running.
  public func reconnect() async throws(ComfyClientError) {
    guard !isDestroyed else { throw .destroyed }
    if let id = activeLoopID, let loop = loops[id] {
      activeLoopID = nil
      loop.cancel()
      _ = await loop.value
    }
    if let session = currentSession {
      currentSession = nil
      session.stop()
      if connectionState == .connected {
        setState(.disconnected)
        emit(.disconnected(.requested))
        for job in jobs.values { job.markMissedMessages() }
      }
    }
    guard !isDestroyed else { throw .destroyed }
    switch await startReconnectLoop(immediateFirstAttempt: true).value {
    case .reconnected: return
    case .exhausted(let attempts): throw .reconnectionFailed(attempts: attempts)
    case .aborted: throw .reconnectionAborted
    }
  }

  /// Stops the running reconnection loop, if any; the state becomes `disconnected`.
  public func abortReconnect() {
    guard let id = activeLoopID else { return }
    activeLoopID = nil
    loops[id]?.cancel()
    if connectionState == .reconnecting { setState(.disconnected) }
  }

  /// Starts a reconnection loop unless one is running, and returns the running one.
  func startReconnectLoop(immediateFirstAttempt: Bool) -> Task<ReconnectLoop.Outcome, Never> {
    if let id = activeLoopID, let loop = loops[id] { return loop }
    let id = nextLoopID
    nextLoopID += 1
    setState(.reconnecting)
    let loop = ReconnectLoop(
      policy: configuration.reconnectPolicy,
      clock: clock,
      randomUnit: randomUnit,
      immediateFirstAttempt: immediateFirstAttempt
    )
    let task = Task {
      let outcome = await loop.run(
        willAttempt: { attempt, delay in await self.willAttempt(attempt, delay: delay, loopID: id)
        },
        attempt: { attempt in await self.attemptReconnect(attempt, loopID: id) }
      )
      await self.loopEnded(outcome, loopID: id)
      return outcome
    }
    activeLoopID = id
    loops[id] = task
    return task
  }

  private func willAttempt(_ attempt: Int, delay: Duration, loopID: Int) {
    guard activeLoopID == loopID, !isDestroyed else { return }
    configuration.logger.debug("reconnection attempt \(attempt) in \(delay)")
    emit(.reconnecting(attempt: attempt, delay: delay))
  }

  private func attemptReconnect(_ attempt: Int, loopID: Int) async -> Bool {
    guard activeLoopID == loopID, !isDestroyed else { return false }
    // An HTTP probe first: it has a real deadline, so a frozen server fails the attempt
    // without leaving a WebSocket upgrade hanging.
    let probe = try? await http.send(
      .GET, "/prompt", timeout: configuration.liveness.connectTimeout)
    guard probe?.status == 200, activeLoopID == loopID, !isDestroyed else { return false }
    let generation: Int
    do {
      generation = try await openSession()
    } catch {
      configuration.logger.debug("reconnection attempt \(attempt) failed: \(error)")
      return false
    }
    guard activeLoopID == loopID else {
      // Aborted while the socket was opening: the abort wins.
      currentSession?.stop()
      currentSession = nil
      setState(.disconnected)
      return false
    }
    // The loop is over as of now, in the same actor turn as the state change, so a drop of
    // this new socket starts a new loop instead of finding this one still registered.
    activeLoopID = nil
    emit(.reconnected(attempts: attempt))
    await deliverFrames(of: generation)
    return true
  }

  private func loopEnded(_ outcome: ReconnectLoop.Outcome, loopID: Int) async {
    defer { loops[loopID] = nil }
    if activeLoopID == loopID { activeLoopID = nil }
    guard !isDestroyed else { return }
    switch outcome {
    case .reconnected:
      await reconcileJobs()
    case .exhausted(let attempts):
      setState(.failed)
      emit(.reconnectionFailed(attempts: attempts))
      reconnectionFailedHandler?(attempts)
    case .aborted:
      if connectionState == .reconnecting, activeLoopID == nil { setState(.disconnected) }
    }
  }
}
