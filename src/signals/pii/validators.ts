/**
 * Checksums and registries that tell a real identifier from a run of digits that only looks like
 * one. Every function takes the compact form (no separators) and runs in time linear in its input.
 */

/** The Luhn (mod 10) check digit of payment cards. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** A card scheme: the number ranges it issues from (inclusive prefixes of equal length) and its lengths. */
interface CardScheme {
  name: string;
  ranges: [string, string][];
  lengths: [number, number];
}

const range = (from: string, to = from): [string, string] => [from, to];

/**
 * Issuer identification ranges of the major schemes. JCB issues from 3528-3589; the whole 35 block
 * is accepted, as many generators and test numbers use it. Maestro is the only scheme with 12-digit
 * numbers.
 */
const CARD_SCHEMES: readonly CardScheme[] = [
  { name: 'visa', ranges: [range('4')], lengths: [13, 19] },
  { name: 'mastercard', ranges: [range('51', '55'), range('2221', '2720')], lengths: [16, 16] },
  { name: 'amex', ranges: [range('34'), range('37')], lengths: [15, 15] },
  {
    name: 'discover',
    ranges: [range('6011'), range('644', '649'), range('65'), range('622126', '622925')],
    lengths: [16, 19],
  },
  { name: 'unionpay', ranges: [range('62'), range('81')], lengths: [16, 19] },
  { name: 'jcb', ranges: [range('35')], lengths: [16, 19] },
  { name: 'jcb', ranges: [range('1800'), range('2131')], lengths: [15, 15] },
  {
    name: 'diners',
    ranges: [range('300', '305'), range('3095'), range('36'), range('38', '39')],
    lengths: [14, 19],
  },
  { name: 'mir', ranges: [range('2200', '2204')], lengths: [16, 19] },
  { name: 'maestro', ranges: [range('50'), range('56', '69')], lengths: [12, 19] },
];

function inRange(digits: string, [from, to]: [string, string]): boolean {
  const prefix = digits.slice(0, from.length);
  return prefix.length === from.length && prefix >= from && prefix <= to;
}

/** The scheme whose ranges and lengths fit the number, if any (the Luhn check is separate). */
export function cardScheme(digits: string): string | undefined {
  for (const scheme of CARD_SCHEMES) {
    const [min, max] = scheme.lengths;
    if (digits.length < min || digits.length > max) continue;
    if (scheme.ranges.some((r) => inRange(digits, r))) return scheme.name;
  }
  return undefined;
}

/** A payment card number: a known scheme's range and length, and a valid Luhn check digit. */
export function cardNumberValid(digits: string): boolean {
  return cardScheme(digits) !== undefined && luhnValid(digits);
}

/** IBAN length by country (ISO 13616 registry), written as country code and length. */
const IBAN_LENGTH_TABLE =
  'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 ' +
  'DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 ' +
  'IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 ' +
  'MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 ' +
  'SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30';

export const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  IBAN_LENGTH_TABLE.split(' ').map((entry) => [entry.slice(0, 2), Number(entry.slice(2))]),
);

/** Value of an IBAN character in the mod-97 check: digits as themselves, letters A-Z as 10-35. */
function ibanCharValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 87;
  return -1;
}

/**
 * An IBAN in compact form (letters in either case): the country's registered length, two check
 * digits, an alphanumeric BBAN, and the ISO 7064 mod-97 checksum equal to 1.
 */
export function ibanValid(compact: string): boolean {
  const country = compact.slice(0, 2).toUpperCase();
  if (IBAN_LENGTHS.get(country) !== compact.length || !/^\d\d$/.test(compact.slice(2, 4))) return false;
  let remainder = 0;
  for (let k = 0; k < compact.length; k++) {
    // The country code and check digits are moved to the end.
    const value = ibanCharValue(compact.charCodeAt((k + 4) % compact.length));
    if (value < 0) return false;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** Numbers published as examples or misused so widely that they identify no one. */
const ADVERTISED_SSNS = new Set(['078051120', '219099999', '457555462', '123456789']);

/**
 * A US Social Security number as issued since 2011: area not 000, 666 or 900-999, group not 00,
 * serial not 0000, and not a well-known advertised number.
 */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits) || ADVERTISED_SSNS.has(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === 0 || area === 666 || area >= 900) return false;
  return group !== '00' && serial !== '0000';
}

/** Four decimal octets 0-255, without leading zeros (which some parsers read as octal). */
export function ipv4Valid(octets: readonly string[]): boolean {
  if (octets.length !== 4) return false;
  for (const octet of octets) {
    if (octet.length === 0 || octet.length > 3) return false;
    if (octet.length > 1 && octet.charCodeAt(0) === 48) return false;
    if (!/^\d+$/.test(octet) || Number(octet) > 255) return false;
  }
  return true;
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * An IPv6 address in RFC 4291 text form: eight groups of 1-4 hex digits, at most one `::` standing
 * for one or more zero groups, and optionally a dotted IPv4 address as the last 32 bits.
 */
export function ipv6Valid(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const [head = '', tail = ''] = halves;
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  let width = groups.length;
  const last = groups.at(-1);
  if (last?.includes('.')) {
    if (!ipv4Valid(last.split('.'))) return false;
    groups.pop();
    width += 1; // the IPv4 part fills two groups
  }
  if (!groups.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}
