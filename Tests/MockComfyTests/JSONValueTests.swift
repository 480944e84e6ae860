import ChildProcess
import Foundation
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

  @Test("objects are equal (and hash alike) whatever their member order; each keeps its own order")
  func memberOrder() throws {
    let ab = try JSONValue.parse(Array(#"{"a": 1, "b": [2.5]}"#.utf8))
    let ba = try JSONValue.parse(Array(#"{"b": [2.5], "a": 1}"#.utf8))
    #expect(ab == ba)
    #expect(Set([ab, ba]).count == 1)
    #expect(ba.pythonJSONText == #"{"b": [2.5], "a": 1}"#)
    #expect(ab != (try JSONValue.parse(Array(#"{"a": 1, "b": [2.5], "c": null}"#.utf8))))
  }

  @Test("Codable keeps an integer beyond Int exact, and reads every number as a number")
  func codableNumbers() throws {
    let seed = JSONValue(UInt64.max)
    #expect(seed == .bigInteger("18446744073709551615"))
    #expect(JSONValue(42 as UInt64) == .int(42))
    let object: JSONValue = ["seed": seed, "rate": .number(2), "ratio": 0.5]
    #expect(object.jsonText == #"{"rate":2,"ratio":0.5,"seed":18446744073709551615}"#)
    let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(object.jsonText.utf8))
    #expect(decoded["rate"] == .number(2))
    #expect(decoded.objectValue?.keys.sorted() == ["rate", "ratio", "seed"])
  }

  @Test("a ready line a child announces is the ready line its parent parses")
  func readyLineRoundTrip() throws {
    let announced = ReadyLine(announcing: [
      "port": 8188, "seed": JSONValue(UInt64.max), "host": "::1",
    ])
    #expect(
      announced.line == #"{"host":"::1","port":8188,"ready":true,"seed":18446744073709551615}"#)
    let parsed = try ReadyLine(parsing: announced.line)
    #expect(parsed == announced)
    #expect(parsed.integer("port") == 8188)
    #expect(parsed.string("host") == "::1")
    #expect(parsed.fields["seed"] == .bigInteger("18446744073709551615"))
    #expect(throws: ReadyLineError.self) { try ReadyLine(parsing: #"{"ready": false}"#) }
  }
}
