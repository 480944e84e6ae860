import Foundation

/// The shapes of netem's delay tables, computed analytically instead of read from iproute2's files.
///
/// netem adds `σ · t` to the mean delay, where `t` comes from a table indexed by a uniform draw. The tables
/// (iproute2 `netem/normal.c`, `pareto.c`, `paretonormal.c`) hold the inverse CDF of each shape in units
/// of σ, scaled by 8192 and stored as 16-bit integers, so `t` never leaves [-4, 4). These functions return
/// the same `t` for a uniform `u` in [0, 1), without the 4096-step quantisation of the tables.
public enum NetemDistribution {
  /// netem's table range: 16-bit entries over a scale of 8192 (`NETEM_DIST_SCALE`).
  static let lowest = -32768.0 / 8192
  static let highest = 32767.0 / 8192

  /// Standard normal quantile, clamped to the table range.
  public static func normal(_ u: Double) -> Double {
    clamp(standardNormalQuantile(u))
  }

  /// netem's Pareto shape: Pareto with α = 3 and scale 1, shifted by its mean 1.5 and scaled by 4/3,
  /// so t = ((1 − u)^(−1/3) − 1.5) · 4/3, from −2/3 upward, capped at the table maximum.
  public static func pareto(_ u: Double) -> Double {
    let tail = max(1 - u, 0x1.0p-53)
    return clamp((pow(tail, -1.0 / 3) - 1.5) * 4 / 3)
  }

  /// netem's "paretonormal": per table entry (normal + 3 · pareto) / 4, i.e. 25 % normal and 75 % Pareto
  /// of the same quantile (iproute2 `paretonormal.c`).
  public static func paretoNormal(_ u: Double) -> Double {
    clamp((normal(u) + 3 * pareto(u)) / 4)
  }

  static func clamp(_ t: Double) -> Double {
    min(max(t, lowest), highest)
  }

  /// Inverse of the standard normal CDF by Acklam's rational approximation (relative error < 1.2e-9).
  static func standardNormalQuantile(_ p: Double) -> Double {
    guard p > 0 else { return -.infinity }
    guard p < 1 else { return .infinity }
    let a = [
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00,
    ]
    let b = [
      -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01,
    ]
    let c = [
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00,
    ]
    let d = [
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00,
    ]
    let lowRegion = 0.02425

    func tail(_ q: Double) -> Double {
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p < lowRegion { return tail(sqrt(-2 * log(p))) }
    if p > 1 - lowRegion { return -tail(sqrt(-2 * log(1 - p))) }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
      / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  }
}
