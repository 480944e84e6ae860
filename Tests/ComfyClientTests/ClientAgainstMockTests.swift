import FaultHarness
import MockComfy
import Testing

@testable import ComfyClient

/// The client against an in-process mock server: connecting, events, prompts, decoding.
@Suite struct ClientAgainstMockTests {
  @Test func connectReadsTheServerAndOpensTheSocketWithItsClientId() async throws {
    try await RestartableMock.with { mock in
      let configuration = ClientHarness.configuration(port: mock.port)
      try await ComfyClient.withClient(configuration) { client in
        let events = StreamTracker(client.events())
        let states = StreamTracker(client.stateChanges())
        let info = try await client.connect()
        #expect(info.comfyUIVersion != nil)
        #expect(info.supportsPreviewMetadata)
        #expect(client.connectionState == .connected)
        try await events.wait(for: "connected, then the first status") { events in
          events.first == .connected && events.contains { $0.isStatus }
        }
        try await events.wait(for: "the feature_flags answer") { events in
          events.contains { if case .featureFlags = $0.serverMessage { true } else { false } }
        }
        #expect(await client.sessionId == configuration.clientId)
        try await states.wait(for: "connecting, then connected") {
          $0 == [.disconnected, .connecting, .connected]
        }
        #expect(await client.validateConnection())
      }
    }
  }

