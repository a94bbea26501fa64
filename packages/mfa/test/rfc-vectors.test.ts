import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { matchingTimeStep, type TotpSettings, timeStepAt, totpCodeAt } from '../src/totp.js';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));

/** RFC 6238 Appendix B seeds as the erratum (errata 2866) corrects them: one per hash size. */
const SEEDS = {
  sha1: ascii('12345678901234567890'),
  sha256: ascii('12345678901234567890123456789012'),
  sha512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

/** RFC 6238 Appendix B: time (s) → 8-digit codes for SHA-1, SHA-256, SHA-512. */
const APPENDIX_B: ReadonlyArray<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

/** RFC 4226 Appendix D: HOTP of "12345678901234567890" for counters 0 to 9. */
const APPENDIX_D = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

const settings = (algorithm: TotpSettings['algorithm']): TotpSettings => ({
  algorithm,
  digits: 8,
  period: 30,
  window: 1,
});

describe('RFC 6238 Appendix B', () => {
  for (const [time, sha1, sha256, sha512] of APPENDIX_B) {
    for (const [algorithm, expected] of [
      ['sha1', sha1],
      ['sha256', sha256],
      ['sha512', sha512],
    ] as const) {
      it(`${algorithm} at T=${time} is ${expected}`, () => {
        const step = timeStepAt(time * 1000, 30);
        expect(totpCodeAt(SEEDS[algorithm], step, settings(algorithm))).toBe(expected);
        // The verifier finds that step from the code at that time.
        expect(matchingTimeStep(SEEDS[algorithm], expected, time * 1000, settings(algorithm))).toBe(
          step,
        );
      });
    }
  }

  it('the uncorrected 20-byte seed does not give the SHA-256 (or SHA-512) vectors', () => {
    // The RFC's text names the 20-byte seed for every algorithm; its table was computed with
    // 32- and 64-byte seeds. An implementation "passing" with the 20-byte seed is wrong.
    for (const [time, , sha256, sha512] of APPENDIX_B) {
      const step = timeStepAt(time * 1000, 30);
      expect(totpCodeAt(SEEDS.sha1, step, settings('sha256'))).not.toBe(sha256);
      expect(totpCodeAt(SEEDS.sha1, step, settings('sha512'))).not.toBe(sha512);
    }
  });
});

describe('RFC 4226 Appendix D (HOTP)', () => {
  APPENDIX_D.forEach((expected, counter) => {
    it(`counter ${counter} is ${expected}`, () => {
      const six: TotpSettings = { algorithm: 'sha1', digits: 6, period: 30, window: 0 };
      // A TOTP code is the HOTP of the step counter.
      expect(totpCodeAt(SEEDS.sha1, counter, six)).toBe(expected);
      expect(generateSync({ strategy: 'hotp', secret: SEEDS.sha1, counter, digits: 6 })).toBe(
        expected,
      );
    });
  });
});
