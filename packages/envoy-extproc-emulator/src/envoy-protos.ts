/**
 * Envoy's own protos, loaded from the `deps/` folder of the npm package `@grpc/grpc-js-xds` (envoy-api,
 * xds, protoc-gen-validate, googleapis) rather than copied.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

const ENVOY_PROTO_ROOT = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/**
 * Loader options that give the shapes of `wire-types.ts`: snake_case fields as in the protos (and in
 * Envoy's YAML), enums as their names, bytes as Buffers, and only the fields that were actually set
 * (no defaults), with a virtual field naming each set oneof.
 */
const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((dir) =>
    path.join(ENVOY_PROTO_ROOT, dir),
  ),
};

/** Loads one of Envoy's proto files (a path under `envoy-api`, e.g. `envoy/type/v3/http_status.proto`). */
export function loadEnvoyProto(file: string): protoLoader.PackageDefinition {
  return protoLoader.loadSync(file, PROTO_LOADER_OPTIONS);
}

interface ExtProcPackage {
  envoy: { service: { ext_proc: { v3: { ExternalProcessor: grpc.ServiceClientConstructor } } } };
}

let extProcService: grpc.ServiceClientConstructor | undefined;

/** `envoy.service.ext_proc.v3.ExternalProcessor`, loaded once; its `service` serves a fake processor too. */
export function loadExtProcService(): grpc.ServiceClientConstructor {
  if (extProcService) return extProcService;
  const definition = loadEnvoyProto('envoy/service/ext_proc/v3/external_processor.proto');
  const pkg = grpc.loadPackageDefinition(definition) as unknown as ExtProcPackage;
  extProcService = pkg.envoy.service.ext_proc.v3.ExternalProcessor;
  return extProcService;
}
