/**
 * Survival function of the finite-n two-sided Kolmogorov–Smirnov statistic D_n = sup |F_n − F|:
 * kolmogorovSurvival(d, n) = Pr(D_n > d), ported from scipy 1.17.1 so that it matches
 * scipy.stats.kstwo.sf(d, n), which ks_2samp(method='asymp') uses for its two-sided p-value.
 *
 * scipy evaluates it in scipy/stats/_ksstats.py (_kolmogn and the helpers named below), following
 * Simard & L'Ecuyer, "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11),
 * 2011: depending on n and n·d² it picks the Ruben–Gambino closed forms, Durbin's matrix algorithm
 * (Marsaglia–Tsang–Wang), Pomeranz's recursion, the Pelz–Good asymptotic series, or twice the one-sided
 * Smirnov tail, which scipy.special.smirnov computes in C++ (scipy's xsf library,
 * include/xsf/cephes/kolmogorov.h, _smirnov). The branch points and operation order are scipy's, so the
 * two agree to rounding (scipy's occasional long-double intermediates are plain doubles here); the one
 * deliberate difference is how each term of the Smirnov sum is evaluated, for speed (see smirnovSurvival).
 */

/** scipy.stats.kstwo.sf(d, n): NaN unless n is a whole number ≥ 1, as scipy's argument check gives. */
export function kolmogorovSurvival(d: number, n: number): number {
  if (Number.isNaN(d) || !Number.isInteger(n) || n < 1) return Number.NaN;
  // rv_continuous.sf (scipy/stats/_distn_infrastructure.py) answers outside the open support
  // (0.5/n, 1) of kstwo_gen._get_support itself: 1 at or below it, 0 at or above it.
  if (d <= 0.5 / n) return 1;
  if (d >= 1) return 0;
  return clipProbability(kolmogornSurvival(n, d));
}

/** _kolmogn(n, x, cdf=False) in scipy/stats/_ksstats.py, for 0.5/n < x < 1. */
function kolmogornSurvival(n: number, x: number): number {
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: for 1/(2n) < x ≤ 1/n the CDF is n!/n^n · (2t − 1)^n.
    if (t <= 0.5) return 1;
    return 1 - rubenGambinoCdf(n, t);
  }
  // Ruben–Gambino at the other end: Pr(D_n > x) = 2(1 − x)^n for x ≥ 1 − 1/n.
  if (t >= n - 1) return 2 * (1 - x) ** n;
  // For x ≥ 1/2 the events D+ > x and D− > x are disjoint, so the two one-sided tails add exactly.
  if (x >= 0.5) return 2 * smirnovSurvival(n, x);

  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return 1 - durbinMatrixCdf(n, x);
    if (nxSquared <= 4) return 1 - pomeranzCdf(n, x);
    // Miller's approximation: twice the one-sided tail (the intersection term is negligible here).
    return 2 * smirnovSurvival(n, x);
  }
  // scipy splits the SF cut-offs from the CDF ones; its CDF-only branch (n·x² ≥ 18 gives CDF 1) is never
  // reached on the SF side because n·x² ≥ 2.2 has already returned.
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return 2 * smirnovSurvival(n, x);
  // Durbin's and Pomeranz's CDFs come back clipped to [0, 1], the Pelz–Good series does not (as in scipy).
  return 1 - (n <= 100000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x));
}

