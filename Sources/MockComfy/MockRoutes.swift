import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The HTTP routes of the mock, registered once at the root and once under `/api`, as the real server does.
struct MockRoutes: Sendable {
  typealias Context = MockRequestContext

  let configuration: MockServerConfiguration
  let queue: PromptQueue
  let executor: PromptExecutor
  let store: OutputStore
  let startedAt = Date()

  func register(on router: some RouterMethods<Context>) {
    router.get("prompt") { _, _ in await queueInfo() }
    router.post("prompt") { request, _ in try await postPrompt(request) }
    router.get("queue") { _, _ in HTTPReplies.json(await queue.queueSnapshot()) }
    router.post("queue") { request, _ in try await postQueue(request) }
    router.get("history") { request, _ in
      let query = request.uri.queryParameters
      // The handler's `int()` of a value that is not an integer raises: aiohttp's 500.
      guard let maxItems = Self.queryInt(query.get("max_items")),
        let offset = Self.queryInt(query.get("offset"))
      else { return HTTPReplies.internalServerError() }
      return HTTPReplies.json(await queue.history(maxItems: maxItems, offset: offset))
    }
    router.get("history/:prompt_id") { _, context in
      HTTPReplies.json(await queue.history(promptID: context.parameters.get("prompt_id") ?? ""))
    }
    router.post("history") { request, _ in try await postHistory(request) }
    router.get("system_stats") { _, _ in HTTPReplies.json(systemStats()) }
    router.get("object_info") { _, _ in
      HTTPReplies.json(configuration.nodes.objectInfo(inputImages: store.inputImages()))
    }
    router.get("object_info/:node_class") { _, context in
      let name = context.parameters.get("node_class") ?? ""
      guard let nodeClass = configuration.nodes[name] else { return HTTPReplies.json([:]) }
      return HTTPReplies.json([
        name: NodeCatalog.objectInfo(of: nodeClass, inputImages: store.inputImages())
      ])
    }
    router.get("embeddings") { _, _ in HTTPReplies.json([]) }
    router.get("extensions") { _, _ in HTTPReplies.json([]) }
    router.get("features") { _, _ in
      HTTPReplies.json([
        "supports_preview_metadata": true, "max_upload_size": .int(configuration.maxUploadSize),
      ])
    }
    router.get("view") { request, _ in try await view(request) }
    router.post("upload/image") { request, _ in try await upload(request) }
    router.post("interrupt") { request, _ in
      let body = try await HTTPReplies.jsonBody(of: request, limit: 1 << 20)
      executor.interrupt(promptID: (try? body.get())?["prompt_id"]?.stringValue)
      return HTTPReplies.empty()
    }
    router.post("free") { request, _ in try await postFree(request) }
  }

  /// `GET /`: the real server serves its web frontend; the mock a page saying what it is.
  func registerRoot(on router: some RouterMethods<Context>) {
    router.get("/") { _, _ in
      Response(
        status: .ok, headers: [.contentType: "text/html"],
        body: .init(
          byteBuffer: ByteBuffer(
            string:
              "<!DOCTYPE html>\n<html><head><title>ComfyUI</title></head><body>Faultline mock of ComfyUI 0.3.64: no web frontend.</body></html>\n"
          )))
    }
  }

  /// `POST /free`: `free_memory` empties the output cache, so the next prompt runs every node again;
  /// `unload_models` has nothing to unload in the mock.
  private func postFree(_ request: Request) async throws -> Response {
    let buffer = try await request.body.collect(upTo: 1 << 20)
    // aiohttp's `request.json()` raises on a body that is not JSON, an empty one too, and
    // `json_data.get` on anything but an object: the handler fails with 500.
    guard let body = try? JSONValue.parse(Array(buffer.readableBytesView)), case .object = body
    else { return HTTPReplies.internalServerError() }
    if body["free_memory"]?.isTruthy ?? false { executor.freeMemory() }
    return HTTPReplies.empty()
  }

  /// Python's `int()` of an optional query parameter: `.some(nil)` when absent, nil when it raises.
  private static func queryInt(_ text: String?) -> Int?? {
    guard let text else { return .some(nil) }
    guard case .success(let value) = PythonText.int(.string(text)), let number = value.intValue
    else { return nil }
    return .some(number)
  }

  private func queueInfo() async -> Response {
    HTTPReplies.json(["exec_info": ["queue_remaining": .int(await queue.remaining)]])
  }

