import MockComfy
import Testing

@Suite("JSONValue")
struct JSONValueTests {
  @Test("parses keeping member order and writes like Python's json.dumps")
  func roundTrip() throws {
    let text = #"{"z": 1, "a": [true, null, 1.5, -2, "caf\u00e9 \"q\"\n"], "m": {}, "e": 3.0}"#
    let value = try JSONValue.parse(Array(text.utf8))
    #expect(value.orderedObject?.keys == ["z", "a", "m", "e"])
    #expect(value["a"]?.arrayValue?[4] == .string("café \"q\"\n"))
    #expect(value["e"] == .number(3))
    #expect(value.pythonJSONText == text)
  }

  @Test("non-ASCII is escaped as Python does, surrogate pairs included")
  func unicodeEscapes() throws {
    #expect(JSONValue.string("é😀").pythonJSONText == #""\u00e9\ud83d\ude00""#)
    #expect(try JSONValue.parse(Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
  }

  @Test(
    "malformed text is refused with the byte position",
    arguments: ["{", "[1,]", "{\"a\" 1}", "01x", "\"open"])
  func malformed(text: String) {
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(text.utf8)) }
  }
}