function clipProbability(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** The n ≤ 140 and n > 140 branches of _kolmogn's "t <= 1" case: n!/n^n · (2t − 1)^n. */
function rubenGambinoCdf(n: number, t: number): number {
  if (n <= 140) {
    // np.prod(np.arange(1, n+1) * (1.0/n) * (2*t - 1)): one factor per i, multiplied left to right.
    const reciprocal = 1 / n;
    let product = 1;
    for (let i = 1; i <= n; i++) product *= i * reciprocal * (2 * t - 1);
    return product;
  }
  return Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
}

/**
 * _STIRLING_COEFFS in _ksstats.py: B_2j / (2j (2j − 1)) for j = 8 … 1, the Bernoulli-number terms of
 * Stirling's series, highest order first for Horner's scheme.
 */
const STIRLING_COEFFICIENTS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/**
 * log(n!/n^n) by Stirling's series with n·log(n) removed up front to avoid cancellation
 * (_log_nfactorial_div_n_pow_n in _ksstats.py).
 */
function logFactorialOverPower(n: number): number {
  const reciprocal = 1 / n;
  const x = reciprocal / n;
  let series = 0;
  for (const coefficient of STIRLING_COEFFICIENTS) series = series * x + coefficient; // np.polyval
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + reciprocal * series;
}

const TWO_POW_128 = 2 ** 128;
const TWO_POW_MINUS_128 = 2 ** -128;

/**
 * Pr(D_n ≤ d) by Durbin's matrix algorithm as Marsaglia, Tsang & Wang evaluate it ("Evaluating
 * Kolmogorov's Distribution", J. Stat. Softw. 8(18), 2003): with d = (k − h)/n, the CDF is
 * n!/n^n · (H^n)[k, k] for an m × m matrix H, m = 2k − 1, raised by repeated squaring with the scale
 * kept in a separate power of two (_kolmogn_DMTW in _ksstats.py). Callers guarantee 1 < n·d and d < 1.
 */
function durbinMatrixCdf(n: number, d: number): number {
  const nd = n * d;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // v[j] = (1 − h^(j+1)) / (j+1)! is H's first column (and, reversed, its last row); w[j] = 1/j!.
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorialReciprocal = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorialReciprocal;
    factorialReciprocal /= j;
    v[j - 1] = (1 - h ** j) * factorialReciprocal;
  }
  const cornerCorrection = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + cornerCorrection) * factorialReciprocal;

  let power: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let row = i - 1; row < m; row++) power[row * m + i] = w[row - i + 1] as number;
  }
  for (let row = 0; row < m; row++) power[row * m] = v[row] as number;
  for (let column = 0; column < m; column++) power[(m - 1) * m + column] = v[m - 1 - column] as number;

  let result = identityMatrix(m);
  let resultExponent = 0;
  let powerExponent = 0;
  const corner = (k - 1) * m + (k - 1);
  for (let remaining = n; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) {
      result = multiplySquareMatrices(result, power, m);
      resultExponent += powerExponent;
    }
    power = multiplySquareMatrices(power, power, m);
    powerExponent *= 2;
    if (Math.abs(power[corner] as number) > TWO_POW_128) {
      for (let index = 0; index < power.length; index++) (power[index] as number) /= TWO_POW_128;
      powerExponent += 128;
    }
  }

  // Multiply by n!/n^n one factor at a time, rescaling before the running product underflows.
  let p = result[corner] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_POW_MINUS_128) {
      p *= TWO_POW_128;
      resultExponent -= 128;
    }
  }
  return clipProbability(scaleByPowerOfTwo(p, resultExponent));
}

function identityMatrix(size: number): Float64Array {
  const identity = new Float64Array(size * size);
  for (let i = 0; i < size; i++) identity[i * size + i] = 1;
  return identity;
}

/** Row-major product of two size × size matrices, in i-k-j order so the inner loop walks contiguous rows. */
function multiplySquareMatrices(left: Float64Array, right: Float64Array, size: number): Float64Array {
  const product = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    const rowStart = i * size;
    for (let k = 0; k < size; k++) {
      const factor = left[rowStart + k] as number;
      if (factor === 0) continue;
      const rightRowStart = k * size;
      for (let j = 0; j < size; j++) {
        (product[rowStart + j] as number) += factor * (right[rightRowStart + j] as number);
      }
    }
  }
  return product;
}

