import { loadTextClassifier } from './heads/load-text-classifier.ts';
import { ModelLibrary, type ModelLoaders } from './model-library.ts';
import { ensureStaticEncoder } from './static-encoder/ensure-static-encoder.ts';
import { StaticEncoder } from './static-encoder/static-encoder.ts';
import { STATIC_ENCODER_DIR } from './static-encoder/static-encoder-files.ts';
import { TransformerEncoder } from './transformer-encoder/transformer-encoder.ts';

/** The real loaders: the embedded encoder (built first if missing), users' ONNX encoders, trained heads. */
export const defaultModelLoaders: ModelLoaders = {
  async staticEncoder() {
    ensureStaticEncoder(STATIC_ENCODER_DIR);
    return StaticEncoder.load(STATIC_ENCODER_DIR);
  },
  transformerEncoder: (options) => TransformerEncoder.load(options),
  classifier: (directory) => loadTextClassifier(directory),
};

let shared: ModelLibrary | undefined;

/** The process-wide model library: policies and their reloads share loaded models through it. */
export function sharedModelLibrary(): ModelLibrary {
  shared ??= new ModelLibrary(defaultModelLoaders);
  return shared;
}
