import Foundation
import Testing

@testable import FaultProxy

/// Rebuilds iproute2's netem distribution tables the way its generators do (`netem/normal.c`, `pareto.c`,
/// `paretonormal.c`) and checks the analytic shapes against every entry.
@Suite("netem distribution tables")
struct NetemTableTests {
  static let tableSize = 16384
  static let scale = 8192.0

  /// normal.c: the largest x on a 0.00005 grid whose CDF rounds to each of the 16384 slots.
  static let normalSlots: [Double] = {
    var table = [Double](repeating: .nan, count: tableSize + 1)
    var x = -10.0
    while x < 10.05 {
      let slot = Int((Double(tableSize) * (0.5 + 0.5 * erf(x / 2.0.squareRoot()))).rounded())
      table[slot] = x
      x += 0.00005
    }
    return table
  }()

  static func shortValue(_ value: Double) -> Double {
    min(max(value.rounded(), -32768), 32767) / scale
  }

  /// The generators emit every fourth slot: entry j of the 4096 stands for u = 4j / 16384.
  static let entries = Array(stride(from: 0, to: tableSize, by: 4))

  static func paretoValue(_ slot: Int) -> Double {
    let dvalue = 1 / pow(Double(65536 - 4 * slot) / 65536, 1.0 / 3)
    return min(((dvalue - 1.5) * (4.0 / 3) * scale).rounded(), 32767)
  }

  @Test("normal matches normal.c wherever the table is not in its coarse tails")
  func normal() {
    for slot in Self.entries where slot > 164 && slot < Self.tableSize - 164 {
      let u = Double(slot) / Double(Self.tableSize)
      let tableValue = Self.shortValue(Self.normalSlots[slot] * Self.scale)
      #expect(abs(NetemDistribution.normal(u) - tableValue) < 2e-3, "slot \(slot)")
    }
  }

  @Test("pareto matches pareto.c at every entry")
  func pareto() {
    for (index, slot) in Self.entries.enumerated() {
      // pareto.c walks i = 65536, 65520, ... which is paretonormal.c's paretovalue(slot) for entry `index`.
      let u = Double(4 * index) / Double(Self.tableSize)
      let tableValue = Self.paretoValue(slot) / Self.scale
      #expect(abs(NetemDistribution.pareto(u) - tableValue) < 1e-4, "entry \(index)")
    }
  }

  @Test("paretonormal matches paretonormal.c wherever the normal part is not in its coarse tails")
  func paretoNormal() {
    for slot in Self.entries where slot > 164 && slot < Self.tableSize - 164 {
      let u = Double(slot) / Double(Self.tableSize)
      let normalValue = (Self.normalSlots[slot] * Self.scale).rounded()
      // C integer division truncates toward zero.
      let combined = ((normalValue + 3 * Self.paretoValue(slot)) / 4).rounded(.towardZero)
      let tableValue = Self.shortValue(combined)
      #expect(abs(NetemDistribution.paretoNormal(u) - tableValue) < 2e-3, "slot \(slot)")
    }
  }
}
