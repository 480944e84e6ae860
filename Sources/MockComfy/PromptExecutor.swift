import FaultlineLocking
import Foundation

/// Runs queued prompts one at a time, like ComfyUI's `prompt_worker` thread: the nodes the outputs need,
/// in the real server's staging order, each for its scripted time, with the messages ComfyUI 0.3.64
/// sends (see docs/mock-fidelity.md), files of the images' sizes, and a history entry.
///
/// Messages follow the real server's addressing: a prompt without `client_id` sends no `execution_*`,
/// `executing` or `executed` message to anyone, while `progress`, `progress_state` and previews go to
/// every client; `execution_interrupted` always goes to everyone.
final class PromptExecutor: Sendable {
  private let queue: PromptQueue
  private let sessions: SessionRegistry
  private let store: OutputStore
  private let configuration: MockServerConfiguration
  /// nil when the configuration turns the cache off.
  private let cache: OutputCache?
  /// The prompt being executed, and whether an interrupt for it is pending.
  private let current = Locked<(promptID: String, interrupted: Bool)?>(nil)
  /// Set by `POST /free` with `free_memory`; the cache is emptied before the next prompt runs.
  private let resetPending = Locked(false)

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
      let reset = resetPending.withLock { pending in
        defer { pending = false }
        return pending
      }
      if reset { cache?.clear() }
      current.withLock { $0 = (item.promptID, false) }
      await execute(item)
      current.withLock { $0 = nil }
    }
  }

  /// `POST /interrupt`: the running prompt (or only the named one, if it is the one running) stops
  /// before its next node or sampler step, as the real server's interrupt flag takes effect.
  func interrupt(promptID: String?) {
    current.withLock { current in
      guard let running = current, promptID == nil || promptID == running.promptID else { return }
      current?.interrupted = true
    }
  }

  /// `POST /free` with `free_memory`: the real worker resets its executor (emptying its caches) as
  /// soon as no prompt runs; the mock empties its cache before it takes the next prompt, which no
  /// client can tell apart.
  func freeMemory() {
    resetPending.withLock { $0 = true }
  }

  private struct Interrupted: Error {}

  private struct Run {
    let item: QueueItem
    var messages: [JSONValue] = []
    var executed: [String] = []
    var outputs = JSONObject()
    var meta = JSONObject()
    var progressNodes = JSONObject()
    var values: [String: [NodeValue]] = [:]
    var promptID: JSONValue { .string(item.promptID) }
    var client: String? { item.clientID }
  }

  private func execute(_ item: QueueItem) async {
    var run = Run(item: item)
    addMessage(
      &run, "execution_start", ["prompt_id": run.promptID, "timestamp": MockMessage.timestamp])
    let signatures =
      cache == nil
      ? [:] : OutputCache.signatures(of: item.validated, fileStamp: store.inputFileStamp)
    var hits: [String: OutputCache.Entry] = [:]
    var plan = ExecutionPlan(prompt: item.validated, cached: [])
    for id in plan.pending {
      if let signature = signatures[id], let entry = cache?.entry(for: signature) {
        hits[id] = entry
      }
    }
    plan = ExecutionPlan(prompt: item.validated, cached: Set(hits.keys))
    for (id, entry) in hits { run.values[id] = entry.values }
    // The real server lists the hits in the order of the submitted graph.
    let graphOrder = item.prompt.orderedObject?.keys ?? []
    addMessage(
      &run, "execution_cached",
      [
        "nodes": .array(graphOrder.filter { hits[$0] != nil }.map { .string($0) }),
        "prompt_id": run.promptID, "timestamp": MockMessage.timestamp,
      ])

    var fresh: [String: OutputCache.Entry] = [:]
    var completed = true
    while let id = plan.next(), let node = item.validated.nodes[id] {
      if let hit = hits[id] {
        replay(hit, of: node, in: &run)
        continue
      }
      do {
        let entry = try await execute(node, in: &run)
        if let signature = signatures[id] { fresh[signature] = entry }
      } catch is Interrupted {
        interrupted(at: node, in: &run)
        completed = false
        break
      } catch is CancellationError {
        // The server is stopping: the prompt ends where it is, as with a killed server.
        interrupted(at: node, in: &run)
        completed = false
        break
      } catch {
        failed(node, error, in: &run)
        completed = false
        break
      }
    }
    cache?.finishPrompt(signatures: signatures.values, fresh: fresh)
    if completed {
      addMessage(
        &run, "execution_success", ["prompt_id": run.promptID, "timestamp": MockMessage.timestamp])
    }
    let status: JSONValue = [
      "status_str": .string(completed ? "success" : "error"), "completed": .bool(completed),
      "messages": .array(run.messages),
    ]
    sessions.setExecuting(clientID: nil, node: nil)
    await queue.finish(item, outputs: run.outputs, status: status, meta: run.meta)
    if let client = run.client {
      sessions.send(
        MockMessage.make("executing", ["node": .null, "prompt_id": run.promptID]), to: client)
    }
  }

  private func interrupted(at node: ValidatedPrompt.Node, in run: inout Run) {
    let data: JSONValue = [
      "prompt_id": run.promptID, "node_id": .string(node.id),
      "node_type": .string(node.nodeClass.name),
      "executed": .array(run.executed.map { .string($0) }), "timestamp": MockMessage.timestamp,
    ]
    run.messages.append(["execution_interrupted", data])
    sessions.send(MockMessage.make("execution_interrupted", data), to: nil)
  }

  private func failed(_ node: ValidatedPrompt.Node, _ error: any Error, in run: inout Run) {
    let failure =
      error as? NodeRunFailure
      ?? NodeRunFailure(
        exceptionType: "RuntimeError", message: "\(error)",
        frame:
          "  File \"ComfyUI/execution.py\", line 277, in process_inputs\n    result = f(**inputs)\n"
      )
    var currentInputs = JSONObject()
    for (name, value) in node.inputs.members {
      if let link = PromptValidator.link(value),
        let source = run.values[link.node]?[safe: link.slot]
      {
        currentInputs[name] = [.string(Self.describe(source))]
      } else {
        currentInputs[name] = [value]
      }
    }
    addMessage(
      &run, "execution_error",
      [
        "prompt_id": run.promptID, "node_id": .string(node.id),
        "node_type": .string(node.nodeClass.name),
        "executed": .array(run.executed.map { .string($0) }),
        "exception_message": .string(failure.message),
        "exception_type": .string(failure.exceptionType),
        "traceback": [
          "  File \"ComfyUI/execution.py\", line 496, in execute\n",
          "  File \"ComfyUI/execution.py\", line 315, in get_output_data\n",
          "  File \"ComfyUI/execution.py\", line 289, in _async_map_node_over_list\n",
          .string(failure.frame),
        ],
        "current_inputs": .object(currentInputs),
        "current_outputs": .array(run.item.validated.nodes.keys.sorted().map { .string($0) }),
        "timestamp": MockMessage.timestamp,
      ])
  }

  /// How `current_inputs` shows a value: the real server prints the tensor; the mock its shape.
  private static func describe(_ value: NodeValue) -> String {
    switch value {
    case .image(let raster):
      "tensor(shape=[\(raster.batch), \(raster.height), \(raster.width), \(raster.channels)])"
    case .literal(let literal): PythonText.str(literal)
    case .opaque(let type): "<\(type)>"
    }
  }

  /// A cached output node does not run: it sends its `executed` again, with the files of the run that
  /// made them, and is marked finished.
  private func replay(_ hit: OutputCache.Entry, of node: ValidatedPrompt.Node, in run: inout Run) {
    if let output = hit.output { publish(output, of: node.id, in: &run) }
    finishProgress(&run, node: node.id)
  }

  /// Sends a node's `executed` message and puts its output in the prompt's history entry.
  private func publish(_ output: JSONValue, of node: String, in run: inout Run) {
    let nodeID: JSONValue = .string(node)
    run.outputs[node] = output
    run.meta[node] = [
      "node_id": nodeID, "display_node": nodeID, "parent_node": .null, "real_node_id": nodeID,
    ]
    if let client = run.client {
      sessions.send(
        MockMessage.make(
          "executed",
          ["node": nodeID, "display_node": nodeID, "output": output, "prompt_id": run.promptID]),
        to: client)
    }
  }

  private func checkInterrupt() throws(Interrupted) {
    if current.withLock({ $0?.interrupted ?? false }) { throw Interrupted() }
  }

  /// A sampler's step: the real sampler checks the interrupt flag at every one of its many steps,
  /// so the mock checks it every 20 ms of the step's time.
  private func samplingSleep(_ duration: Duration) async throws {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: duration)
    while clock.now < end {
      try checkInterrupt()
      try await clock.sleep(until: min(end, clock.now.advanced(by: .milliseconds(20))))
    }
    try checkInterrupt()
  }

  /// Runs one node for its scripted time; returns what the cache keeps of it.
  private func execute(_ node: ValidatedPrompt.Node, in run: inout Run) async throws
    -> OutputCache.Entry
  {
    try checkInterrupt()
    let nodeID: JSONValue = .string(node.id)
    startProgress(&run, node: node.id)
    if let client = run.client {
      sessions.setExecuting(clientID: client, node: node.id)
      sessions.send(
        MockMessage.make(
          "executing", ["node": nodeID, "display_node": nodeID, "prompt_id": run.promptID]),
        to: client)
    }
    var inputs: [String: NodeValue] = [:]
    for (name, value) in node.inputs.members {
      if let link = PromptValidator.link(value),
        let source = run.values[link.node]?[
          safe: link.slot < 0 ? link.slot + (run.values[link.node]?.count ?? 0) : link.slot]
      {
        inputs[name] = source
      }
    }
    let runTime = configuration.runTime(nodeID: node.id, classType: node.nodeClass.name)
    let images = node.nodeClass.declaredInputs.lazy.compactMap { inputs[$0.0]?.raster }.first
    switch node.nodeClass.behaviour {
    case .sampler where configuration.progressSteps > 0:
      let steps = configuration.progressSteps
      let size = images ?? NodeRunner.defaultRaster
      for step in 1...steps {
        try await samplingSleep(runTime / steps)
        let preview = PNGEncoder.gradient(
          width: min(size.width, 64), height: min(size.height, 64), seed: step)
        progress(&run, node: node.id, value: step, max: steps, preview: preview)
      }
    case .sendImages:
      try await Task.sleep(for: runTime)
      let raster = images ?? NodeRunner.defaultRaster
      for index in 0..<raster.batch {
        try checkInterrupt()
        progress(
          &run, node: node.id, value: index, max: raster.batch,
          preview: Self.render(raster, index: index, seed: run.item.promptID))
      }
    default:
      try await Task.sleep(for: runTime)
    }
    if configuration.fails(nodeID: node.id, classType: node.nodeClass.name) {
      throw ScriptedFailure(nodeID: node.id, classType: node.nodeClass.name)
    }
    let loaded = node.inputs["image"]?.stringValue.flatMap(store.inputImageSize).map {
      NodeValue.Raster(width: $0.width, height: $0.height, batch: 1)
    }
    let values = try NodeRunner.outputs(of: node, inputs: inputs, loadedImage: loaded)
    run.values[node.id] = values
    let output = try saveOutput(of: node, images: images, in: run)
    if let output { publish(output, of: node.id, in: &run) }
    run.executed.append(node.id)
    finishProgress(&run, node: node.id)
    return OutputCache.Entry(values: values, output: output)
  }

  /// Scripted failure of a node, reported as the real server reports a Python exception.
  struct ScriptedFailure: Error, CustomStringConvertible {
    let nodeID: String
    let classType: String
    var description: String {
      "Scripted failure of node \(nodeID) (\(classType)), set by --fail-node"
    }
  }

  /// The files an output node writes: one PNG per image of the batch, of the image's size.
  private func saveOutput(of node: ValidatedPrompt.Node, images: NodeValue.Raster?, in run: Run)
    throws -> JSONValue?
  {
    let type: String
    let prefix: String
    switch node.nodeClass.behaviour {
    case .saveImages:
      type = "output"
      prefix = node.inputs["filename_prefix"]?.stringValue ?? "ComfyUI"
    case .previewImages:
      type = "temp"
      prefix = Self.previewPrefix()
    case .generic where node.nodeClass.isOutputNode && images != nil:
      // A user's output node that takes images: saved like SaveImage when it names a prefix,
      // previewed otherwise.
      if let given = node.inputs["filename_prefix"]?.stringValue {
        (type, prefix) = ("output", given)
      } else {
        (type, prefix) = ("temp", Self.previewPrefix())
      }
    default: return nil
    }
    let raster = images ?? NodeRunner.defaultRaster
    let saved = try store.saveImages(count: raster.batch, prefix: prefix, type: type) { index in
      Self.render(raster, index: index, seed: run.item.promptID)
    }
    return ["images": .array(saved)]
  }

  /// `ComfyUI_temp_` and five random letters, as PreviewImage names its files.
  private static func previewPrefix() -> String {
    "ComfyUI_temp_" + String((0..<5).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement()! })
  }

  /// The largest image the mock writes at full size; a bigger one is written scaled down to this
  /// many pixels, keeping its aspect (uncompressed PNG of 16384² would be 800 MB).
  static let largestWrittenPixels = 4_194_304

  static func render(_ raster: NodeValue.Raster, index: Int, seed: String) -> [UInt8] {
    var (width, height) = (max(raster.width, 1), max(raster.height, 1))
    if width * height > largestWrittenPixels {
      let factor = (Double(largestWrittenPixels) / Double(width * height)).squareRoot()
      width = max(1, Int(Double(width) * factor))
      height = max(1, Int(Double(height) * factor))
    }
    return PNGEncoder.gradient(
      width: width, height: height, seed: seed.utf8.reduce(index) { $0 &+ Int($1) })
  }

  /// `execution_*` messages: recorded in the history always, sent only to the prompt's client.
  private func addMessage(_ run: inout Run, _ type: String, _ data: JSONValue) {
    run.messages.append([.string(type), data])
    if let client = run.client { sessions.send(MockMessage.make(type, data), to: client) }
  }

  private func progressEntry(
    _ run: Run, node: String, value: JSONValue, max: JSONValue, state: String
  )
    -> JSONValue
  {
    let nodeID: JSONValue = .string(node)
    return [
      "value": value, "max": max, "state": .string(state), "node_id": nodeID,
      "prompt_id": run.promptID, "display_node_id": nodeID, "parent_node_id": .null,
      "real_node_id": nodeID,
    ]
  }

  private func progressState(_ run: Run) -> JSONValue {
    MockMessage.make(
      "progress_state", ["prompt_id": run.promptID, "nodes": .object(run.progressNodes)])
  }

  /// `start_progress`: the node at 0.0 of 1.0 (floats), running.
  private func startProgress(_ run: inout Run, node: String) {
    run.progressNodes[node] = progressEntry(run, node: node, value: 0.0, max: 1.0, state: "running")
    sessions.send(progressState(run), to: run.client)
  }

  /// `finish_progress`: the node finished, its value set to its max.
  private func finishProgress(_ run: inout Run, node: String) {
    // A node that never started (a cached one) finishes at 1 of 1, integers, as the real server's.
    let max = run.progressNodes[node]?["max"] ?? 1
    run.progressNodes[node] = progressEntry(
      run, node: node, value: max, max: max, state: "finished")
    sessions.send(progressState(run), to: run.client)
  }

  /// One progress-bar update of a node, with its preview, in the order the real hooks send them.
  private func progress(_ run: inout Run, node: String, value: Int, max: Int, preview: [UInt8]) {
    run.progressNodes[node] = progressEntry(
      run, node: node, value: .int(value), max: .int(max), state: "running")
    sessions.sendProgressStep(
      progressState: progressState(run),
      progress: MockMessage.make(
        "progress",
        ["value": .int(value), "max": .int(max), "prompt_id": run.promptID, "node": .string(node)]),
      preview: preview, nodeID: node, promptID: run.item.promptID, to: run.client)
  }
}

extension Array {
  subscript(safe index: Int) -> Element? {
    indices.contains(index) ? self[index] : nil
  }
}
