import ComfyClient
import Foundation

extension ComfyClientConfiguration {
  /// A client that notices failures and comes back fast, for tests and recovery measurements:
  /// pings every 250 ms (a dead peer is noticed within half a second), 1.5 s of silence ends a
  /// session (keep the mock's status interval well below that), backoff from 100 ms to 1 s.
  public static func fastRecovery(
    baseURL: URL,
    autoReconnect: Bool = true,
    maxAttempts: Int? = nil,
    pingInterval: Duration? = .milliseconds(250),
    silenceTimeout: Duration? = .milliseconds(1500),
    baseDelay: Duration = .milliseconds(100),
    maxDelay: Duration = .seconds(1)
  ) -> ComfyClientConfiguration {
    ComfyClientConfiguration(
      baseURL: baseURL,
      autoReconnect: autoReconnect,
      reconnectPolicy: ReconnectPolicy(
        maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: maxDelay, jitter: 0.2),
      liveness: .init(
        pingInterval: pingInterval, silenceTimeout: silenceTimeout,
        connectTimeout: .seconds(1), closeTimeout: .milliseconds(500)),
      healthCheck: .init(attempts: 3, delay: .milliseconds(100)),
      requestTimeout: .seconds(2)
    )
  }
}

/// Creates a client, runs `body`, and destroys the client whether `body` returned or threw (a
/// client that is not destroyed keeps sockets and tasks alive).
public func withClient<Result: Sendable>(
  _ configuration: ComfyClientConfiguration,
  onReconnectionFailed: (@Sendable (_ attempts: Int) -> Void)? = nil,
  _ body: (ComfyClient) async throws -> Result
) async throws -> Result {
  let client = try ComfyClient(
    configuration: configuration, onReconnectionFailed: onReconnectionFailed)
  do {
    let result = try await body(client)
    await client.destroy()
    return result
  } catch {
    await client.destroy()
    throw error
  }
}

/// Prompt graphs in ComfyUI's API format that the mock server runs.
public enum SampleWorkflows {
  /// ComfyUI's default text-to-image graph; node 3 is the sampler, node 9 (SaveImage) the output.
  public static func textToImage(steps: Int = 4) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(textToImageJSON(steps: steps).utf8))
  }

  /// `textToImage` as JSON text, for clients that build their own requests.
  public static func textToImageJSON(steps: Int = 4) -> String {
    """
    {
      "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": \(steps), "cfg": 8,
            "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0],
            "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse in a storm", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
      "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
    }
    """
  }

  /// The node id of the sampler in `textToImage`, whose `executing` message says the prompt runs.
  public static let samplerNode = "3"
  /// The node id of the output node in `textToImage`.
  public static let outputNode = "9"
}