/**
 * Pr(D_n ≤ x) by Pomeranz's recursion (Pomeranz, "Exact Cumulative Distribution of the
 * Kolmogorov-Smirnov Statistic for Small Samples (Algorithm 487)", CACM 17(12), 1974), as
 * _kolmogn_Pomeranz in _ksstats.py: 2n + 1 rows, each the convolution of the previous one with a
 * (not normalised) Poisson weight vector; only two rows and their non-zero windows are kept, and the
 * n! at the end is applied one factor at a time with the scale kept in a power of two.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilF = f > 0 ? 1 : 0;
  const roundF = f > 0.5 ? 1 : 0;
  const powerCount = 2 * (ll + 1);
  // gPower[m] = (g/n)^m / m!, twoGPower[m] = (2g/n)^m / m!, oneMinusTwoGPower[m] = ((1 − 2g)/n)^m / m!
  const gPower = new Float64Array(powerCount);
  const twoGPower = new Float64Array(powerCount);
  const oneMinusTwoGPower = new Float64Array(powerCount);
  gPower[0] = 1;
  twoGPower[0] = 1;
  oneMinusTwoGPower[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < powerCount; m++) {
    gPower[m] = ((gPower[m - 1] as number) * gOverN) / m;
    twoGPower[m] = ((twoGPower[m - 1] as number) * twoGOverN) / m;
    oneMinusTwoGPower[m] = ((oneMinusTwoGPower[m - 1] as number) * oneMinusTwoGOverN) / m;
  }

  let previousRow = new Float64Array(powerCount);
  let currentRow = new Float64Array(powerCount);
  currentRow[0] = 1;
  let previousStart = 0;
  let currentStart = 0;
  let exponent = 0;
  let [j1, j2] = pomeranzWindow(0, n, ll, ceilF, roundF);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [previousRow, currentRow] = [currentRow, previousRow];
    [previousStart, currentStart] = [currentStart, previousStart];
    currentRow.fill(0);
    [j1, j2] = pomeranzWindow(i, n, ll, ceilF, roundF);
    const weights = i === 1 || i === 2 * n + 1 ? gPower : i % 2 === 1 ? twoGPower : oneMinusTwoGPower;
    const length = j2 - k1 + 1;
    if (length > 0) {
      // Entries conv[j1 − k1 …] of np.convolve(previousRow[k1 − previousStart …][:length], weights[:length]),
      // both slices cut at the row length as numpy's slicing does.
      const offset = k1 - previousStart;
      const sourceLength = Math.min(length, powerCount - offset);
      const weightLength = Math.min(length, powerCount);
      const convolutionStart = j1 - k1;
      const convolutionLength = j2 - j1 + 1;
      let largest = 0;
      for (let c = 0; c < convolutionLength; c++) {
        const index = convolutionStart + c;
        let sum = 0;
        for (let s = Math.max(0, index - weightLength + 1); s <= Math.min(index, sourceLength - 1); s++) {
          sum += (previousRow[offset + s] as number) * (weights[index - s] as number);
        }
        currentRow[c] = sum;
        largest = Math.max(largest, sum);
      }
      if (largest > 0 && largest < TWO_POW_MINUS_128) {
        for (let c = 0; c < convolutionLength; c++) (currentRow[c] as number) *= TWO_POW_128;
        exponent -= 128;
      }
      currentStart = previousStart + j1 - k1;
    }
  }

  let answer = currentRow[n - currentStart] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > TWO_POW_128) {
      answer *= TWO_POW_MINUS_128;
      exponent += 128;
    }
    answer *= m;
  }
  return clipProbability(scaleByPowerOfTwo(answer, exponent));
}

/** The non-zero window [j1, j2] of Pomeranz row i (_pomeranz_compute_j1j2 in _ksstats.py). */
function pomeranzWindow(i: number, n: number, ll: number, ceilF: number, roundF: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilF - 1;
    j2 = ll + ceilF - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilF - 1;
        j2 = n + ll + ceilF - 1;
      } else {
        j1 = half - 1 - ll - roundF - 1;
        j2 = half + ll - 1 + ceilF - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundF - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const SQRT_3 = Math.sqrt(3);

/**
 * Pr(D_n ≤ x) by the Pelz–Good series (Pelz & Good, "Approximating the Lower Tail-areas of the
 * Kolmogorov-Smirnov One-sample Statistic", JRSS B 38(2), 1976): the Li-Chien/Korolyuk expansion
 * K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5 in z = x√n, each K rewritten with Jacobi theta identities for
 * small z (_kolmogn_PelzGood in _ksstats.py). Callers guarantee 0 < x < 1.
 */
function pelzGoodCdf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const zSquared = z * z;
  const zThree = z ** 3;
  const zFour = z ** 4;
  const zSix = z ** 6;

  const qLog = -PI_SQUARED / 8 / zSquared;
  if (qLog < -708) return 0; // z below about 0.0417: exp would underflow, and the CDF is 0 to double precision
  let q = Math.exp(qLog);

  const k1a = -zSquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zSix + 2 * zFour;
  const k2b = ((2 * zFour - 5 * zSquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zSquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zSquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zSquared + 212 * zFour)) / 16;
  const k3b = (PI_SQUARED * (135 * zFour - 96 * zSix)) / 4;
  const k3a = -30 * zSix - 90 * z ** 8;

  // Horner scheme over the odd terms Σ c_m q^(m²), m = 2k − 1.
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k > 0; k--) {
    const m = 2 * k - 1;
    const mSquared = m ** 2;
    const mFour = m ** 4;
    const mSix = m ** 6;
    const qPower = q ** (8 * k);
    k0 = k0 * qPower + 1;
    k1 = k1 * qPower + (k1a + k1b * mSquared);
    k2 = k2 * qPower + (k2a + k2b * mSquared + k2c * mFour);
    k3 = k3 * qPower + (k3a + k3b * mSquared + k3c * mFour + k3d * mSix);
  }
  k0 = ((k0 * q) * SQRT_2PI) / z;
  k1 = ((k1 * q) * SQRT_2PI) / (6 * zFour);
  k2 = ((k2 * q) * SQRT_2PI) / (72 * z ** 7);
  k3 = ((k3 * q) * SQRT_2PI) / (6480 * z ** 10);

  // The sums over all integers k in K2 and K3: (π²k²) q^(k²) and (3π²k²z² − π⁴k⁴) q^(k²).
  q = Math.exp(-PI_SQUARED / 2 / zSquared);
  const sqrt3z = SQRT_3 * z;
  let k2Extra = 0;
  let k3Extra = 0;
  for (let k = maxK; k > 0; k--) {
    const kSquared = k ** 2;
    const kPi = Math.PI * k;
    const qPower = q ** kSquared;
    k2Extra += kSquared * qPower;
    k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * kSquared * qPower;
  }
  k2 += k2Extra * ((PI_SQUARED * SQRT_2PI) / (-36 * zThree));
  k3 += k3Extra * ((PI_SQUARED * SQRT_2PI) / (216 * zSix));

  return k0 + k1 / n ** 0.5 + k2 / n + k3 / n ** 1.5;
}

