import { describe, expect, it } from 'vitest';
import {
  cardNumberValid,
  cardScheme,
  ibanValid,
  ipv4Valid,
  ipv6Valid,
  luhnValid,
  ssnValid,
} from './validators.ts';

describe('luhnValid', () => {
  it.each([
    { name: 'a Visa test number', digits: '4111111111111111', valid: true },
    { name: 'an Amex test number', digits: '378282246310005', valid: true },
    { name: 'one digit changed', digits: '4111111111111112', valid: false },
    { name: 'two digits swapped', digits: '4111111111111161', valid: false },
    { name: 'a non-digit', digits: '41111111111111a1', valid: false },
    { name: 'nothing', digits: '', valid: false },
  ])('$name: $valid', ({ digits, valid }) => {
    expect(luhnValid(digits)).toBe(valid);
  });
});

describe('cardScheme and cardNumberValid', () => {
  it.each([
    { name: 'Visa 16', digits: '4111111111111111', scheme: 'visa', valid: true },
    { name: 'Visa 13', digits: '4222222222222', scheme: 'visa', valid: true },
    { name: 'Mastercard 5-series', digits: '5555555555554444', scheme: 'mastercard', valid: true },
    { name: 'Mastercard 2-series', digits: '2223003122003222', scheme: 'mastercard', valid: true },
    { name: 'Amex', digits: '378282246310005', scheme: 'amex', valid: true },
    { name: 'Discover', digits: '6011111111111117', scheme: 'discover', valid: true },
    { name: 'Diners 14', digits: '30569309025904', scheme: 'diners', valid: true },
    { name: 'JCB', digits: '3530111333300000', scheme: 'jcb', valid: true },
    { name: 'Maestro 12', digits: '501864667909', scheme: 'maestro', valid: true },
    { name: 'Luhn-valid but no issuer (9...)', digits: '9111111111111119', scheme: undefined, valid: false },
    { name: 'Amex prefix, Visa length', digits: '3782822463100050', scheme: undefined, valid: false },
    { name: 'Visa 12 digits (only Maestro has 12)', digits: '411111111116', scheme: undefined, valid: false },
    { name: 'known issuer, bad check digit', digits: '5555555555554445', scheme: 'mastercard', valid: false },
  ])('$name', ({ digits, scheme, valid }) => {
    expect(cardScheme(digits)).toBe(scheme);
    expect(cardNumberValid(digits)).toBe(valid);
  });
});

describe('ibanValid', () => {
  it.each([
    { name: 'GB', iban: 'GB82WEST12345698765432', valid: true },
    { name: 'DE', iban: 'DE89370400440532013000', valid: true },
    { name: 'FR (27 characters, letters in the BBAN)', iban: 'FR1420041010050500013M02606', valid: true },
    { name: 'NO, the shortest', iban: 'NO9386011117947', valid: true },
    { name: 'lower case', iban: 'gb82west12345698765432', valid: true },
    { name: 'a checksum failure', iban: 'GB82WEST12345698765433', valid: false },
    { name: 'swapped check digits', iban: 'GB28WEST12345698765432', valid: false },
    { name: 'wrong length for the country', iban: 'DE8937040044053201300', valid: false },
    { name: 'unknown country', iban: 'XX82WEST12345698765432', valid: false },
    { name: 'letters as check digits', iban: 'GBAAWEST12345698765432', valid: false },
    { name: 'punctuation inside', iban: 'GB82WEST1234569876543-', valid: false },
  ])('$name: $valid', ({ iban, valid }) => {
    expect(ibanValid(iban)).toBe(valid);
  });
});

describe('ssnValid', () => {
  it.each([
    { digits: '536904399', valid: true },
    { digits: '772315829', valid: true },
    { digits: '000123456', valid: false, why: 'area 000' },
    { digits: '666123456', valid: false, why: 'area 666' },
    { digits: '912345678', valid: false, why: 'area 9xx' },
    { digits: '536004399', valid: false, why: 'group 00' },
    { digits: '536900000', valid: false, why: 'serial 0000' },
    { digits: '078051120', valid: false, why: 'an advertised number' },
    { digits: '123456789', valid: false, why: 'an advertised number' },
    { digits: '53690439', valid: false, why: 'eight digits' },
  ])('$digits: $valid', ({ digits, valid }) => {
    expect(ssnValid(digits)).toBe(valid);
  });
});

describe('ipv4Valid', () => {
  it.each([
    { address: '192.168.1.1', valid: true },
    { address: '0.0.0.0', valid: true },
    { address: '255.255.255.255', valid: true },
    { address: '256.1.1.1', valid: false },
    { address: '1.2.3', valid: false },
    { address: '01.2.3.4', valid: false },
    { address: '1.2.3.1000', valid: false },
  ])('$address: $valid', ({ address, valid }) => {
    expect(ipv4Valid(address.split('.'))).toBe(valid);
  });
});

describe('ipv6Valid', () => {
  it.each([
    { address: '2001:0db8:85a3:0000:0000:8a2e:0370:7334', valid: true },
    { address: '2001:db8::8a2e:370:7334', valid: true },
    { address: '::1', valid: true },
    { address: 'fe80::', valid: true },
    { address: '::ffff:192.168.1.1', valid: true },
    { address: '2001:db8::1::1', valid: false },
    { address: '2001:db8:85a3:0:0:8a2e:370', valid: false },
    { address: '2001:db8:85a3:0:0:8a2e:370:7334:1', valid: false },
    { address: '12345::1', valid: false },
    { address: 'g001:db8::1', valid: false },
    { address: '::ffff:300.1.1.1', valid: false },
  ])('$address: $valid', ({ address, valid }) => {
    expect(ipv6Valid(address)).toBe(valid);
  });
});
