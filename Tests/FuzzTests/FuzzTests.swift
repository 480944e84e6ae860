import FaultProfiles
import FaultlineJSON
import Foundation
import Testing

@testable import MockComfy
@testable import ProxyControl

/// Mutation fuzzing of the three parsers that take outside input: profiles, the control API's request
/// bodies and the mock's `/prompt`. No input may crash or hang them, and every rejection must say what
/// is wrong. The default suite runs 2,000 inputs each; `FAULTLINE_FUZZ_INPUTS` sets more (Fuzz/README.md).
@Suite struct FuzzTests {
  /// An input slower than this counts as a hang: far above any parse here (microseconds), so that
  /// a loaded machine descheduling the test for a moment is not taken for one.
  static let hang = Duration.seconds(5)

  @Test func profileParserRejectsEveryBadInputWithItsLocation() async throws {
    let dictionary = [
      "faults:", "timeline:", "- type: ", "latency", "loss", "slicer", "bandwidth", "at: ",
      "duration: ", "250ms", "1s", "2%", "rate: ", "jitter: ", "name: ", "stream: both", "&a", "*a",
      "!!binary", "? ", "\n  ", "---", "%YAML 1.2", "{", "}", "[", "]", ": ", "\"", "'", "#",
    ]
    let run = await FuzzRun.run(corpus: try FuzzRun.corpus("profile"), dictionary: dictionary) {
      input -> (accepted: Bool, problem: String?) in
      let started = ContinuousClock.now
      do throws(ProfileError) {
        _ = try ProfileLoader.parse(yaml: String(decoding: input, as: UTF8.self), file: "fuzz.yaml")
        return (true, Self.slow(since: started))
      } catch {
        let text = error.description
        let clear = text.hasPrefix("fuzz.yaml") && !error.message.isEmpty
        return (false, clear ? Self.slow(since: started) : "unclear error \"\(text)\"")
      }
    }
    print(run.summary("profile"))
    #expect(run.problems.isEmpty, "\(run.problems)")
    #expect(run.rejected > 0 && run.accepted > 0)
  }

  @Test func controlAPIBodiesAreRefusedWithAMessage() async throws {
    let dictionary = [
      "\"type\"", "\"attributes\"", "\"stream\"", "\"toxicity\"", "\"latency\"", "\"rate\"",
      "\"listen\"", "\"upstream\"", "\"enabled\"", "\"name\"", "\"downstream\"", "\"upstream\"",
      "\"127.0.0.1:0\"", "\"[::1]:0\"", ":", ",", "{", "}", "[", "]", "\"\\u0000\"", "1e999", "-5",
    ]
    let run = await FuzzRun.run(corpus: try FuzzRun.corpus("control"), dictionary: dictionary) {
      input -> (accepted: Bool, problem: String?) in
      let started = ContinuousClock.now
      // As the server reads a body: a JSON decoding failure is a 400 with the decoder's reason.
      guard let body = try? JSONDecoder().decode(FaultlineJSON.JSONValue.self, from: Data(input))
      else {
        return (false, Self.slow(since: started))
      }
      let outcome = Self.parseControl(body)
      if let problem = outcome.problem { return (false, problem) }
      let accepted = outcome.accepted
      return (accepted, Self.slow(since: started))
    }
    print(run.summary("control"))
    #expect(run.problems.isEmpty, "\(run.problems)")
    #expect(run.rejected > 0 && run.accepted > 0)
  }

  /// The request handlers' parsing steps (a new toxic, an update of a latency toxic, a new proxy, a
  /// proxy list for /populate): whether any accepted the body, and a refusal without a message.
  static func parseControl(_ body: FaultlineJSON.JSONValue) -> (accepted: Bool, problem: String?) {
    var accepted = false
    var problem: String?
    func refused(_ error: ControlError) {
      if error.message.isEmpty { problem = "empty message for \(error.status.code)" }
    }
    do throws(ControlError) {
      _ = try ToxicRequest.create(from: body)
      accepted = true
    } catch { refused(error) }
    do throws(ControlError) {
      let latency = FaultlineJSON.JSONValue.object([
        "type": .string("latency"), "attributes": .object(["latency": .number(10)]),
      ])
      _ = try ToxicRequest.update(
        try ToxicRequest.create(from: latency), body: body)
      accepted = true
    } catch { refused(error) }
    do throws(ControlError) {
      _ = try ProxyRequest(body)
      accepted = true
    } catch { refused(error) }
    do throws(ControlError) {
      _ = try ProxyDirectory.parsePopulate(body)
      accepted = true
    } catch { refused(error) }
    return (accepted, problem)
  }

  @Test func promptValidationAnswersEveryBadGraphWithAMessage() async throws {
    let dictionary = [
      "\"class_type\"", "\"inputs\"", "\"KSampler\"", "\"SaveImage\"", "\"CheckpointLoaderSimple\"",
      "\"EmptyLatentImage\"", "[\"4\", 0]", "[\"99\", 7]", "\"steps\"", "\"seed\"", "\"cfg\"",
      "\"denoise\"", "\"width\"", "\"prompt\"", ":", ",", "{", "}", "[", "]", "-1", "1e308", "\"\"",
    ]
    let validator = PromptValidator(catalog: .builtIn, inputFileExists: { _ in false })
    let run = await FuzzRun.run(corpus: try FuzzRun.corpus("prompt"), dictionary: dictionary) {
      input -> (accepted: Bool, problem: String?) in
      let started = ContinuousClock.now
      guard let body = try? JSONValue.parse(input) else {
        return (false, Self.slow(since: started))
      }
      // The route takes `prompt` from the request; a bare graph is tried as one too.
      switch validator.validate(body["prompt"] ?? body) {
      case .success: return (true, Self.slow(since: started))
      case .failure(.refused(let error, _)):
        let message = error["message"]?.stringValue ?? ""
        return (false, message.isEmpty ? "no message in \(error)" : Self.slow(since: started))
      case .failure(.serverError):
        // What ComfyUI answers with HTTP 500 and Python's exception text (a graph that is not an
        // object, a node that is not one): the route says so, as the real server does.
        return (false, Self.slow(since: started))
      }
    }
    print(run.summary("prompt"))
    #expect(run.problems.isEmpty, "\(run.problems)")
    #expect(run.rejected > 0 && run.accepted > 0)
  }

  /// A problem when the input took longer than `hang`.
  static func slow(since start: ContinuousClock.Instant) -> String? {
    let taken = ContinuousClock.now - start
    return taken > hang ? "took \(taken)" : nil
  }
}