// ───────────────────────── One-sided Smirnov tail (xsf cephes/kolmogorov.h) ─────────────────────────

/** MINLOG in xsf/cephes/const.h: log(2^-1075), below which exp underflows to 0. */
const MIN_LOG = -7.451332191019412076235e2;
/** SMIRNOV_MAX_COMPUTE_N in xsf/cephes/kolmogorov.h: larger n uses an approximation. */
const SMIRNOV_MAX_COMPUTE_N = 1000000;

/**
 * scipy.special.smirnov(n, x) = Pr(D_n+ > x), the one-sided tail, by the Birnbaum–Tingey/Smirnov sum
 *   Pr(D_n+ > x) = x Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v)
 * with xsf's branch structure, term range and stopping rule (xsf include/xsf/cephes/kolmogorov.h,
 * _smirnov; van Mulbregt, arXiv:1802.06966).
 *
 * xsf builds each term from double-double powers and a scaled binomial coefficient, a dozen pow/frexp
 * calls per term; with up to n terms that costs about 2 µs per term here. Term v ≥ 1 is the binomial
 * probability Pr(Bin(n, p) = v) / p with p = x + v/n, so it is evaluated instead by Loader's saddle-point
 * form (binomialProbability), whose exponent stays small and exact-to-rounding however large n is: one
 * exp per term and about 1e-13 relative accuracy, against scipy's 1e-15. All terms are positive, so
 * that relative accuracy carries over to the sum.
 *
 * Only the branches _kolmogn can reach are ported: it calls this with 1 < n·x < n − 1 (so xsf's
 * x ≤ 1/n and x ≥ 1 − 1/n special cases never apply) and with n·x² ≥ 2.2 or x ≥ 0.5 (so the few-term
 * alternating "upper sum", used only for n·x ≤ 3 with x ≤ 0.5/√n, never applies either).
 */
function smirnovSurvival(n: number, x: number): number {
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    // p ≈ exp(−(6nx + 1)² / 18n), computed from whichever of p and 1 − p is smaller.
    const logP = -((6 * n * x + 1) ** 2) / 18 / n;
    return logP < -Math.LN2 ? Math.exp(logP) : 1 - -Math.expm1(logP);
  }

  const termCount = n - floorOfProduct(n, x);
  const middle = Math.floor(n / 2);
  const nx = n * x;
  const stirlingErrorOfN = stirlingError(n);
  // v = 0: (1 − x)^n / x. Its base is rounded, which xsf corrects for, but where n·ε would matter
  // (large n) this term is below e^(−n·x) and negligible next to the sum, which is about e^(−2n·x²).
  let sum = (1 - x) ** n / x;
  let compensation = 0;
  for (let v = 1; v < termCount; v++) {
    const term = binomialProbability(v, n, nx + v, n - v - nx, stirlingErrorOfN) / (x + v / n);
    if (term !== 0) {
      // Neumaier summation stands in for xsf's double-double accumulator.
      const total = sum + term;
      compensation += Math.abs(sum) >= term ? sum - total + term : term - total + sum;
      sum = total;
      // Stop once the remaining terms, each no larger than this one, cannot change the sum.
      if (4 * (termCount - v) * term < Number.EPSILON * (sum + compensation) && v !== termCount - 1) break;
    } else if (v > middle) {
      break;
    }
  }
  return clipProbability(x * (sum + compensation));
}