  @Test func aPromptRunsFromSubmitToOutputsWithEveryMessageTypeDecoded() async throws {
    try await RestartableMock.with({ $0.progressSteps = 3 }) { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        let job = try await client.queue(try SampleWorkflows.textToImage(steps: 3))
        let progress = StreamTracker(job.progress)
        let result = try await job.result()

        #expect(result.promptId == job.promptId)
        #expect(result.source == .events)
        let images = try #require(result.outputs["9"])
        let first = try #require(images.first)
        #expect(images.allSatisfy { $0.type == "output" && !$0.filename.isEmpty })
        let png = try await client.imageData(first)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        await #expect(throws: ComfyClientError.self) {
          try await client.imageData(ImageRef(filename: "missing.png"))
        }

        try await progress.wait(for: "the progress stream to finish with the output") { steps in
          steps.contains(.started) && steps.contains(.output(node: "9", images: images))
        }
        #expect(progress.items.contains(.step(node: "3", value: 3, max: 3)))

        let doneMessage = ServerMessage.executing(
          ExecutingMessage(node: nil, displayNode: nil, promptId: job.promptId))
        let recorded = try await events.wait(for: "the end of the prompt in the events") {
          $0.contains(.message(doneMessage))
        }
        let messages = recorded.compactMap(\.serverMessage).filter {
          $0.promptId == job.promptId || $0.promptId == nil
        }
        func seen(_ name: String, _ matches: (ServerMessage) -> Bool) {
          let found = messages.contains(where: matches)
          #expect(found, "no \(name) message")
        }
        seen("status") { if case .status = $0 { true } else { false } }
        seen("execution_start") { if case .executionStart = $0 { true } else { false } }
        seen("execution_cached") { if case .executionCached = $0 { true } else { false } }
        seen("executing") { if case .executing(let m) = $0 { m.node == "3" } else { false } }
        seen("executing null") { if case .executing(let m) = $0 { m.node == nil } else { false } }
        seen("progress") { if case .progress(let m) = $0 { m.max == 3 } else { false } }
        seen("progress_state") { if case .progressState = $0 { true } else { false } }
        seen("executed") { if case .executed(let m) = $0 { m.images == images } else { false } }
        seen("execution_success") { if case .executionSuccess = $0 { true } else { false } }
        seen("preview with metadata") {
          if case .preview(let preview) = $0 {
            preview.metadata?.promptId == job.promptId && preview.format == .png
              && preview.bytes.starts(with: [0x89, 0x50, 0x4E, 0x47])
          } else {
            false
          }
        }
        #expect(!events.items.contains { if case .malformedMessage = $0 { true } else { false } })
      }
    }
  }

  @Test func withoutPreviewMetadataTheServerSendsPlainPreviews() async throws {
    try await RestartableMock.with { mock in
      var configuration = ClientHarness.configuration(port: mock.port)
      configuration.supportsPreviewMetadata = false
      try await ComfyClient.withClient(configuration) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        let job = try await client.queue(try SampleWorkflows.textToImage(steps: 2))
        _ = try await job.result()
        let done = ServerMessage.executing(
          ExecutingMessage(node: nil, displayNode: nil, promptId: job.promptId))
        let recorded = try await events.wait(for: "the end of the prompt in the events") {
          $0.contains(.message(done))
        }
        let previews = recorded.compactMap { event -> PreviewImage? in
          if case .preview(let preview) = event.serverMessage { preview } else { nil }
        }
        #expect(!previews.isEmpty)
        #expect(previews.allSatisfy { $0.metadata == nil && $0.format == .png })
      }
    }
  }

  /// The server's output cache answers a repeated prompt without running a node: the job must
  /// still complete, with the images the first run made.
  @Test func aPromptAnsweredFromTheServersCacheCompletesWithItsOutputs() async throws {
    try await RestartableMock.with { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        try await client.connect()
        let workflow = try SampleWorkflows.textToImage(steps: 1, seed: 7)
        let first = try await client.queue(workflow).result()
        let repeated = try await client.queue(workflow)
        let progress = StreamTracker(repeated.progress)
        let result = try await repeated.result()
        #expect(result.source == .events)
        #expect(result.outputs == first.outputs)
        let steps = try await progress.wait(for: "the output replayed") {
          $0.contains { if case .output = $0 { true } else { false } }
        }
        #expect(steps.contains(.cached(nodes: ["3", "4", "5", "6", "7", "8", "9"])))
        #expect(!steps.contains { if case .executing = $0 { true } else { false } })
      }
    }
  }

  @Test func aFailingNodeFailsTheJobWithTheServersMessage() async throws {
    try await RestartableMock.with({ $0.failingNodes = ["KSampler"] }) { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        try await client.connect()
        let job = try await client.queue(try SampleWorkflows.textToImage())
        do {
          _ = try await job.result()
          Issue.record("a prompt with a failing node succeeded")
        } catch let error as ComfyClientError {
          guard case .executionFailed(let promptId, let nodeId, let nodeType, _) = error else {
            Issue.record("unexpected error \(error)")
            return
          }
          #expect(promptId == job.promptId)
          #expect(nodeId == "3")
          #expect(nodeType == "KSampler")
        }
      }
    }
  }

  @Test func anInterruptedPromptFailsItsJob() async throws {
    try await RestartableMock.with({ $0.slowNodes = ["KSampler": .seconds(20)] }) { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        let job = try await SampleWorkflows.queueUntilTheSamplerRuns(on: client)
        try await client.interrupt(promptId: job.promptId)
        await #expect(
          throws: ComfyClientError.executionInterrupted(promptId: job.promptId, nodeId: "3")
        ) {
          try await job.result()
        }
        try await events.wait(for: "the execution_interrupted message") { events in
          events.contains {
            if case .executionInterrupted(let m) = $0.serverMessage {
              m.promptId == job.promptId && m.nodeType == "KSampler"
            } else {
              false
            }
          }
        }
      }
    }
  }

  @Test func aGraphWithoutOutputIsRejectedWithTheServersErrorType() async throws {
    try await RestartableMock.with { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        try await client.connect()
        do {
          _ = try await client.queue(try Workflows.withoutOutput())
          Issue.record("a graph without an output node was accepted")
        } catch let error as ComfyClientError {
          guard case .promptRejected(let type, _, _) = error else {
            Issue.record("unexpected error \(error)")
            return
          }
          #expect(type == "prompt_no_outputs")
        }
      }
    }
  }

  @Test func severalSubscribersEachSeeEveryEvent() async throws {
    try await RestartableMock.with { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        let first = StreamTracker(client.events())
        let second = StreamTracker(client.events())
        try await client.connect()
        _ = try await client.queue(try SampleWorkflows.textToImage(steps: 1)).result()
        let snapshot = try await first.wait(for: "the prompt's end") { events in
          events.contains { if case .executionSuccess = $0.serverMessage { true } else { false } }
        }
        try await second.wait(for: "as many events as the first subscriber") {
          $0.count >= snapshot.count
        }
        #expect(Array(second.items.prefix(snapshot.count)) == snapshot)
      }
    }
  }
}
