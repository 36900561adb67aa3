import { describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../test/support/fake-models.ts';
import type { TextClassifier } from './heads/text-classifier.ts';
import { describeStaleHead, staleHead, staleHeads } from './stale-heads.ts';

/** A head whose card records `encoderId` (or nothing); only its identity matters here. */
function headTrainedOver(encoderId: string | undefined, encoderName = 'glove-sif-100d'): TextClassifier {
  return {
    id: 'jailbreak@0123',
    labels: ['benign', 'jailbreak'],
    encoderName,
    ...(encoderId !== undefined && { encoderId }),
    readsTokenPooling: false,
    classify: () => Promise.reject(new Error('not classified in these tests')),
  };
}

function encoder(id: string): FakeEmbedder {
  return Object.assign(new FakeEmbedder(), { id });
}

describe('staleHead', () => {
  it('is undefined over the very build the head was trained over', () => {
    expect(staleHead(headTrainedOver('glove-sif-100d@aaaa'), encoder('glove-sif-100d@aaaa'))).toBeUndefined();
  });

  it('names the head and both builds over another build of the same encoder', () => {
    const stale = staleHead(headTrainedOver('glove-sif-100d@aaaa'), encoder('glove-sif-100d@bbbb'));
    expect(stale).toEqual({
      head: 'jailbreak@0123',
      trainedOver: 'glove-sif-100d@aaaa',
      runsOver: 'glove-sif-100d@bbbb',
    });
    expect(describeStaleHead(stale as NonNullable<typeof stale>)).toMatch(
      /jailbreak@0123 was trained over encoder glove-sif-100d@aaaa but runs over glove-sif-100d@bbbb.*retrain/,
    );
  });

  it('is undefined over another encoder (a head is never bound to one) and for a card without the id', () => {
    expect(staleHead(headTrainedOver('glove-sif-100d@aaaa'), encoder('minilm@cccc'))).toBeUndefined();
    expect(staleHead(headTrainedOver(undefined), encoder('glove-sif-100d@bbbb'))).toBeUndefined();
  });
});

describe('staleHeads', () => {
  it('pairs each head only with the encoders of its name', () => {
    const heads = [
      headTrainedOver('glove-sif-100d@aaaa'),
      headTrainedOver('minilm@cccc', 'minilm'),
      headTrainedOver('glove-sif-100d@bbbb'),
    ];
    const found = staleHeads(heads, [encoder('glove-sif-100d@bbbb'), encoder('minilm@cccc')]);
    expect(found.map((stale) => stale.trainedOver)).toEqual(['glove-sif-100d@aaaa']);
  });
});