/**
 * Pr(Bin(n, p) = k) for 0 < k < n, given n·p and n·q = n·(1 − p) (Loader, "Fast and Accurate Computation
 * of Binomial Probabilities", 2000; R's dbinom_raw): exp(−stirlerr terms − bd0(k, np) − bd0(n−k, nq))
 * · √(n / (2π k (n − k))), with no large logarithms to cancel.
 */
function binomialProbability(k: number, n: number, np: number, nq: number, stirlingErrorOfN: number): number {
  const exponent =
    stirlingErrorOfN - stirlingError(k) - stirlingError(n - k) - deviance(k, np) - deviance(n - k, nq);
  return Math.exp(exponent) * Math.sqrt(n / (2 * Math.PI * k * (n - k)));
}

/** stirlerr(k) = log(k!) − (k + ½) log k + k − log √(2π) for k = 1 … 15, from exact decimal logarithms. */
const SMALL_STIRLING_ERRORS = [
  0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093, 0.016644691189821193,
  0.013876128823070748, 0.01189670994589177, 0.010411265261972096, 0.009255462182712733, 0.00833056343336287,
  0.007573675487951841, 0.00694284010720953, 0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
];

/** Stirling's-series remainder stirlerr(k) for an integer k ≥ 1 (Loader 2000; R's stirlerr, same cut-offs). */
function stirlingError(k: number): number {
  if (k <= 15) return SMALL_STIRLING_ERRORS[k - 1] as number;
  const kSquared = k * k;
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  if (k > 500) return (s0 - s1 / kSquared) / k;
  if (k > 80) return (s0 - (s1 - s2 / kSquared) / kSquared) / k;
  if (k > 35) return (s0 - (s1 - (s2 - s3 / kSquared) / kSquared) / kSquared) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / kSquared) / kSquared) / kSquared) / kSquared) / k;
}

/**
 * bd0(x, m) = x log(x/m) + m − x (Loader 2000; R's bd0): by the series in v = (x − m)/(x + m) when x is
 * near m, where the direct form would cancel.
 */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let sum = (x - m) * v;
    let term = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      term *= v;
      const next = sum + term / (2 * j + 1);
      if (next === sum) return next;
      sum = next;
    }
  }
  return x * Math.log(x / m) + m - x;
}

/** ⌊n·x⌋ of the exact product (modNX in xsf kolmogorov.h), n·x formed as an exact double-double. */
function floorOfProduct(n: number, x: number): number {
  const [hi, lo] = twoProduct(n, x);
  const hiFloor = Math.floor(hi);
  let floor: number;
  let fraction: number;
  if (hiFloor === hi) {
    const loFloor = Math.floor(lo);
    floor = hiFloor + loFloor;
    fraction = lo - loFloor;
  } else {
    floor = hiFloor;
    fraction = hi - hiFloor + lo;
  }
  // A fraction that rounds to 1 means the exact product sits just below the next integer.
  return fraction === 1 ? floor + 1 : floor;
}

/** Splits a double into two 26-bit halves for Dekker's exact product. */
const DEKKER_SPLITTER = 134217729; // 2^27 + 1

/** a · b = hi + lo exactly (Dekker's TwoProduct; JavaScript has no fused multiply-add). */
function twoProduct(a: number, b: number): [number, number] {
  const hi = a * b;
  const aBig = DEKKER_SPLITTER * a;
  const aHi = aBig - (aBig - a);
  const aLo = a - aHi;
  const bBig = DEKKER_SPLITTER * b;
  const bHi = bBig - (bBig - b);
  const bLo = b - bHi;
  return [hi, aHi * bHi - hi + aHi * bLo + aLo * bHi + aLo * bLo];
}

/** ldexp: value · 2^exponent in two steps when 2^exponent alone is not a double. */
function scaleByPowerOfTwo(value: number, exponent: number): number {
  if (exponent > 1023) return value * 2 ** 1023 * 2 ** (exponent - 1023);
  if (exponent < -1022) return value * 2 ** -1022 * 2 ** Math.max(exponent + 1022, -1100);
  return value * 2 ** exponent;
}
