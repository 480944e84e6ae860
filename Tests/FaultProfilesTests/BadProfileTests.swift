import FaultProfiles
import FaultProxy
import Testing

/// One bad fixture and the error it must produce first.
struct ExpectedError: CustomTestStringConvertible, Sendable {
  let fixture: String
  let line: Int
  let column: Int
  let field: String
  /// Parts the message must contain (the found value, the expectation, the hint).
  let mentions: [String]

  var testDescription: String { fixture }
}

@Suite("Bad profiles are rejected with file, line and field")
struct BadProfileTests {
  static let cases: [ExpectedError] = [
    .init(
      fixture: "unknown-type.yaml", line: 6, column: 5, field: "faults[1].type",
      mentions: [
        "\"latncy\"", "did you mean \"latency\"",
        "valid types: " + FaultCatalog.names.joined(separator: ", "),
      ]),
    .init(
      fixture: "unknown-field.yaml", line: 6, column: 5, field: "faults[0].jiter",
      mentions: ["unknown field \"jiter\" for a latency fault", "did you mean \"jitter\""]),
    .init(
      fixture: "malformed-duration.yaml", line: 12, column: 5, field: "faults[2].jitter",
      mentions: ["expected a duration with a unit such as 250ms or 2s, got \"abc\""]),
    .init(
      fixture: "negative-duration.yaml", line: 5, column: 5, field: "faults[0].latency",
      mentions: ["negative", "\"-5ms\""]),
    .init(
      fixture: "bare-number-duration.yaml", line: 5, column: 5, field: "faults[0].delay",
      mentions: ["bare number \"250\"", "add a unit, e.g. 250ms"]),
    .init(
      fixture: "probability-out-of-range.yaml", line: 6, column: 5, field: "faults[0].toxicity",
      mentions: ["\"25\"", "outside 0...1", "did you mean 25%?"]),
    .init(
      fixture: "overlapping-phases.yaml", line: 8, column: 5, field: "timeline[1].at",
      mentions: ["timeline[1] (at 8s) overlaps timeline[0] (at 5s for 5s, until 10s)"]),
    .init(
      fixture: "open-ended-phase-overlap.yaml", line: 7, column: 5, field: "timeline[1].at",
      mentions: ["timeline[0]", "no duration", "at most 58s"]),
    .init(
      fixture: "phases-out-of-order.yaml", line: 7, column: 5, field: "timeline[1].at",
      mentions: ["out of order", "timeline[1] starts at 1.5s", "timeline[0] at 20s"]),
    .init(
      fixture: "unknown-unit.yaml", line: 6, column: 5, field: "faults[0].rate",
      mentions: ["\"Mbps\"", "Mbit/s", "MB/s"]),
    .init(
      fixture: "missing-required.yaml", line: 1, column: 1, field: "description",
      mentions: ["missing required field \"description\""]),
    .init(
      fixture: "wrong-yaml-type.yaml", line: 4, column: 3, field: "faults",
      mentions: ["expected a list of faults", "got a mapping"]),
    .init(
      fixture: "duplicate-names.yaml", line: 8, column: 5, field: "faults[2]",
      mentions: ["duplicate fault name \"latency_both\"", "faults[0] has the same name"]),
    .init(
      fixture: "phase-name-clash.yaml", line: 12, column: 9, field: "timeline[0].faults[0].name",
      mentions: ["duplicate fault name \"delay\"", "faults[0]", "active at the same time"]),
    .init(
      fixture: "reset-without-trigger.yaml", line: 4, column: 5, field: "faults[0]",
      mentions: ["\"after\", \"after_bytes\"", "after: 0s"]),
    .init(
      fixture: "gilbert-elliott-with-rate.yaml", line: 8, column: 5, field: "faults[0].rate",
      mentions: ["\"rate\" applies only with model: independent"]),
    .init(
      fixture: "unknown-congestion.yaml", line: 6, column: 5, field: "faults[0].congestion",
      mentions: ["expected one of cubic, reno, none", "\"cubik\"", "did you mean \"cubic\""]),
    .init(
      fixture: "unknown-top-level-field.yaml", line: 1, column: 1, field: "description",
      mentions: ["missing required field \"description\""]),
  ]

