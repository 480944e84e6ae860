import FaultlineLocking
import Foundation

/// Runs queued prompts one at a time, like ComfyUI's `prompt_worker` thread: each node of the graph in
/// dependency order for its scripted time, sending the real message sequence (see comfyui-protocol.md),
/// saving real PNG files for image outputs and recording a history entry.
final class PromptExecutor: Sendable {
  private let queue: PromptQueue
  private let sessions: SessionRegistry
  private let store: OutputStore
  private let configuration: MockServerConfiguration
  /// nil when the configuration turns the cache off.
  private let cache: OutputCache?
  /// The prompt being executed and the task running it; interrupting cancels that task.
  private let current = Locked<(promptID: String, task: Task<Void, Never>)?>(nil)

  init(
    queue: PromptQueue, sessions: SessionRegistry, store: OutputStore,
    configuration: MockServerConfiguration
  ) {
    self.queue = queue
    self.sessions = sessions
    self.store = store
    self.configuration = configuration
    cache = configuration.cache == .classic ? OutputCache() : nil
  }

  /// Takes prompts until the queue shuts down.
  func run() async {
    while let item = await queue.take() {
      let task = Task { await self.execute(item) }
      current.withLock { $0 = (item.promptID, task) }
      await withTaskCancellationHandler {
        await task.value
      } onCancel: {
        task.cancel()
      }
      current.withLock { $0 = nil }
    }
  }

  /// `POST /interrupt`: stops the running prompt, or only the named one if it is the one running.
  func interrupt(promptID: String?) {
    current.withLock { current in
      guard let current, promptID == nil || promptID == current.promptID else { return }
      current.task.cancel()
    }
  }

  private struct Run {
    let item: QueueItem
    var messages: [JSONValue] = []
    var executed: [String] = []
    var outputs = JSONObject()
    var meta = JSONObject()
    var progressNodes = JSONObject()
    var promptID: JSONValue { .string(item.promptID) }
  }

  private func execute(_ item: QueueItem) async {
    var run = Run(item: item)
    let client = item.clientID
    sessions.setExecuting(clientID: client, node: nil)
    sendRecorded(
      &run, "execution_start", ["prompt_id": run.promptID, "timestamp": MockMessage.timestamp])
    let signatures = cache == nil ? [:] : OutputCache.signatures(of: item.validated)
    let hits = signatures.compactMapValues { cache?.entry(for: $0) }
    // The real server lists the hits in the order of the submitted graph.
    let graphOrder = item.prompt.objectValue?.keys ?? item.validated.executionOrder.map(\.id)
    sendRecorded(
      &run, "execution_cached",
      [
        "nodes": .array(graphOrder.filter { hits[$0] != nil }.map { .string($0) }),
        "prompt_id": run.promptID, "timestamp": MockMessage.timestamp,
      ])

    var fresh: [String: OutputCache.Entry] = [:]
    var statusString = "success"
    var completed = true
    for node in item.validated.executionOrder {
      if let hit = hits[node.id] {
        replay(hit, of: node, in: &run)
        continue
      }
      do {
        let output = try await execute(node, in: &run)
        if let signature = signatures[node.id] { fresh[signature] = .init(output: output) }
      } catch is CancellationError {
        let data: JSONValue = [
          "prompt_id": run.promptID, "node_id": .string(node.id),
          "node_type": .string(node.nodeClass.name),
          "executed": .array(run.executed.map { .string($0) }), "timestamp": MockMessage.timestamp,
        ]
        run.messages.append(["execution_interrupted", data])
        sessions.send(MockMessage.make("execution_interrupted", data), to: nil)
        (statusString, completed) = ("error", false)
        break
      } catch {
        sendProgressState(&run, node: node.id, value: 0, max: 1, state: "error")
        let data: JSONValue = [
          "prompt_id": run.promptID, "node_id": .string(node.id),
          "node_type": .string(node.nodeClass.name),
          "executed": .array(run.executed.map { .string($0) }),
          "exception_message": .string("\(error)"), "exception_type": "RuntimeError",
          "traceback": [
            "  File \"execution.py\", line 496, in execute\n", .string("RuntimeError: \(error)\n"),
          ],
          "current_inputs": [:], "current_outputs": [:], "timestamp": MockMessage.timestamp,
        ]
        sendRecorded(&run, "execution_error", data)
        (statusString, completed) = ("error", false)
        break
      }
    }
    cache?.finishPrompt(signatures: signatures.values, fresh: fresh)
    if completed {
      sendRecorded(
        &run, "execution_success", ["prompt_id": run.promptID, "timestamp": MockMessage.timestamp])
    }
    let status: JSONValue = [
      "status_str": .string(statusString), "completed": .bool(completed),
      "messages": .array(run.messages),
    ]
    sessions.setExecuting(clientID: nil, node: nil)
    await queue.finish(item, outputs: run.outputs, status: status, meta: run.meta)
    if let client {
      sessions.send(
        MockMessage.make("executing", ["node": .null, "prompt_id": run.promptID]), to: client)
    }
  }

