import { z } from 'zod';
import { TEXT_SCOPES } from '../request/router-request.ts';
import { shippedNameTagger } from './pii/name-tagger.ts';
import {
  DEFAULT_PII_MIN_CONFIDENCE,
  isNameType,
  PII_TYPES,
  type PiiSpan,
  type PiiType,
  STRUCTURED_PII_TYPES,
} from './pii/pii-types.ts';
import { scopePii } from './pii/request-pii.ts';
import { defineSignal, type SignalResult, type SignalSpan } from './signal.ts';

const Params = z
  .object({
    scope: z
      .enum(TEXT_SCOPES)
      .default('last-user')
      .describe(
        'Which messages are searched: the last user message; every user message and tool or function result; or every message.',
      ),
    entities: z
      .array(z.enum(PII_TYPES))
      .min(1)
      .default([...STRUCTURED_PII_TYPES])
      .describe(
        'The entity types that count; the structured identifiers by default. PERSON, LOCATION (cities, countries), STREET_ADDRESS and ORGANIZATION come from a trained token tagger (models/pii-names), only when listed: it is loaded when a policy names one of them, reads at most 8192 characters of a request (its messages from the last one back), costs about 0.1-0.2 ms for a short prompt and 6-13 ms for 4 KB, and is much less precise than the rules (see its card), so it suits `redact` and `private` better than `block`.',
      ),
    minConfidence: z
      .number()
      .min(0)
      .max(1)
      .default(DEFAULT_PII_MIN_CONFIDENCE)
      .describe(
        'Lowest detector score that counts. Cards and IBANs (checksummed) score 0.95, emails 0.9, IP addresses 0.8-0.85, SSNs 0.6-0.85 by format; phone numbers 0.9 with a country code, 0.6-0.75 in North American, `00`-prefixed or area-code formats, 0.3-0.45 in other groupings or as bare digits, plus 0.35 next to a word such as phone, call or fax. Named entities score the mean probability the tagger gives their tokens.',
      ),
  })
  .strict();

type PiiParams = z.infer<typeof Params>;

/** Scopes by the messages they read: each one's text contains the previous one's messages. */
function scopeRank(scope: PiiParams['scope']): number {
  return TEXT_SCOPES.indexOf(scope);
}

/**
 * Personal data in the prompt: emails, phone numbers, payment cards, IBANs, US SSNs and IP
 * addresses, each checked by its own rules (Luhn, mod-97, SSN area rules, octet ranges), and the
 * people, places, street addresses and organisations the trained tagger finds. The result lists
 * the types found and their spans, never the values.
 */
export const piiSignal = defineSignal({
  type: 'pii',
  description:
    'Finds personal data in the prompt: email addresses, phone numbers, payment cards (Luhn and issuer ranges), IBANs (country length and mod-97), US SSNs and IP addresses by rules, and people, places, street addresses and organisations by a trained token tagger. Evidence names the entity types found, never the values.',
  params: Params,
  create(raw) {
    const params = raw as PiiParams;
    const types = new Set<PiiType>(params.entities);
    const tagger = params.entities.some(isNameType) ? shippedNameTagger() : undefined;
    const verdict = (found: readonly PiiSpan[]): SignalResult => {
      const spans: SignalSpan[] = [];
      const evidence: string[] = [];
      let confidence = 0;
      for (const span of found) {
        if (!types.has(span.type) || span.score < params.minConfidence) continue;
        spans.push(span);
        if (!evidence.includes(span.type)) evidence.push(span.type);
        confidence = Math.max(confidence, span.score);
      }
      if (spans.length === 0) return { matched: false, confidence: 0, evidence: [], value: 0 };
      return { matched: true, confidence, evidence, value: spans.length, spans };
    };
    return {
      evaluate(request) {
        const found = scopePii(request, params.scope, tagger);
        return found instanceof Promise ? found.then(verdict) : verdict(found);
      },
    };
  },
  relate(a, b) {
    // Whatever `a` finds, `b` finds too when it reads more messages, counts more types and a lower score.
    const fewerTypes = a.entities.every((type) => b.entities.includes(type));
    const implies =
      scopeRank(a.scope) <= scopeRank(b.scope) && fewerTypes && a.minConfidence >= b.minConfidence;
    return implies ? 'implies' : 'unknown';
  },
});