  @Test("first error names the file, line, column and field", arguments: cases)
  func firstError(_ expected: ExpectedError) throws {
    let path = RepositoryPaths.badFixture(expected.fixture)
    let error = try #require(throws: ProfileError.self) { try ProfileLoader.load(contentsOf: path) }
    #expect(error.file == path)
    #expect(error.line == expected.line)
    #expect(error.column == expected.column)
    #expect(error.field == expected.field)
    for fragment in expected.mentions {
      #expect(error.message.contains(fragment), "message: \(error.message)")
    }
    #expect(
      error.description.hasPrefix(
        "\(path):\(expected.line):\(expected.column): \(expected.field): "))
  }

  @Test("the description reads file:line:column: field: message")
  func descriptionFormat() throws {
    let path = RepositoryPaths.badFixture("malformed-duration.yaml")
    let error = try #require(throws: ProfileError.self) { try ProfileLoader.load(contentsOf: path) }
    #expect(
      error.description
        == "\(path):12:5: faults[2].jitter: expected a duration with a unit such as 250ms or 2s, got \"abc\""
    )
  }

  @Test("durations in messages read like the profile syntax")
  func durationsInMessages() throws {
    let yaml = """
      name: t
      description: test
      timeline:
        - at: 1.25s
          duration: 82.5ms
          faults: []
        - at: 1.3s
          faults: []
      """
    let error = try #require(throws: ProfileError.self) {
      try ProfileLoader.parse(yaml: yaml, file: "inline.yaml")
    }
    #expect(error.line == 7)
    #expect(
      error.message.contains(
        "timeline[1] (at 1.3s) overlaps timeline[0] (at 1.25s for 82.5ms, until 1332.5ms)"))
  }

  @Test("a YAML syntax error reports its line")
  func syntaxError() throws {
    let path = RepositoryPaths.badFixture("syntax-error.yaml")
    let check = ProfileLoader.check(contentsOf: path)
    let error = try #require(check.errors.first)
    #expect(check.errors.count == 1)
    #expect(error.file == path)
    #expect(error.line == 5)
    #expect(error.field == "")
    #expect(error.message.contains("YAML syntax error"))
    #expect(error.message.contains("quoted scalar"))
  }

  @Test("every error of a file is collected, in order of position")
  func allErrorsCollected() throws {
    let path = RepositoryPaths.badFixture("many-errors.yaml")
    let check = ProfileLoader.check(contentsOf: path)
    #expect(check.profile == nil)
    #expect(
      check.errors.map(\.field) == ["faults[0].latency", "faults[1].rate", "faults[2].correlation"])
    #expect(check.errors.map(\.line) == [5, 7, 10])
    #expect(check.errors[0].message.contains("unknown duration unit \"x\" in \"1x\""))
    #expect(check.errors[1].message.contains("ambiguous rate unit \"kb/s\""))
    #expect(check.errors[2].message.contains("\"300%\""))
  }

  @Test("a misspelt top-level field is reported with a suggestion beside the missing one")
  func misspeltTopLevelField() throws {
    let check = ProfileLoader.check(
      contentsOf: RepositoryPaths.badFixture("unknown-top-level-field.yaml"))
    let misspelt = try #require(check.errors.first { $0.field == "descripton" })
    #expect(misspelt.line == 2)
    #expect(misspelt.message.contains("did you mean \"description\""))
    #expect(check.errors.count == 2)
  }

  @Test("a file that cannot be read is an error without a position")
  func unreadableFile() throws {
    let path = RepositoryPaths.badFixture("does-not-exist.yaml")
    let error = try #require(throws: ProfileError.self) { try ProfileLoader.load(contentsOf: path) }
    #expect(error.line == 0)
    #expect(error.description.hasPrefix("\(path): cannot read"))
  }

  @Test("every bad fixture fails, and each is covered by a test")
  func everyFixtureFails() throws {
    let directory = RepositoryPaths.root.appendingPathComponent(
      "Tests/FaultProfilesTests/Fixtures/bad")
    let files = try RepositoryPaths.yamlFiles(in: directory)
    #expect(files.count >= 12)
    let covered = Set(Self.cases.map(\.fixture) + ["syntax-error.yaml", "many-errors.yaml"])
    for file in files {
      #expect(
        !ProfileLoader.check(contentsOf: file.path).isValid, "\(file.lastPathComponent) should fail"
      )
      #expect(
        covered.contains(file.lastPathComponent), "\(file.lastPathComponent) has no expectation")
    }
  }
}
