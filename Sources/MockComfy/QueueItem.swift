/// One queued prompt: `[number, prompt_id, prompt, extra_data, outputs_to_execute]` in the real server.
struct QueueItem: Sendable {
  let number: JSONValue
  let promptID: String
  let prompt: JSONValue
  let extraData: JSONObject
  let validated: ValidatedPrompt
  /// Order of arrival, the tie-breaker among equal numbers (Python's heap compares the next tuple field).
  let sequence: Int

  var clientID: String? { extraData["client_id"]?.stringValue }

  var json: JSONValue {
    [
      number, .string(promptID), prompt, .object(extraData),
      .array(validated.outputs.map { .string($0) }),
    ]
  }

  func runsBefore(_ other: QueueItem) -> Bool {
    let mine = number.doubleValue ?? 0
    let theirs = other.number.doubleValue ?? 0
    return mine != theirs ? mine < theirs : sequence < other.sequence
  }
}
