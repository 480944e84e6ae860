import ChildProcess
import Foundation
import MockComfy
import Testing

/// The default text-to-image workflow in API format, as ComfyUI's websockets_api_example.py posts it.
func defaultWorkflow(seed: Int = 5, steps: Int = 20) -> JSONValue {
  [
    "3": [
      "class_type": "KSampler",
      "inputs": [
        "cfg": 8, "denoise": 1, "latent_image": ["5", 0], "model": ["4", 0], "negative": ["7", 0],
        "positive": ["6", 0],
        "sampler_name": "euler", "scheduler": "normal", "seed": .int(seed), "steps": .int(steps),
      ],
    ],
    "4": [
      "class_type": "CheckpointLoaderSimple",
      "inputs": ["ckpt_name": "v1-5-pruned-emaonly.safetensors"],
    ],
    "5": [
      "class_type": "EmptyLatentImage", "inputs": ["batch_size": 1, "height": 64, "width": 64],
    ],
    "6": [
      "class_type": "CLIPTextEncode",
      "inputs": ["clip": ["4", 1], "text": "masterpiece best quality man"],
    ],
    "7": ["class_type": "CLIPTextEncode", "inputs": ["clip": ["4", 1], "text": "bad hands"]],
    "8": ["class_type": "VAEDecode", "inputs": ["samples": ["3", 0], "vae": ["4", 2]]],
    "9": [
      "class_type": "SaveImage", "inputs": ["filename_prefix": "ComfyUI", "images": ["8", 0]],
    ],
  ]
}

/// Runs `body` against an in-process mock server, stopping it (and removing its files) whatever happens.
func withMockServer<T>(
  _ configuration: MockServerConfiguration = .init(
    nodeTime: .milliseconds(20), progressSteps: 2, statusInterval: nil),
  _ body: (Int) async throws -> T
) async throws -> T {
  let server = MockServer(configuration: configuration)
  let port = try await server.start()
  let sockets = OpenSockets()
  do {
    let result = try await OpenSockets.$current.withValue(sockets) { try await body(port) }
    await sockets.shutdownAll()
    await server.stop()
    return result
  } catch {
    await sockets.shutdownAll()
    await server.stop()
    throw error
  }
}

/// Runs `body` with a `faultline mock` child process, terminating and reaping it whatever happens.
func withMockProcess<T>(
  arguments: [String] = ["--node-time", "20ms", "--status-interval", "0"],
  _ body: (ManagedChild, Int) async throws -> T
) async throws -> T {
  let sockets = OpenSockets()
  // The test owns the output directory: a SIGKILLed server cannot remove its own.
  let outputs = try ScratchDirectory.create(prefix: "faultline-test")
  defer { try? FileManager.default.removeItem(at: outputs) }
  let child = try ManagedChild(
    executable: try FaultlineExecutable.url,
    arguments: ["mock", "--port", "0", "--exit-with-parent", "--output-directory", outputs.path]
      + arguments)
  do {
    let ready = try await child.waitForReadyLine(timeout: .seconds(20))
    let port = try #require(ready.integer("port"))
    let result = try await OpenSockets.$current.withValue(sockets) { try await body(child, port) }
    await sockets.shutdownAll()
    await child.terminate(grace: .seconds(3))
    return result
  } catch {
    await sockets.shutdownAll()
    await child.terminate(grace: .seconds(3))
    throw error
  }
}
