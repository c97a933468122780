// Special functions behind the p-values. Upper tails are computed directly (Q, erfc, series in
// the tail) rather than as 1 - cdf, so that small p-values keep their relative precision instead
// of rounding to 0.

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Natural log of |Γ(x)| (Lanczos, g = 7; about 15 significant digits). */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += LANCZOS_COEFFICIENTS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const GAMMA_EPS = 1e-16;
const GAMMA_FPMIN = Number.MIN_VALUE / GAMMA_EPS;
// Both expansions need O(sqrt(a)) terms near x = a; this bound covers a up to about 1e8.
const GAMMA_MAX_ITERATIONS = 100_000;

function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Series for P(a, x), converges quickly for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < GAMMA_MAX_ITERATIONS; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * GAMMA_EPS) break;
  }
  return sum * gammaPrefactor(a, x);
}

/** Continued fraction for Q(a, x) (modified Lentz), converges quickly for x >= a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / GAMMA_FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < GAMMA_FPMIN) d = GAMMA_FPMIN;
    c = b + an / c;
    if (Math.abs(c) < GAMMA_FPMIN) c = GAMMA_FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < GAMMA_EPS) break;
  }
  return gammaPrefactor(a, x) * h;
}

function checkGammaArguments(a: number, x: number): void {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`incomplete gamma needs a > 0 and x >= 0, got a=${a}, x=${x}`);
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate when it is tiny. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** Chi-square CDF with `dof` degrees of freedom. */
export function chiSquareCdf(x: number, dof: number): number {
  if (x <= 0) return 0;
  return regularizedGammaP(dof / 2, x / 2);
}

/** Chi-square survival function (the p-value of a chi-square statistic), computed as Q(dof/2, x/2). */
export function chiSquareSf(x: number, dof: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(dof / 2, x / 2);
}

/** Complementary error function via erfc(x) = Q(1/2, x²): full relative precision in the tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const x2 = x * x;
  return x >= 0 ? regularizedGammaQ(0.5, x2) : 1 + regularizedGammaP(0.5, x2);
}

/** Error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const p = regularizedGammaP(0.5, x * x);
  return x >= 0 ? p : -p;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal survival function 1 - Φ(z), accurate far into the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

// Below this the alternating series converges slowly and the theta-function form is used.
const KOLMOGOROV_CUTOVER = 0.82;

/**
 * Survival function of Kolmogorov's limiting distribution (scipy.special.kolmogorov,
 * scipy.stats.kstwobign.sf): P(sqrt(n)·Dn > y) as n → ∞.
 */
export function kolmogorovSf(y: number): number {
  if (Number.isNaN(y)) return NaN;
  if (y <= 0) return 1;
  if (y < KOLMOGOROV_CUTOVER) return 1 - kolmogorovCdf(y);
  // 2 Σ (-1)^(k-1) exp(-2 k² y²)
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * y * y);
    sum += k % 2 === 1 ? term : -term;
    if (term <= Number.EPSILON * Math.abs(sum)) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** CDF of Kolmogorov's limiting distribution (scipy.special.kolmogc). */
export function kolmogorovCdf(y: number): number {
  if (Number.isNaN(y)) return NaN;
  if (y <= 0) return 0;
  if (y >= KOLMOGOROV_CUTOVER) return 1 - kolmogorovSf(y);
  // Jacobi theta form: sqrt(2π)/y Σ exp(-(2k-1)² π² / (8 y²)), converging fast for small y.
  const w = (Math.PI * Math.PI) / (8 * y * y);
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const m = 2 * k - 1;
    const term = Math.exp(-m * m * w);
    sum += term;
    if (term <= Number.EPSILON * sum) break;
  }
  return Math.min(1, (Math.sqrt(2 * Math.PI) / y) * sum);
}
