import ComfyClient
import Foundation

/// Prompt graphs in ComfyUI's API format that the mock server runs.
public enum SampleWorkflows {
  /// ComfyUI's default text-to-image graph; node 3 is the sampler, node 9 (SaveImage) the output.
  /// The seed is new each time unless given, as the real UI randomizes it, so that the server's
  /// output cache never answers a prompt meant to run.
  public static func textToImage(steps: Int = 4, seed: Int = randomSeed()) throws -> JSONValue {
    try JSONDecoder().decode(
      JSONValue.self, from: Data(textToImageJSON(steps: steps, seed: seed).utf8))
  }

  /// `textToImage` as JSON text, for clients that build their own requests.
  public static func textToImageJSON(steps: Int = 4, seed: Int = randomSeed()) -> String {
    """
    {
      "3": {"class_type": "KSampler", "inputs": {"seed": \(seed), "steps": \(steps), "cfg": 8,
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

  /// A sampler seed in the range the real UI draws from.
  public static func randomSeed() -> Int { Int.random(in: 0...Int(UInt32.max)) }

  /// The node id of the sampler in `textToImage`, whose `executing` message says the prompt runs.
  public static let samplerNode = "3"
  /// The node id of the output node in `textToImage`.
  public static let outputNode = "9"

  /// Queues `textToImage` on `client` and returns its job once the sampler runs, so that a fault
  /// injected next hits a prompt in flight.
  public static func queueUntilTheSamplerRuns(on client: ComfyClient) async throws -> ComfyJob {
    let job = try await client.queue(try textToImage())
    let progress = StreamTracker(job.progress)
    try await progress.waitForItem("the prompt's sampler running") {
      $0.shows(running: samplerNode)
    }
    return job
  }
}
