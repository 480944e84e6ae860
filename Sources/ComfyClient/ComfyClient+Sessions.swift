import FaultlineHTTP

/// Sockets: opening one, retiring old ones, reporting their frames in order, and reacting
/// when one stops counting as alive.
extension ComfyClient {
  /// Opens a new socket and makes it the current one; on return the state is `connected`.
  /// The caller announces it and then calls `deliverFrames(of:)` with the returned generation.
  @discardableResult
  func openSession() async throws(ComfyClientError) -> Int {
    await retireSessions()
    guard !isDestroyed else { throw .destroyed }
    currentGeneration += 1
    pendingFrames = []
    let generation = currentGeneration
    let busySince = self.busySince
    let session = WebSocketSession(
      configuration: configuration, eventLoopGroup: eventLoopGroup,
      busySince: { busySince.withLock { $0 } },
      deliver: { [weak self] message in
        await self?.receive(message, generation: generation)
      })
    let finished = OneShot<Void>()
    let task = Task { [weak self] in
      await withTaskGroup(of: Void.self) { group in
        group.addTask { await session.run() }
        group.addTask {
          guard let reason = try? await session.ended.value else { return }
          await self?.sessionEnded(generation: generation, reason: reason)
        }
      }
      finished.resolve(.success(()))
      await self?.forgetSession(generation: generation)
    }
    sessions[generation] = SessionRecord(session: session, task: task, finished: finished)
    do {
      try await withDeadline(configuration.liveness.connectTimeout) {
        try await session.opened.value
      }
    } catch {
      // A socket whose upgrade the server never answers cannot be cancelled through the
      // WebSocket library (it awaits an EventLoopFuture); it is abandoned here and ends when
      // its TCP connection does. Closing it must not hold up the next attempt or destroy().
      session.stop()
      task.cancel()
      sessions[generation] = nil
      let reason = (error as? ComfyClientError)?.description ?? "\(error)"
      throw .webSocketConnectFailed(url: configuration.webSocketURL, reason: reason)
    }
    // The socket may have died between opening and now; its end was ignored while we were
    // not yet connected, so check here, with no suspension before the state change.
    guard !session.ended.isResolved, !isDestroyed, generation == currentGeneration else {
      session.stop()
      throw .webSocketConnectFailed(
        url: configuration.webSocketURL, reason: "closed right after opening")
    }
    currentSession = session
    setState(.connected)
    return generation
  }

  /// Closes every older socket and waits (up to the close timeout) until they are gone, so
  /// the server has dropped the old socket before the new one registers the same clientId.
  private func retireSessions() async {
    let records = Array(sessions.values)
    for record in records { record.session.stop() }
    let grace = configuration.liveness.closeTimeout * 2
    for record in records {
      _ = try? await withDeadline(grace) { try await record.finished.value }
    }
  }

  private func forgetSession(generation: Int) {
    sessions[generation] = nil
  }

  /// A server message from the socket of `generation`.
  ///
  /// Frames wait in `pendingFrames` until the session is announced (`connected` or
  /// `reconnected` emitted), so no server message is ever reported before the connection that
  /// carried it; one drainer at a time keeps them in arrival order.
  func receive(_ frame: WebSocketMessage, generation: Int) async {
    guard generation == currentGeneration, !isDestroyed else { return }
    pendingFrames.append(frame)
    await drainFrames()
  }

  /// Marks `generation` as announced and reports its frames received so far.
  func deliverFrames(of generation: Int) async {
    announcedGeneration = max(announcedGeneration, generation)
    await drainFrames()
  }

  private func drainFrames() async {
    guard announcedGeneration == currentGeneration, !isDraining else { return }
    isDraining = true
    defer { isDraining = false }
    // Re-checked per frame: a new socket may replace this one while a frame is processed.
    while announcedGeneration == currentGeneration, !pendingFrames.isEmpty, !isDestroyed {
      await process(pendingFrames.removeFirst())
    }
  }

  private func process(_ frame: WebSocketMessage) async {
    let message: ServerMessage
    do {
      switch frame {
      case .text(let text): message = try ServerMessageDecoder.decode(text: text)
      case .binary(let buffer):
        message = try ServerMessageDecoder.decode(binary: Array(buffer.readableBytesView))
      }
    } catch {
      configuration.logger.warning("\(error.description)")
      emit(.malformedMessage(error.description))
      return
    }
    if case .status(let status) = message, let sid = status.sessionId { sessionId = sid }
    emit(.message(message))
    await route(message)
  }

  /// The session of `generation` stopped counting as alive.
  func sessionEnded(generation: Int, reason: DisconnectReason) {
    guard generation == currentGeneration, connectionState == .connected, !isDestroyed else {
      return
    }
    currentSession?.stop()
    currentSession = nil
    configuration.logger.info("disconnected: \(reason)")
    setState(.disconnected)
    emit(.disconnected(reason))
    for job in jobs.values { job.markMissedMessages() }
    if configuration.autoReconnect {
      _ = startReconnectLoop(immediateFirstAttempt: false)
    }
  }
}
