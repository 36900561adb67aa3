import { describe, expect, it } from 'vitest';
import { detectPii, resolveOverlaps } from './detectors.ts';
import { DEFAULT_PII_MIN_CONFIDENCE, type PiiSpan } from './pii-types.ts';

/** What the detectors report at the default threshold, as `TYPE value` strings. */
function found(text: string, minConfidence = DEFAULT_PII_MIN_CONFIDENCE): string[] {
  return detectPii(text)
    .filter((s) => s.score >= minConfidence)
    .map((s) => `${s.type} ${text.slice(s.start, s.end)}`);
}

type Case = { name: string; text: string; expected: string[] };

const cases: Record<string, Case[]> = {
  email: [
    {
      name: 'plain',
      text: 'write to jane.doe@example.com today',
      expected: ['EMAIL_ADDRESS jane.doe@example.com'],
    },
    {
      name: 'tags and subdomains',
      text: '<a+b_c%d@mail.eu.example.org>',
      expected: ['EMAIL_ADDRESS a+b_c%d@mail.eu.example.org'],
    },
    {
      name: 'sentence end',
      text: 'Mail me: bob@example.co.uk.',
      expected: ['EMAIL_ADDRESS bob@example.co.uk'],
    },
    {
      name: 'accented local part',
      text: 'écrire à josé.garcía@example.es',
      expected: ['EMAIL_ADDRESS josé.garcía@example.es'],
    },
    {
      name: 'after text in another script',
      text: '请发邮件到john@example.com',
      expected: ['EMAIL_ADDRESS john@example.com'],
    },
    { name: 'no dot in the domain', text: 'user@localhost', expected: [] },
    { name: 'numeric top-level domain', text: 'root@10.0.0.1', expected: [] },
    { name: 'double dot in the local part', text: 'a..b@example.com', expected: [] },
    { name: 'a decorator, not an email', text: '@app.route("/") and x @ y.com', expected: [] },
    { name: 'domain followed by another @', text: 'a@b.com@c.org', expected: [] },
  ],
  phone: [
    {
      name: 'international with spaces',
      text: 'ring +44 20 7946 0958 now',
      expected: ['PHONE_NUMBER +44 20 7946 0958'],
    },
    {
      name: 'international with trunk zero',
      text: '+46 (0)8 928 571 38 fax',
      expected: ['PHONE_NUMBER +46 (0)8 928 571 38'],
    },
    { name: 'North American', text: 'It is 415-555-0132.', expected: ['PHONE_NUMBER 415-555-0132'] },
    { name: 'area code in parentheses', text: '(579)888-3058', expected: ['PHONE_NUMBER (579)888-3058'] },
    {
      name: 'with an extension',
      text: 'Desk: 345-899-3560x4587',
      expected: ['PHONE_NUMBER 345-899-3560x4587'],
    },
    {
      name: 'dotted French with context',
      text: 'Mobile: 03.93.92.16.85',
      expected: ['PHONE_NUMBER 03.93.92.16.85'],
    },
    { name: 'bare digits with context', text: 'Fax: 9498777106', expected: ['PHONE_NUMBER 9498777106'] },
    { name: 'bare digits without context', text: 'order 9498777106 shipped', expected: [] },
    { name: 'grouped like a large number', text: 'we sold 123 456 789 units', expected: [] },
    { name: 'a date', text: 'on 2024-05-17 09:30', expected: [] },
    { name: 'a date with dots', text: 'am 17.05.2024 um', expected: [] },
    { name: 'a range of years', text: 'from 1990-2000', expected: [] },
    { name: 'decimals', text: 'x = 0.4756(14) and 1.25 3.75 12.5', expected: [] },
    { name: 'a version number', text: 'version 2.10.4.1255 released', expected: [] },
    { name: 'a citation', text: 'Proc. 14, 524 (1895)', expected: [] },
    { name: 'money', text: 'costs $1 234 567', expected: [] },
    { name: 'seven digits is a local number', text: 'call 555-0132', expected: ['PHONE_NUMBER 555-0132'] },
    { name: 'six digits is too few', text: 'call 55-0132', expected: [] },
    { name: 'a country code cannot start with 0', text: '+0 123 456 789', expected: [] },
  ],
  card: [
    { name: 'one block', text: 'card 4111111111111111 expires', expected: ['CREDIT_CARD 4111111111111111'] },
    {
      name: 'groups of four',
      text: 'card 4111 1111 1111 1111.',
      expected: ['CREDIT_CARD 4111 1111 1111 1111'],
    },
    {
      name: 'Amex 4-6-5 with dashes',
      text: '3782-822463-10005',
      expected: ['CREDIT_CARD 3782-822463-10005'],
    },
    { name: 'Luhn failure', text: 'card 4111 1111 1111 1112', expected: [] },
    { name: 'no issuer', text: 'card 9111111111111119', expected: [] },
    { name: 'mixed separators', text: 'card 4111-1111 1111-1111', expected: [] },
    { name: 'inside a longer run of digits', text: 'id 94111111111111111', expected: [] },
    { name: 'glued to letters', text: 'ref4111111111111111 and 4111111111111111abc', expected: [] },
    { name: 'inside a decimal', text: 'pi is 3.4111111111111111', expected: [] },
  ],
  iban: [
    {
      name: 'compact',
      text: 'IBAN GB82WEST12345698765432 please',
      expected: ['IBAN_CODE GB82WEST12345698765432'],
    },
    {
      name: 'printed in groups',
      text: 'to DE89 3704 0044 0532 0130 00.',
      expected: ['IBAN_CODE DE89 3704 0044 0532 0130 00'],
    },
    {
      name: 'lower case',
      text: 'my iban is gb82west12345698765432',
      expected: ['IBAN_CODE gb82west12345698765432'],
    },
    { name: 'checksum failure', text: 'GB82WEST12345698765433', expected: [] },
    { name: 'too long for the country', text: 'GB82WEST123456987654321', expected: [] },
    { name: 'inside a word', text: 'xGB82WEST12345698765432', expected: [] },
  ],
  ssn: [
    { name: 'dashed', text: "Here's my SSN: 536-90-4399", expected: ['US_SSN 536-90-4399'] },
    { name: 'spaced', text: 'ssn 536 90 4399', expected: ['US_SSN 536 90 4399'] },
    { name: 'bare with context', text: 'social security number 536904399', expected: ['US_SSN 536904399'] },
    { name: 'bare without context', text: 'ticket 536904399', expected: [] },
    { name: 'area 666', text: 'SSN 666-90-4399', expected: [] },
    { name: 'area 9xx', text: 'SSN 912-90-4399', expected: [] },
    { name: 'group 00', text: 'SSN 536-00-4399', expected: [] },
    { name: 'serial 0000', text: 'SSN 536-90-0000', expected: [] },
  ],
  ip: [
    { name: 'IPv4', text: 'client_ip = 106.31.73.20|', expected: ['IP_ADDRESS 106.31.73.20'] },
    { name: 'IPv4 with a CIDR suffix', text: 'block 10.0.0.0/8', expected: ['IP_ADDRESS 10.0.0.0'] },
    { name: 'IPv4 octet out of range', text: 'host 256.1.1.1', expected: [] },
    { name: 'five groups', text: 'oid 1.2.3.4.5', expected: [] },
    {
      name: 'IPv6 full',
      text: 'from 2001:0db8:85a3:0000:0000:8a2e:0370:7334.',
      expected: ['IP_ADDRESS 2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    },
    {
      name: 'IPv6 compressed in brackets',
      text: 'http://[2001:db8::1]:8080/',
      expected: ['IP_ADDRESS 2001:db8::1'],
    },
    {
      name: 'IPv6 with embedded IPv4 (one span)',
      text: 'addr ::ffff:192.168.1.1 ok',
      expected: ['IP_ADDRESS ::ffff:192.168.1.1'],
    },
    { name: 'a time', text: 'at 12:30:45 sharp', expected: [] },
    { name: 'a MAC address', text: 'mac 00:1a:2b:3c:4d:5e', expected: [] },
    { name: 'C++ scope and Python slices', text: 'std::vector a[1::2] x::y', expected: [] },
  ],
};

describe.each(Object.entries(cases))('detectPii: %s', (_kind, rows) => {
  it.each(rows)('$name', ({ text, expected }) => {
    expect(found(text)).toEqual(expected);
  });
});

describe('detectPii', () => {
  it('finds several identifiers in one text, in order, with offsets into it', () => {
    const text = 'Jane (jane@example.com, +1 415 555 0132) paid with 4111 1111 1111 1111 from 10.1.2.3';
    const spans = detectPii(text);
    expect(spans.map((s) => s.type)).toEqual(['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IP_ADDRESS']);
    for (const span of spans) expect(span.score).toBeGreaterThanOrEqual(DEFAULT_PII_MIN_CONFIDENCE);
    expect(text.slice(spans[1]?.start, spans[1]?.end)).toBe('+1 415 555 0132');
  });

  it('reports weak candidates with low scores, for callers with a lower threshold', () => {
    expect(found('order 9498777106 shipped', 0.3)).toEqual(['PHONE_NUMBER 9498777106']);
  });

  it('finds nothing in text without identifiers', () => {
    expect(detectPii('')).toEqual([]);
    expect(detectPii('Write a python function that sorts 20 numbers in O(n log n).')).toEqual([]);
  });

  it('reads an email of digits as an email, not a phone number', () => {
    expect(found('text 4155550132@sms.example.com')).toEqual(['EMAIL_ADDRESS 4155550132@sms.example.com']);
  });
});

describe('resolveOverlaps', () => {
  const span = (type: PiiSpan['type'], start: number, end: number, score: number): PiiSpan => ({
    type,
    start,
    end,
    score,
  });

  it.each([
    {
      name: 'keeps the higher score',
      spans: [span('PHONE_NUMBER', 0, 10, 0.5), span('CREDIT_CARD', 2, 12, 0.9)],
      kept: [span('CREDIT_CARD', 2, 12, 0.9)],
    },
    {
      name: 'keeps the longer span on a tie',
      spans: [span('IP_ADDRESS', 5, 9, 0.8), span('IP_ADDRESS', 0, 20, 0.8)],
      kept: [span('IP_ADDRESS', 0, 20, 0.8)],
    },
    {
      name: 'keeps spans that only touch, sorted',
      spans: [span('US_SSN', 10, 20, 0.85), span('EMAIL_ADDRESS', 0, 10, 0.9)],
      kept: [span('EMAIL_ADDRESS', 0, 10, 0.9), span('US_SSN', 10, 20, 0.85)],
    },
  ])('$name', ({ spans, kept }) => {
    expect(resolveOverlaps(spans)).toEqual(kept);
  });
});
