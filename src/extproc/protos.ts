import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** Folder of the Envoy, xDS, validate and googleapis protos shipped by `@grpc/grpc-js-xds`. */
const ENVOY_PROTO_ROOT = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** Include paths that resolve every import of Envoy's API protos. */
export const ENVOY_PROTO_INCLUDE_DIRS = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((dir) =>
  path.join(ENVOY_PROTO_ROOT, dir),
);

/**
 * Loader options shared by the server and the test client so that both see the same shapes:
 * snake_case fields as in the protos (and in Envoy's YAML), enums as their names, bytes as Buffers,
 * and only the fields that were actually set (no defaults), with a virtual field naming each set oneof.
 */
const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: ENVOY_PROTO_INCLUDE_DIRS,
};

export const EXT_PROC_SERVICE_NAME = 'envoy.service.ext_proc.v3.ExternalProcessor';

interface ExtProcPackage {
  envoy: { service: { ext_proc: { v3: { ExternalProcessor: grpc.ServiceClientConstructor } } } };
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The ExternalProcessor service definition, loaded once from Envoy's own protos. */
export function loadExtProcService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const definition = protoLoader.loadSync(
    'envoy/service/ext_proc/v3/external_processor.proto',
    PROTO_LOADER_OPTIONS,
  );
  const pkg = grpc.loadPackageDefinition(definition) as unknown as ExtProcPackage;
  cached = pkg.envoy.service.ext_proc.v3.ExternalProcessor;
  return cached;
}
