// Distribution of the one-sample Kolmogorov–Smirnov statistic Dn for finite n (scipy.stats.kstwo),
// which scipy's ks_2samp evaluates at n = round(n1·n2/(n1+n2)) for its large-sample p-value.
// The algorithm choice follows Simard & L'Ecuyer (2011), as scipy's _ksstats does, so that both
// libraries use the same exact method or the same approximation in each region.

const SCALE_EXPONENT = 128;
const SCALE_UP = 2 ** SCALE_EXPONENT;
const SCALE_DOWN = 2 ** -SCALE_EXPONENT;

function clipProbability(p: number): number {
  return Math.min(1, Math.max(0, p));
}

function squareMultiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      const bRow = k * m;
      const outRow = i * m;
      for (let j = 0; j < m; j++) out[outRow + j] += aik * b[bRow + j];
    }
  }
  return out;
}

/**
 * P(Dn <= d) exactly, by Durbin's matrix method as arranged by Marsaglia, Tsang & Wang (2003).
 * Cost O(m³ log n) with m = 2·ceil(n·d) - 1, so it is used only where n·d is small.
 */
export function kolmogorovSmirnovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  v[m - 1] = (1 + Math.max(2 * h - 1, 0) ** m - 2 * h ** m) * factorial;

  let matrix: Float64Array = new Float64Array(m * m);
  for (let col = 1; col < m; col++) {
    for (let row = col - 1; row < m; row++) matrix[row * m + col] = w[row - col + 1];
  }
  for (let row = 0; row < m; row++) matrix[row * m] = v[row];
  for (let col = 0; col < m; col++) matrix[(m - 1) * m + col] = v[m - 1 - col];

  // Binary powering with a separate power-of-two exponent so entries stay in range.
  let power: Float64Array | null = null;
  let exponent = 0;
  let matrixExponent = 0;
  let remaining = n;
  const centre = (k - 1) * m + (k - 1);
  while (remaining > 0) {
    if (remaining % 2 === 1) {
      power = power === null ? matrix.slice() : squareMultiply(power, matrix, m);
      exponent += matrixExponent;
    }
    remaining = Math.floor(remaining / 2);
    if (remaining === 0) break;
    matrix = squareMultiply(matrix, matrix, m);
    matrixExponent *= 2;
    if (Math.abs(matrix[centre]) > SCALE_UP) {
      for (let i = 0; i < matrix.length; i++) matrix[i] *= SCALE_DOWN;
      matrixExponent += SCALE_EXPONENT;
    }
  }

  let p = (power as Float64Array)[centre];
  // Multiply by n!/n^n one factor at a time, rescaling to avoid underflow.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= SCALE_EXPONENT;
    }
  }
  return clipProbability(p * 2 ** exponent);
}

/**
 * Pelz–Good asymptotic expansion of P(Dn <= x) (four terms in 1/sqrt(n)); scipy uses it for large
 * n where the matrix method is too expensive.
 */
export function kolmogorovSmirnovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const pi2 = Math.PI * Math.PI;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;

  const qlog = -pi2 / 8 / z2;
  if (qlog < -708) return 0;
  const q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = pi2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * pi2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (pi2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  // Horner scheme over odd m = 2k - 1 for the q^(m²) sums.
  const terms = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = q ** (8 * k);
    terms[0] = terms[0] * qPower + 1;
    terms[1] = terms[1] * qPower + (k1a + k1b * m2);
    terms[2] = terms[2] * qPower + (k2a + k2b * m2 + k2c * m4);
    terms[3] = terms[3] * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const sqrt2pi = Math.sqrt(2 * Math.PI);
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) terms[i] = (terms[i] * q * sqrt2pi) / divisors[i];

  // Remaining sums over all integers k for the K2 and K3 terms.
  const qAll = Math.exp(-pi2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const qPower = qAll ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qPower;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qPower;
  }
  terms[2] += (k2extra * pi2 * sqrt2pi) / (-36 * z3);
  terms[3] += (k3extra * pi2 * sqrt2pi) / (216 * z6);

  let cdf = 0;
  for (let i = 0; i < 4; i++) cdf += terms[i] / n ** (i / 2);
  return cdf;
}

/**
 * Exact one-sided Smirnov survival function P(Dn+ >= d) (scipy.special.smirnov), by the
 * Smirnov/Birnbaum–Tingey sum, whose terms are all positive; evaluated in log space.
 */
export function smirnovSf(n: number, d: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (Number.isNaN(d)) return NaN;
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  if (n === 1) return 1 - d;
  const last = Math.min(Math.floor(n * (1 - d)), n - 1);
  // v = 0 term: (1 - d)^n
  let sum = Math.exp(n * Math.log1p(-d));
  const logD = Math.log(d);
  // log C(n, v), updated incrementally: cheaper and more accurate than differences of log-gammas.
  let logBinomial = 0;
  for (let v = 1; v <= last; v++) {
    logBinomial += Math.log((n - v + 1) / v);
    const dv = d + v / n;
    if (dv >= 1) continue;
    const logTerm = logBinomial + logD + (v - 1) * Math.log(dv) + (n - v) * Math.log1p(-dv);
    if (logTerm > -745) sum += Math.exp(logTerm);
  }
  return clipProbability(sum);
}

// Stirling series coefficients B(2j) / (2j·(2j − 1)), highest order first.
const STIRLING_COEFFICIENTS = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];

function logFactorialOverPower(n: number): number {
  // log(n! / n^n) with Stirling's series, avoiding the cancellation of n·log(n).
  const rn = 1 / n;
  const r2 = rn / n;
  let poly = 0;
  for (const c of STIRLING_COEFFICIENTS) poly = poly * r2 + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/**
 * Survival function P(Dn >= x) of the two-sided one-sample Kolmogorov–Smirnov statistic
 * (scipy.stats.kstwo.sf(x, n)). Exact where scipy is exact (Ruben–Gambino, Durbin matrix, 2·Smirnov
 * for x >= 0.5), the Pelz–Good approximation where scipy uses it; where scipy runs Pomeranz's
 * recursion this uses the Durbin matrix instead, which is also exact.
 */
export function kolmogorovSmirnovSf(n: number, x: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clipProbability(1 - cdf);
  }
  if (t >= n - 1) return clipProbability(2 * (1 - x) ** n);
  // For x >= 0.5 the events Dn+ >= x and Dn- >= x are disjoint.
  if (x >= 0.5) return clipProbability(2 * smirnovSf(n, x));

  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clipProbability(1 - kolmogorovSmirnovCdfDurbin(n, x));
    return clipProbability(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clipProbability(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? kolmogorovSmirnovCdfDurbin(n, x) : kolmogorovSmirnovCdfPelzGood(n, x);
  return clipProbability(1 - cdf);
}
