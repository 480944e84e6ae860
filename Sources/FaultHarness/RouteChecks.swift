/// The HTTP routes of the ComfyUI protocol, each asked once and checked for its status and the
/// shape of its answer (see docs of `reference/comfyui-protocol.md`).
enum RouteChecks {
  private struct Check: Sendable {
    let method: String
    let path: String
    let body: String?
    let status: Int
    /// What the answer must contain besides the status, in words and as a test.
    let expectation: String
    let holds: @Sendable (HTTPProbe.Response) -> Bool
  }

  private static let graph = "{\"prompt\": \(SampleWorkflows.textToImageJSON())}"

  private static let checks: [Check] = [
    Check(method: "GET", path: "/prompt", body: nil, status: 200, expectation: "exec_info") {
      $0.object?["exec_info"] != nil
    },
    Check(method: "GET", path: "/api/prompt", body: nil, status: 200, expectation: "exec_info") {
      $0.object?["exec_info"] != nil
    },
    Check(method: "POST", path: "/prompt", body: graph, status: 200, expectation: "a prompt_id") {
      $0.object?["prompt_id"] is String
    },
    Check(method: "POST", path: "/prompt", body: "{}", status: 400, expectation: "error no_prompt")
    {
      ($0.object?["error"] as? [String: Any])?["type"] as? String == "no_prompt"
    },
    Check(method: "GET", path: "/queue", body: nil, status: 200, expectation: "queue_running") {
      $0.object?["queue_running"] is [Any]
    },
    Check(method: "POST", path: "/queue", body: #"{"clear": false}"#, status: 200, expectation: "")
    { _ in true },
    Check(
      method: "GET", path: "/history?max_items=5", body: nil, status: 200, expectation: "an object"
    ) { $0.object != nil },
    Check(
      method: "GET", path: "/history/00000000-0000-0000-0000-000000000000", body: nil, status: 200,
      expectation: "{}"
    ) { $0.object?.isEmpty == true },
    Check(
      method: "POST", path: "/history", body: #"{"clear": false}"#, status: 200, expectation: ""
    ) { _ in true },
    Check(
      method: "GET", path: "/system_stats", body: nil, status: 200, expectation: "system, devices"
    ) { $0.object?["system"] != nil && $0.object?["devices"] is [Any] },
    Check(method: "GET", path: "/object_info", body: nil, status: 200, expectation: "KSampler") {
      $0.object?["KSampler"] != nil
    },
    Check(
      method: "GET", path: "/object_info/KSampler", body: nil, status: 200, expectation: "KSampler"
    ) { $0.object?["KSampler"] != nil },
    Check(method: "GET", path: "/embeddings", body: nil, status: 200, expectation: "a list") {
      $0.json is [Any]
    },
    Check(method: "GET", path: "/extensions", body: nil, status: 200, expectation: "a list") {
      $0.json is [Any]
    },
    Check(
      method: "GET", path: "/features", body: nil, status: 200,
      expectation: "supports_preview_metadata"
    ) { $0.object?["supports_preview_metadata"] != nil },
    Check(method: "GET", path: "/view?filename=", body: nil, status: 400, expectation: "") { _ in
      true
    },
    Check(method: "POST", path: "/interrupt", body: "{}", status: 200, expectation: "") { _ in true
    },
    Check(
      method: "POST", path: "/free", body: #"{"free_memory": false}"#, status: 200, expectation: ""
    ) { _ in true },
    Check(method: "GET", path: "/no-such-route", body: nil, status: 404, expectation: "") { _ in
      true
    },
  ]

  /// Asks every route of the server on `port` and records one step for all of them.
  static func run(port: Int, _ steps: StepLog) async {
    var failures: [String] = []
    for check in checks {
      let label = "\(check.method) \(check.path)"
      do {
        let answer = try await HTTPProbe.request(
          check.method, check.path, port: port, json: check.body)
        if answer.status != check.status {
          failures.append("\(label): HTTP \(answer.status), expected \(check.status)")
        } else if !check.holds(answer) {
          failures.append(
            "\(label): answer lacks \(check.expectation): \(String(decoding: answer.body.prefix(200), as: UTF8.self))"
          )
        }
      } catch {
        failures.append("\(error)")
      }
    }
    steps.check(
      "every HTTP route answers as ComfyUI does (\(checks.count) requests)", failures.isEmpty,
      failures.isEmpty ? "all \(checks.count) as expected" : failures.joined(separator: "; "))
  }
}
