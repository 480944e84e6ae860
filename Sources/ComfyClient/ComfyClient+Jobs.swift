import Foundation

/// Prompts: queueing, routing their messages to their jobs, and catching up after a reconnect.
extension ComfyClient {
  /// `POST /prompt` with this client's id and a fresh prompt id; the job is tracked before the
  /// request is sent, so no message about it can arrive unnoticed.
  public func queue(_ prompt: JSONValue, extraData: JSONValue? = nil) async throws(ComfyClientError)
    -> ComfyJob
  {
    guard !isDestroyed else { throw .destroyed }
    let promptId = UUID().uuidString.lowercased()
    let job = ComfyJob(promptId: promptId, startsDisconnected: connectionState != .connected)
    jobs[promptId] = job
    var body: JSONObject = [
      "prompt": prompt,
      "client_id": .string(configuration.clientId),
      "prompt_id": .string(promptId),
    ]
    if let extraData { body["extra_data"] = extraData }
    do throws(ComfyClientError) {
      let response = try await http.send(.POST, "/prompt", json: .object(body))
      guard response.status == 200 else { throw Self.rejection(response) }
    } catch {
      jobs[promptId] = nil
      throw error
    }
    return job
  }

  private static func rejection(_ response: ComfyHTTP.Response) -> ComfyClientError {
    let text = String(decoding: response.body, as: UTF8.self)
    guard response.status == 400, let json = try? JSONValue.parse(response.body, source: "/prompt"),
      let error = json["error"]
    else {
      return .httpStatus(method: "POST", path: "/prompt", status: response.status, body: text)
    }
    return .promptRejected(
      type: error["type"]?.stringValue ?? "unknown",
      message: error["message"]?.stringValue ?? text,
      nodeErrors: json["node_errors"]?.jsonText ?? "{}"
    )
  }

  /// Hands a message about a prompt to its job, and finishes the job when the message says so.
  func route(_ message: ServerMessage) async {
    guard let promptId = message.promptId, let job = jobs[promptId] else { return }
    switch job.apply(message) {
    case .running:
      break
    case .succeeded:
      jobs[promptId] = nil
      await complete(job)
    case .failed(let error):
      jobs[promptId] = nil
      job.fail(error)
    }
  }

  /// Completes a job that ran to the end; if messages may have been missed on the way, the
  /// outputs come from the history instead of the live messages.
  private func complete(_ job: ComfyJob) async {
    guard job.missedMessages else { return job.succeedFromEvents() }
    do {
      if let entry = try await http.history(promptId: job.promptId) {
        return job.succeed(historyOutputs: entry.outputs)
      }
    } catch {
      configuration.logger.warning(
        "history of \(job.promptId) unavailable, using live outputs: \(error)")
    }
    job.succeedFromEvents()
  }

  /// After a reconnect: each unfinished job is still queued (keep waiting), finished (take the
  /// history), or unknown to the server (lost). The queue is read before the history so a
  /// prompt finishing in between is found in the history, never reported lost.
  func reconcileJobs() async {
    let open = jobs.values.filter { !$0.isFinished }
    guard !open.isEmpty else { return }
    let queue: QueueSnapshot
    do {
      queue = try await http.queue()
    } catch {
      configuration.logger.warning(
        "cannot reconcile \(open.count) jobs after reconnecting: \(error)")
      return
    }
    for job in open where !job.isFinished {
      if queue.contains(job.promptId) {
        job.report(.resumedAfterReconnect)
        continue
      }
      let entry: HistoryEntry?
      do {
        entry = try await http.history(promptId: job.promptId)
      } catch {
        configuration.logger.warning("cannot read the history of \(job.promptId): \(error)")
        continue
      }
      jobs[job.promptId] = nil
      guard let entry else {
        job.fail(.promptLost(promptId: job.promptId))
        continue
      }
      if entry.status == "error" {
        job.fail(
          .executionFailed(
            promptId: job.promptId, nodeId: nil, nodeType: nil,
            message: entry.errorMessage ?? "the server's history records an error"))
      } else {
        job.succeed(historyOutputs: entry.outputs)
      }
    }
  }
}

extension ComfyClient {
  /// `GET /view`: the bytes of an image the server produced.
  public func imageData(_ image: ImageRef) async throws(ComfyClientError) -> [UInt8] {
    var query = URLComponents()
    query.queryItems = [
      URLQueryItem(name: "filename", value: image.filename),
      URLQueryItem(name: "subfolder", value: image.subfolder),
      URLQueryItem(name: "type", value: image.type),
    ]
    let path = "/view?" + (query.percentEncodedQuery ?? "")
    let response = try await http.send(.GET, path)
    guard response.status == 200 else {
      throw .httpStatus(
        method: "GET", path: path, status: response.status,
        body: String(decoding: response.body.prefix(300), as: UTF8.self))
    }
    return response.body
  }
}

extension ComfyClient {
  /// `POST /interrupt`: stops `promptId` if it is running (or whatever runs, when nil); its
  /// job then fails with `.executionInterrupted`.
  public func interrupt(promptId: String? = nil) async throws(ComfyClientError) {
    let body: JSONValue = .object(promptId.map { ["prompt_id": .string($0)] } ?? [:])
    let response = try await http.send(.POST, "/interrupt", json: body)
    guard response.status == 200 else {
      throw .httpStatus(
        method: "POST", path: "/interrupt", status: response.status,
        body: String(decoding: response.body.prefix(300), as: UTF8.self))
    }
  }
}
