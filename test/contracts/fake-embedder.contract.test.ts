import { FakeEmbedder } from '../support/fake-models.ts';
import { embedderContract } from './embedder.contract.ts';

// The unit tests' fake meets the same contract as the real encoders.
embedderContract('fake bag-of-words embedder', () => new FakeEmbedder());
