import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ksTwoSample, type KsMethod } from '../../../src/drift/ks';
import { kolmogorovSurvival } from '../../../src/drift/kolmogorov';

/**
 * ksTwoSample against scipy.stats.ks_2samp(a, b, alternative='two-sided', method=...) on the fixture set
 * written by scripts/fixtures/ks_fixtures.py (see test/fixtures/drift/README.md, "KS fixtures").
 */

const FIXTURE_DIR = join(__dirname, '../../fixtures/drift/ks');

interface ScipyAnswer {
  statistic: number;
  /** null where scipy returns NaN (method='asymp' with n1 = n2 = 1, where round(n1·n2/(n1+n2)) = 0). */
  pvalue: number | null;
  statistic_location: number;
  statistic_sign: number;
  method: 'exact' | 'asymp';
}

interface FixtureCase {
  name: string;
  n1: number;
  n2: number;
  description: string;
  expected: Record<KsMethod, ScipyAnswer>;
}

const manifest = JSON.parse(readFileSync(join(FIXTURE_DIR, 'cases.json'), 'utf8')) as {
  scipy: string;
  cases: FixtureCase[];
};

/** The fixture's little-endian float64 sample, sorted ascending as ksTwoSample requires. */
function loadSortedSample(name: string, side: 'a' | 'b'): Float64Array {
  const bytes = readFileSync(join(FIXTURE_DIR, `${name}.${side}.f64`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sample = new Float64Array(bytes.byteLength / 8);
  for (let k = 0; k < sample.length; k++) sample[k] = view.getFloat64(8 * k, true);
  return sample.sort();
}

const STATISTIC_TOLERANCE = 1e-12;
const P_VALUE_TOLERANCE = 1e-9;
const METHODS: KsMethod[] = ['exact', 'asymp', 'auto'];

describe(`ksTwoSample matches scipy ${manifest.scipy} ks_2samp`, () => {
  it('has the whole fixture set', () => {
    expect(manifest.cases.length).toBeGreaterThanOrEqual(40);
  });

  describe.each(manifest.cases)('$name ($n1 × $n2): $description', (fixture) => {
    const a = loadSortedSample(fixture.name, 'a');
    const b = loadSortedSample(fixture.name, 'b');

    it('loads samples of the recorded sizes', () => {
      expect([a.length, b.length]).toEqual([fixture.n1, fixture.n2]);
    });

    it.each(METHODS)("method '%s': statistic, p-value and the method used", (method) => {
      const expected = fixture.expected[method];
      const result = ksTwoSample(a, b, method);
      expect(Math.abs(result.statistic - expected.statistic)).toBeLessThanOrEqual(STATISTIC_TOLERANCE);
      if (expected.pvalue === null) expect(result.pValue).toBeNaN();
      else expect(Math.abs(result.pValue - expected.pvalue)).toBeLessThanOrEqual(P_VALUE_TOLERANCE);
      expect(result.method).toBe(expected.method);
    });

    it('uses the default method auto', () => {
      expect(ksTwoSample(a, b)).toEqual(ksTwoSample(a, b, 'auto'));
    });
  });
});

describe('kolmogorovSurvival matches scipy.stats.kstwo.sf', () => {
  /**
   * [n, d, scipy.stats.kstwo.sf(d, n)] from scipy 1.17.1, printed by
   *   from scipy.stats import kstwo
   *   for n in (1, 2, 5, 10, 50, 139, 140, 141, 1000, 100000, 100001, 500000, 1000000, 2000000):
   *       for d in (0.4/n, 0.75/n, 2.5/n, (0.3/n)**0.5, (0.754/n)**0.5, (2/n)**0.5, (3/n)**0.5,
   *                 (10/n)**0.5, (369/n)**0.5, 0.3, 0.6, 1 - 0.5/n):
   *           if 0 < d < 1: print(f'[{n}, {d!r}, {float(kstwo.sf(d, n))!r}],')
   * The d values straddle every branch of scipy's _kolmogn: the support edge 0.5/n, Ruben–Gambino at
   * both ends, Durbin's matrix, Pomeranz, Pelz–Good, the Smirnov sum (exact up to n = 10^6, approximated
   * above) and the underflow cut-offs.
   */
  const expected: Array<[number, number, number]> = [
  [1, 0.4, 1.0],
  [1, 0.75, 0.5],
  [1, 0.5477225575051661, 0.9045548849896679],
  [1, 0.8683317338436964, 0.2633365323126071],
  [1, 0.3, 1.0],
  [1, 0.6, 0.8],
  [1, 0.5, 1.0],
  [2, 0.2, 1.0],
  [2, 0.375, 0.875],
  [2, 0.3872983346207417, 0.8491933384829667],
  [2, 0.6140032573203501, 0.2979869707185997],
  [2, 0.3, 0.98],
  [2, 0.6, 0.32000000000000006],
  [2, 0.75, 0.125],
  [5, 0.08, 1.0],
  [5, 0.15, 0.9988],
  [5, 0.5, 0.112],
  [5, 0.2449489742783178, 0.8598890846719871],
  [5, 0.388329756778952, 0.3412920165947708],
  [5, 0.6324555320336759, 0.018398335644137166],
  [5, 0.7745966692414834, 0.0011669006397307495],
  [5, 0.3, 0.664],
  [5, 0.6, 0.03008000000000001],
  [5, 0.9, 1.9999999999999978e-05],
  [10, 0.04, 1.0],
  [10, 0.075, 0.999999645625],
  [10, 0.25, 0.4841115325000003],
  [10, 0.17320508075688773, 0.8769376445816681],
  [10, 0.2745906043549196, 0.36897604880240487],
  [10, 0.4472135954999579, 0.024213362763606305],
  [10, 0.5477225575051661, 0.002419655855797518],
  [10, 0.3, 0.27053557479999946],
  [10, 0.6, 0.0005681672000000003],
  [10, 0.95, 1.9531250000000172e-13],
  [50, 0.008, 1.0],
  [50, 0.015, 1.0],
  [50, 0.05, 0.9990238098461883],
  [50, 0.07745966692414834, 0.9023745598590861],
  [50, 0.12280065146407002, 0.4052186761026162],
  [50, 0.2, 0.03143877776953241],
  [50, 0.2449489742783178, 0.003974176548600661],
  [50, 0.4472135954999579, 1.2224404124387614e-09],
  [50, 0.3, 0.00017353260202718738],
  [50, 0.6, 9.634070456142374e-18],
  [50, 0.99, 2.0000000000000889e-100],
  [139, 0.0028776978417266188, 1.0],
  [139, 0.00539568345323741, 1.0],
  [139, 0.017985611510791366, 0.9999999997595259],
  [139, 0.04645722098118832, 0.9112966243011322],
  [139, 0.07365093639360383, 0.41785043250010984],
  [139, 0.11995202878081343, 0.033588791314630224],
  [139, 0.14691063206231753, 0.00440602905557924],
  [139, 0.26822089039291, 2.54561951214323e-09],
  [139, 0.3, 1.3664292848318286e-11],
  [139, 0.6, 2.2207620411040823e-48],
  [139, 0.9964028776978417, 0.0],
  [140, 0.002857142857142857, 1.0],
  [140, 0.005357142857142857, 1.0],
  [140, 0.017857142857142856, 0.9999999997977534],
  [140, 0.04629100498862757, 0.9113451622901063],
  [140, 0.07338742593737899, 0.41791968941960744],
  [140, 0.11952286093343936, 0.03360006627137182],
  [140, 0.14638501094227999, 0.004408218636137252],
  [140, 0.2672612419124244, 2.5530277336990535e-09],
  [140, 0.3, 1.1370251710737309e-11],
  [140, 0.6, 1.0052268370224967e-48],
  [140, 0.9964285714285714, 0.0],
  [141, 0.0028368794326241137, 1.0],
  [141, 0.005319148936170213, 1.0],
  [141, 0.01773049645390071, 0.9999999998299083],
  [141, 0.04612656040144426, 0.9113931894286869],
  [141, 0.07312672377794902, 0.4179863698912213],
  [141, 0.11909826683508273, 0.03361177839745977],
  [141, 0.14586499149789456, 0.0044103835122001585],
  [141, 0.26631182064565373, 2.560354084896187e-09],
  [141, 0.3, 9.46134771413843e-12],
  [141, 0.6, 4.550154415759682e-49],
  [141, 0.9964539007092199, 0.0],
  [1000, 0.0004, 1.0],
  [1000, 0.00075, 1.0],
  [1000, 0.0025, 1.0],
  [1000, 0.017320508075688773, 0.9198987616045818],
  [1000, 0.027459060435491962, 0.43025901431195623],
  [1000, 0.044721359549995794, 0.03552291113252082],
  [1000, 0.05477225575051661, 0.004766852502767219],
  [1000, 0.1, 3.703687096817711e-09],
  [1000, 0.6074537019394977, 0.0],
  [1000, 0.3, 2.590715705736845e-80],
  [1000, 0.6, 0.0],
  [1000, 0.9995, 0.0],
  [100000, 4e-06, 1.0],
  [100000, 7.5e-06, 1.0],
  [100000, 2.5e-05, 1.0],
  [100000, 0.0017320508075688774, 0.9245650684435813],
  [100000, 0.002745906043549196, 0.43713143876048033],
  [100000, 0.00447213595499958, 0.036521679494652015],
  [100000, 0.005477225575051661, 0.0049393032460430366],
  [100000, 0.01, 4.093278023549254e-09],
  [100000, 0.06074537019394976, 3.122e-321],
  [100000, 0.3, 0.0],
  [100000, 0.6, 0.0],
  [100000, 0.999995, 0.0],
  [100001, 3.9999600003999965e-06, 1.0],
  [100001, 7.499925000749993e-06, 1.0],
  [100001, 2.4999750002499974e-05, 1.0],
  [100001, 0.0017320421473797907, 0.9245650710456744],
  [100001, 0.002745892314121949, 0.4371314426261286],
  [100001, 0.0044721135944875085, 0.036521680042325366],
  [100001, 0.00547719818912918, 0.004939303337540746],
  [100001, 0.009999950000374997, 4.093278176378263e-09],
  [100001, 0.060745066469376725, 3.122e-321],
  [100001, 0.3, 0.0],
  [100001, 0.6, 0.0],
  [100001, 0.9999950000499995, 0.0],
  [500000, 8.000000000000001e-07, 1.0],
  [500000, 1.5e-06, 1.0],
  [500000, 5e-06, 1.0],
  [500000, 0.0007745966692414833, 0.9248528093516524],
  [500000, 0.0012280065146407, 0.4375591477291668],
  [500000, 0.002, 0.036582179671620585],
  [500000, 0.0024494897427831783, 0.00494938897849555],
  [500000, 0.00447213595499958, 4.109706332756987e-09],
  [500000, 0.027166155414412252, 4.694e-321],
  [500000, 0.3, 0.0],
  [500000, 0.6, 0.0],
  [500000, 0.999999, 0.0],
  [1000000, 4.0000000000000003e-07, 1.0],
  [1000000, 7.5e-07, 1.0],
  [1000000, 2.5e-06, 1.0],
  [1000000, 0.0005477225575051661, 0.9249210081367327],
  [1000000, 0.0008683317338436964, 0.4376605926856302],
  [1000000, 0.001414213562373095, 0.036596500986761815],
  [1000000, 0.0017320508075688774, 0.004951770014533108],
  [1000000, 0.0031622776601683794, 4.1134612426882296e-09],
  [1000000, 0.019209372712298545, 5.504e-321],
  [1000000, 0.3, 0.0],
  [1000000, 0.6, 0.0],
  [1000000, 0.9999995, 0.0],
  [2000000, 2.0000000000000002e-07, 1.0],
  [2000000, 3.75e-07, 1.0],
  [2000000, 1.25e-06, 1.0],
  [2000000, 0.00038729833462074166, 0.9249692358420745],
  [2000000, 0.00061400325732035, 0.43773234755102985],
  [2000000, 0.001, 0.03660662431970485],
  [2000000, 0.0012247448713915891, 0.0049534580824340075],
  [2000000, 0.00223606797749979, 4.116166535789598e-09],
  [2000000, 0.013583077707206126, 6.136e-321],
  [2000000, 0.3, 0.0],
  [2000000, 0.6, 0.0],
  [2000000, 0.99999975, 0.0],
  ];

  it('agrees to 1e-12 absolute and, above the subnormal range, 1e-9 relative at every grid point', () => {
    // The port follows scipy's branches and operation order; the measured worst differences are
    // about 4e-15 absolute and 2e-12 relative, so these bounds are far tighter than the 1e-9 the
    // KS p-values need. Subnormal results (n=100000, d≈0.0607 gives 3e-321) carry too few digits
    // for a relative comparison.
    for (const [n, d, survival] of expected) {
      const actual = kolmogorovSurvival(d, n);
      expect(Math.abs(actual - survival), `n=${n} d=${d}`).toBeLessThanOrEqual(1e-12);
      if (survival > 1e-300) expect(Math.abs(actual - survival) / survival, `n=${n} d=${d}`).toBeLessThanOrEqual(1e-9);
    }
  });

  it('is 1 up to d = 0.5/n, 0 from d = 1, and NaN for n that is not a whole number ≥ 1', () => {
    expect(kolmogorovSurvival(0, 10)).toBe(1);
    expect(kolmogorovSurvival(0.05, 10)).toBe(1);
    expect(kolmogorovSurvival(1, 10)).toBe(0);
    expect(kolmogorovSurvival(1.5, 10)).toBe(0);
    expect(kolmogorovSurvival(0.1, 0)).toBeNaN();
    expect(kolmogorovSurvival(0.1, 2.5)).toBeNaN();
    expect(kolmogorovSurvival(Number.NaN, 10)).toBeNaN();
  });
});