  private func postPrompt(_ request: Request) async throws -> Response {
    let buffer = try await request.body.collect(upTo: configuration.maxUploadSize)
    // aiohttp's `request.json()` raises on an empty or malformed body, and the handler with it: 500.
    guard let body = try? JSONValue.parse(Array(buffer.readableBytesView)) else {
      return HTTPReplies.internalServerError()
    }
    switch body {
    case .object, .array, .string: break
    // `"prompt" in json_data` raises on a number, true or null.
    default: return HTTPReplies.internalServerError()
    }
    let number = await queue.assignNumber(
      given: body["number"], front: body["front"]?.isTruthy ?? false)
    guard let prompt = body["prompt"] else {
      let error = PromptValidationFailure.error(
        type: "no_prompt", message: "No prompt provided", details: "No prompt provided")
      return HTTPReplies.json(["error": error, "node_errors": [:]], status: .badRequest)
    }
    // 0.3.64 takes any given id as `str(json_data.get("prompt_id", uuid.uuid4()))`: no UUID check.
    let promptID = body["prompt_id"].map(PythonText.str) ?? UUID().uuidString.lowercased()
    let validator = PromptValidator(
      catalog: configuration.nodes, inputFileExists: { [store] in store.inputFile($0) != nil })
    switch validator.validate(prompt) {
    case .failure(.serverError):
      return HTTPReplies.internalServerError()
    case .failure(.refused(let error, let nodeErrors)):
      return HTTPReplies.json(["error": error, "node_errors": nodeErrors], status: .badRequest)
    case .success(let validated):
      var extraData = body["extra_data"]?.orderedObject ?? [:]
      if let clientID = body["client_id"] { extraData["client_id"] = clientID }
      await queue.put(
        number: number, promptID: promptID, prompt: prompt, extraData: extraData,
        validated: validated)
      // Outputs that failed are named in node_errors; the others run.
      return HTTPReplies.json([
        "prompt_id": .string(promptID), "number": number,
        "node_errors": .object(validated.nodeErrors),
      ])
    }
  }

  private func postQueue(_ request: Request) async throws -> Response {
    guard case .success(let body) = try await HTTPReplies.jsonBody(of: request, limit: 1 << 20)
    else {
      return HTTPReplies.empty(.badRequest)
    }
    if body["clear"]?.isTruthy == true { await queue.clearPending() }
    if let ids = body["delete"]?.arrayValue {
      await queue.deletePending(ids.compactMap(\.stringValue))
    }
    return HTTPReplies.empty()
  }

  private func postHistory(_ request: Request) async throws -> Response {
    guard case .success(let body) = try await HTTPReplies.jsonBody(of: request, limit: 1 << 20)
    else {
      return HTTPReplies.empty(.badRequest)
    }
    if body["clear"]?.isTruthy == true { await queue.clearHistory() }
    if let ids = body["delete"]?.arrayValue {
      await queue.deleteHistory(ids.compactMap(\.stringValue))
    }
    return HTTPReplies.empty()
  }

  private func view(_ request: Request) async throws -> Response {
    let query = request.uri.queryParameters
    let result = store.resolveView(
      filename: query.get("filename"), type: query.get("type"), subfolder: query.get("subfolder"))
    switch result {
    case .badRequest: return HTTPReplies.empty(.badRequest)
    case .forbidden: return HTTPReplies.empty(.forbidden)
    case .notFound: return HTTPReplies.empty(.notFound)
    case .file(let url):
      let data = try Data(contentsOf: url)
      let contentType =
        url.pathExtension.lowercased() == "png" ? "image/png" : "application/octet-stream"
      return Response(
        status: .ok,
        headers: [
          .contentType: contentType, .contentDisposition: "filename=\"\(url.lastPathComponent)\"",
        ],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
  }

  private func upload(_ request: Request) async throws -> Response {
    let buffer = try await request.body.collect(upTo: configuration.maxUploadSize)
    guard
      let form = MultipartForm(
        body: Array(buffer.readableBytesView), contentType: request.headers[.contentType] ?? ""),
      let image = form.file("image"), let filename = image.filename, !filename.isEmpty
    else { return HTTPReplies.empty(.badRequest) }
    let type =
      form.field("type").flatMap { OutputStore.directoryTypes.contains($0) ? $0 : nil } ?? "input"
    let overwrite = form.field("overwrite").map { $0 == "true" || $0 == "1" } ?? false
    guard
      let answer = try store.saveUpload(
        data: image.data, filename: filename, type: type, subfolder: form.field("subfolder") ?? "",
        overwrite: overwrite)
    else { return HTTPReplies.empty(.badRequest) }
    return HTTPReplies.json(answer)
  }

  private func systemStats() -> JSONValue {
    let memory = ProcessInfo.processInfo.physicalMemory
    return [
      "system": [
        "os": "posix", "ram_total": .int(Int(memory)), "ram_free": .int(Int(memory / 2)),
        "comfyui_version": "0.3.64", "required_frontend_version": "1.27.10",
        "installed_templates_version": "0.1.95", "required_templates_version": "0.1.95",
        "python_version": "3.11.7 (main, faultline mock) [GCC 12.2.0]",
        "pytorch_version": "2.8.0+cpu",
        "embedded_python": false,
        "argv": [
          "main.py", "--cpu", "--listen", .string(configuration.host), "--port",
          .string(String(configuration.port)),
        ],
      ],
      "devices": [
        [
          "name": "cpu", "type": "cpu", "index": .null, "vram_total": .int(Int(memory)),
          "vram_free": .int(Int(memory / 2)),
          "torch_vram_total": .int(Int(memory)), "torch_vram_free": .int(Int(memory / 2)),
        ]
      ],
    ]
  }
}