  /// Scripted failure of a node, reported as the real server reports a Python exception.
  struct ScriptedFailure: Error, CustomStringConvertible {
    let nodeID: String
    let classType: String
    var description: String {
      "Scripted failure of node \(nodeID) (\(classType)), set by --fail-node"
    }
  }

  /// A cache hit does not run: only an output node is visited, and it sends `executed` again with
  /// the images of the run that produced them, as the real server does.
  private func replay(_ hit: OutputCache.Entry, of node: ValidatedPrompt.Node, in run: inout Run) {
    guard let output = hit.output else { return }
    publish(output, of: node.id, in: &run)
    sendProgressState(&run, node: node.id, value: 1, max: 1, state: "finished")
  }

  /// Sends a node's `executed` message and puts its output in the prompt's history entry.
  private func publish(_ output: JSONValue, of node: String, in run: inout Run) {
    let nodeID: JSONValue = .string(node)
    run.outputs[node] = output
    run.meta[node] = [
      "node_id": nodeID, "display_node": nodeID, "parent_node": .null, "real_node_id": nodeID,
    ]
    sessions.send(
      MockMessage.make(
        "executed",
        ["node": nodeID, "display_node": nodeID, "output": output, "prompt_id": run.promptID]),
      to: run.item.clientID)
  }

  /// Runs one node for its scripted time; returns its output (images) if it has one.
  private func execute(_ node: ValidatedPrompt.Node, in run: inout Run) async throws -> JSONValue? {
    let client = run.item.clientID
    let nodeID: JSONValue = .string(node.id)
    sendProgressState(&run, node: node.id, value: 0, max: 1, state: "running")
    sessions.setExecuting(clientID: client, node: node.id)
    sessions.send(
      MockMessage.make(
        "executing", ["node": nodeID, "display_node": nodeID, "prompt_id": run.promptID]),
      to: client)

    let runTime = configuration.runTime(nodeID: node.id, classType: node.nodeClass.name)
    let steps = node.nodeClass.reportsProgress ? max(configuration.progressSteps, 0) : 0
    if steps == 0 {
      try await Task.sleep(for: runTime)
    } else {
      for step in 1...steps {
        try await Task.sleep(for: runTime / steps)
        // Progress and previews go to the prompt's client, or to everyone when it has none.
        sessions.send(
          MockMessage.make(
            "progress",
            ["value": .int(step), "max": .int(steps), "prompt_id": run.promptID, "node": nodeID]),
          to: client)
        sendProgressState(&run, node: node.id, value: step, max: steps, state: "running")
        let preview = PNGEncoder.gradient(width: 64, height: 64, seed: step)
        sessions.sendPreview(png: preview, nodeID: node.id, promptID: run.item.promptID, to: client)
      }
    }
    if configuration.fails(nodeID: node.id, classType: node.nodeClass.name) {
      throw ScriptedFailure(nodeID: node.id, classType: node.nodeClass.name)
    }
    let output = try saveOutput(of: node, in: run)
    if let output { publish(output, of: node.id, in: &run) }
    run.executed.append(node.id)
    sendProgressState(
      &run, node: node.id, value: max(steps, 1), max: max(steps, 1), state: "finished")
    return output
  }

  /// Writes the images an output node produces: one per latent in the batch, at the latent's size (capped).
  private func saveOutput(of node: ValidatedPrompt.Node, in run: Run) throws -> JSONValue? {
    let type: String
    let prefix: String
    switch node.nodeClass.product {
    case .none: return nil
    case .savedImages:
      type = "output"
      prefix = node.inputs["filename_prefix"]?.stringValue ?? "ComfyUI"
    case .previewImages:
      type = "temp"
      prefix = "ComfyUI_temp_" + String(UUID().uuidString.lowercased().prefix(5))
    }
    let latent = run.item.validated.executionOrder.first { $0.nodeClass.name == "EmptyLatentImage" }
    let width = min(latent?.inputs["width"]?.intValue ?? 64, 512)
    let height = min(latent?.inputs["height"]?.intValue ?? 64, 512)
    let batch = min(max(latent?.inputs["batch_size"]?.intValue ?? 1, 1), 4)
    var images: [JSONValue] = []
    for index in 0..<batch {
      let png = PNGEncoder.gradient(
        width: width, height: height, seed: run.item.promptID.utf8.reduce(index) { $0 &+ Int($1) })
      images.append(try store.saveImage(png, prefix: prefix, type: type))
    }
    return ["images": .array(images)]
  }

  private func sendRecorded(_ run: inout Run, _ type: String, _ data: JSONValue) {
    run.messages.append([.string(type), data])
    sessions.send(MockMessage.make(type, data), to: run.item.clientID)
  }

  private func sendProgressState(
    _ run: inout Run, node: String, value: Int, max: Int, state: String
  ) {
    let nodeID: JSONValue = .string(node)
    run.progressNodes[node] = [
      "value": .int(value), "max": .int(max), "state": .string(state), "node_id": nodeID,
      "prompt_id": run.promptID,
      "display_node_id": nodeID, "parent_node_id": .null, "real_node_id": nodeID,
    ]
    sessions.send(
      MockMessage.make(
        "progress_state", ["prompt_id": run.promptID, "nodes": .object(run.progressNodes)]),
      to: run.item.clientID)
  }
}
