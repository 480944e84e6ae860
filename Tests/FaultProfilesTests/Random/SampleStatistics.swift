/// Summary statistics of samples, for checking distributions against theory.
struct SampleStatistics {
  let mean: Double
  let standardDeviation: Double
  /// Correlation between each sample and the next.
  let lag1Autocorrelation: Double

  init(_ samples: [Double]) {
    let count = Double(samples.count)
    let mean = samples.reduce(0, +) / count
    let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
    let lagged = zip(samples, samples.dropFirst()).reduce(0) { $0 + ($1.0 - mean) * ($1.1 - mean) }
    self.mean = mean
    self.standardDeviation = variance.squareRoot()
    self.lag1Autocorrelation = variance > 0 ? lagged / (count - 1) / variance : 0
  }

  init(_ flags: [Bool]) {
    self.init(flags.map { $0 ? 1.0 : 0.0 })
  }
}

extension Duration {
  var milliseconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) * 1e3 + Double(attoseconds) / 1e15
  }
}
