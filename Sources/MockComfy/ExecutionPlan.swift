/// The order in which a prompt's nodes run, as ComfyUI's `ExecutionList` stages them: the nodes the
/// outputs need (not those served from the cache), each once all of its inputs are done, preferring an
/// output node, then a node feeding one, then a node two links away from one (`ux_friendly_pick_node`).
struct ExecutionPlan {
  let nodes: [String: ValidatedPrompt.Node]
  /// Node ids in the order the outputs' walk first reached them.
  private(set) var pending: [String] = []
  private var done: Set<String>
  /// For each node, the nodes that take one of its outputs.
  private var blocking: [String: [String]] = [:]

  /// `cached`: nodes served from the cache. A cached output node is still visited (it replays its
  /// `executed`); a cached inner node is not.
  init(prompt: ValidatedPrompt, cached: Set<String>) {
    nodes = prompt.nodes
    done = []
    var seen: Set<String> = []
    for output in prompt.outputs { visit(output, cached: cached, seen: &seen, isOutput: true) }
  }

  private mutating func visit(
    _ id: String, cached: Set<String>, seen: inout Set<String>, isOutput: Bool
  ) {
    guard seen.insert(id).inserted, let node = nodes[id] else { return }
    pending.append(id)
    if cached.contains(id) { return }
    for (_, value) in node.inputs.members {
      guard let link = PromptValidator.link(value), nodes[link.node] != nil else { continue }
      blocking[link.node, default: []].append(id)
      if cached.contains(link.node) && !(nodes[link.node]?.nodeClass.isOutputNode ?? false) {
        continue
      }
      visit(link.node, cached: cached, seen: &seen, isOutput: false)
    }
  }

  /// The next node to run, or nil when every pending node has run.
  mutating func next() -> String? {
    let ready = pending.filter { id in
      !done.contains(id)
        && (nodes[id]?.inputs.members ?? []).allSatisfy { _, value in
          guard let link = PromptValidator.link(value), pending.contains(link.node) else {
            return true
          }
          return done.contains(link.node)
        }
    }
    guard let first = ready.first else { return nil }
    func isOutput(_ id: String) -> Bool { nodes[id]?.nodeClass.isOutputNode ?? false }
    let pick =
      ready.first(where: isOutput)
      ?? ready.first { (blocking[$0] ?? []).contains(where: isOutput) }
      ?? ready.first {
        (blocking[$0] ?? []).contains { (blocking[$0] ?? []).contains(where: isOutput) }
      }
      ?? first
    done.insert(pick)
    return pick
  }
}
