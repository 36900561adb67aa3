/**
 * Checks envoy/envoy.yaml without an Envoy binary: first its shape against Envoy's own protos (the
 * same mistakes Envoy would refuse at startup), then the facts the router depends on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ENVOY_PROTO_INCLUDE_DIRS } from '../src/extproc/protos.ts';
import { Headers } from '../src/headers.ts';
import { parsePolicy } from '../src/policy/parse.ts';
import { builtinRegistry } from '../src/registry.ts';
import { DEFAULT_POLICY_PATH, REPO_ROOT, readPolicy, readPolicyModels } from './support/default-policy.ts';
import { checkShape, formatProblems, loadProtoRoot, parseDuration } from './support/proto-shape.ts';

const ENVOY_YAML = path.join(REPO_ROOT, 'envoy', 'envoy.yaml');

/** The bootstrap plus every extension referenced by an `@type` in envoy.yaml. */
const ENVOY_PROTOS = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/ext_proc/v3/ext_proc.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/http/early_header_mutation/header_mutation/v3/header_mutation.proto',
];

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const EXT_PROC_TYPE = 'envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';
const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

// The subset of the bootstrap this test reads. The shape check guarantees the structure; these
// types only name the fields.
interface TypedConfig {
  '@type': string;
  [key: string]: unknown;
}
interface SocketAddress {
  address: string;
  port_value: number;
}
interface HeaderMatcher {
  name: string;
  string_match?: { exact?: string };
  present_match?: boolean;
}
interface Route {
  name?: string;
  match: { prefix?: string; path?: string; headers?: HeaderMatcher[] };
  route?: { cluster?: string; cluster_header?: string; timeout?: string };
}
interface HttpFilter {
  name: string;
  typed_config: TypedConfig;
}
interface HttpConnectionManager extends TypedConfig {
  route_config: { virtual_hosts: { domains: string[]; routes: Route[] }[] };
  http_filters: HttpFilter[];
  early_header_mutation_extensions?: { typed_config: TypedConfig & { mutations?: { remove?: string }[] } }[];
}
interface MutationRules {
  allow_all_routing?: boolean;
  allow_envoy?: boolean;
  disallow_system?: boolean;
  disallow_all?: boolean;
  disallow_is_error?: boolean;
  allow_expression?: { regex: string };
  disallow_expression?: { regex: string };
}
interface ExternalProcessor extends TypedConfig {
  grpc_service: { envoy_grpc?: { cluster_name: string }; timeout?: string };
  failure_mode_allow?: boolean;
  processing_mode?: Record<string, string>;
  message_timeout?: string;
  max_message_timeout?: string;
  allow_mode_override?: boolean;
  disable_clear_route_cache?: boolean;
  route_cache_action?: string;
  mutation_rules?: MutationRules;
}
interface HttpProtocolOptions extends TypedConfig {
  explicit_http_config?: { http_protocol_options?: object; http2_protocol_options?: object };
  use_downstream_protocol_config?: object;
  auto_config?: object;
}
interface Cluster {
  name: string;
  type?: string;
  typed_extension_protocol_options?: Record<string, TypedConfig>;
  load_assignment: {
    cluster_name: string;
    endpoints: { lb_endpoints: { endpoint: { address: { socket_address: SocketAddress } } }[] }[];
  };
}
interface Bootstrap {
  admin: { address: { socket_address: SocketAddress } };
  static_resources: {
    listeners: {
      name: string;
      address: { socket_address: SocketAddress };
      per_connection_buffer_limit_bytes?: number;
      filter_chains: { filters: { name: string; typed_config: TypedConfig }[] }[];
    }[];
    clusters: Cluster[];
  };
}

function readEnvoyYaml(): { bootstrap: unknown; errors: string[] } {
  const doc = parseDocument(fs.readFileSync(ENVOY_YAML, 'utf8'), { uniqueKeys: true, strict: true });
  const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
  return { bootstrap: doc.toJS(), errors };
}

function typeOf(config: TypedConfig): string {
  return config['@type'].slice(config['@type'].lastIndexOf('/') + 1);
}

function durationMs(text: string | undefined): number {
  if (text === undefined) throw new Error('duration is not set');
  const nanos = parseDuration(text);
  if (nanos === null) throw new Error(`not a duration: ${text}`);
  return Number(nanos / 1_000_000n);
}

/**
 * Envoy's rule for which headers an ext_proc server may change, as documented on HeaderMutationRules
 * (envoy/config/common/mutation_rules/v3/mutation_rules.proto): disallow_expression wins, then
 * allow_expression, then disallow_all; routing headers need allow_all_routing; pseudo-headers are
 * refused with disallow_system; `x-envoy-*` needs allow_envoy. Expressions match the whole name.
 */
function mutationAllowed(rules: MutationRules | undefined, header: string): boolean {
  const name = header.toLowerCase();
  const fullMatch = (regex: string) => new RegExp(`^(?:${regex})$`).test(name);
  if (rules?.disallow_expression && fullMatch(rules.disallow_expression.regex)) return false;
  if (rules?.allow_expression && fullMatch(rules.allow_expression.regex)) return true;
  if (rules?.disallow_all) return false;
  if (!rules?.allow_all_routing && ['host', ':authority', ':scheme', ':method'].includes(name)) return false;
  if (rules?.disallow_system && name.startsWith(':')) return false;
  if (!rules?.allow_envoy && name.startsWith('x-envoy')) return false;
  return true;
}

describe('envoy/envoy.yaml', () => {
  let root: protobuf.Root;
  let raw: unknown;
  let bootstrap: Bootstrap;
  let hcm: HttpConnectionManager;
  let extProc: ExternalProcessor;
  let routes: Route[];
  let clusters: Map<string, Cluster>;

  beforeAll(() => {
    root = loadProtoRoot(ENVOY_PROTOS, ENVOY_PROTO_INCLUDE_DIRS);
    raw = readEnvoyYaml().bootstrap;
    bootstrap = raw as Bootstrap;
    const listener = bootstrap.static_resources.listeners.find(
      (l) => l.address.socket_address.port_value === 8080,
    );
    const filter = listener?.filter_chains[0]?.filters.find((f) => typeOf(f.typed_config) === HCM_TYPE);
    if (!filter) throw new Error('no HTTP connection manager on a listener at port 8080');
    hcm = filter.typed_config as HttpConnectionManager;
    const extProcFilter = hcm.http_filters.find((f) => typeOf(f.typed_config) === EXT_PROC_TYPE);
    if (!extProcFilter) throw new Error('no ext_proc filter in the HTTP connection manager');
    extProc = extProcFilter.typed_config as ExternalProcessor;
    routes = hcm.route_config.virtual_hosts.flatMap((vh) => vh.routes);
    clusters = new Map(bootstrap.static_resources.clusters.map((c) => [c.name, c]));
  }, 30_000);

  describe('shape', () => {
    it('is plain YAML without duplicate keys or parse warnings', () => {
      expect(readEnvoyYaml().errors).toEqual([]);
    });

    it('matches the Bootstrap proto: no unknown fields, enum values, @types or double oneofs', () => {
      const problems = checkShape(root, 'envoy.config.bootstrap.v3.Bootstrap', raw);
      expect(formatProblems(problems)).toBe('');
    });

    it('has the listener on 8080 and the admin interface on 9901', () => {
      expect(bootstrap.static_resources.listeners.map((l) => l.address.socket_address.port_value)).toEqual([
        8080,
      ]);
      expect(bootstrap.admin.address.socket_address.port_value).toBe(9901);
    });

    it('buffers bodies up to the policy limit, so that the router answers the ones that are too large', () => {
      const { maxBodyBytes } = readPolicy();
      const limit = bootstrap.static_resources.listeners[0]?.per_connection_buffer_limit_bytes ?? 1024 * 1024;
      expect(limit).toBeGreaterThan(maxBodyBytes ?? 1024 * 1024);
    });
  });

  describe('ext_proc filter', () => {
    it('runs before the router filter, which is last', () => {
      const types = hcm.http_filters.map((f) => typeOf(f.typed_config));
      expect(types.indexOf(EXT_PROC_TYPE)).toBeGreaterThanOrEqual(0);
      expect(types.indexOf(EXT_PROC_TYPE)).toBeLessThan(types.indexOf(ROUTER_TYPE));
      expect(types.at(-1)).toBe(ROUTER_TYPE);
      expect(types.filter((t) => t === EXT_PROC_TYPE)).toHaveLength(1);
    });

    it('uses the processing mode the router is written for', () => {
      expect(extProc.processing_mode).toEqual({
        request_header_mode: 'SEND',
        request_body_mode: 'BUFFERED',
        request_trailer_mode: 'SKIP',
        response_header_mode: 'SEND',
        response_body_mode: 'BUFFERED',
        response_trailer_mode: 'SKIP',
      });
    });

    it('lets the router switch the response body to STREAMED for event streams', () => {
      expect(extProc.allow_mode_override).toBe(true);
    });

    it('closes ext_proc streams gracefully, so Node.js HTTP/2 reset limits never drop the connection', () => {
      const layers = (raw as { layered_runtime?: { layers?: { static_layer?: Record<string, unknown> }[] } })
        .layered_runtime?.layers;
      const flags = Object.assign({}, ...(layers ?? []).map((layer) => layer.static_layer ?? {}));
      expect(flags['envoy.reloadable_features.ext_proc_graceful_grpc_close']).toBe(true);
    });

    it('fails closed when the router cannot answer, so that slowness is never a way past its checks', () => {
      expect(extProc.failure_mode_allow).toBe(false);
    });

    it('honours clear_route_cache from the router', () => {
      expect(extProc.disable_clear_route_cache).not.toBe(true);
      expect(extProc.route_cache_action ?? 'DEFAULT').toBe('DEFAULT');
    });

    it("waits for each answer longer than the default policy's budget, with room to spare, within the override bound", () => {
      const message = durationMs(extProc.message_timeout);
      const { budgetMs } = parsePolicy(fs.readFileSync(DEFAULT_POLICY_PATH, 'utf8'), builtinRegistry).policy
        .settings;
      expect(message).toBeGreaterThanOrEqual(budgetMs + 500);
      expect(message).toBeLessThanOrEqual(5_000);
      expect(durationMs(extProc.max_message_timeout)).toBeGreaterThanOrEqual(message);
    });

    it('lets the router set its headers, and nothing in the rules turns a refusal into a 500', () => {
      const rules = extProc.mutation_rules;
      for (const header of [
        Headers.cluster,
        Headers.selectedModel,
        Headers.decision,
        Headers.reason,
        Headers.responseModel,
        Headers.requestId,
        Headers.contentLength,
      ]) {
        expect(mutationAllowed(rules, header), header).toBe(true);
      }
      // Sanity check of the rule model itself: Envoy's defaults refuse these.
      expect(mutationAllowed(rules, 'host')).toBe(false);
      expect(mutationAllowed(rules, 'x-envoy-original-path')).toBe(false);
      expect(rules?.disallow_is_error ?? false).toBe(false);
    });

    it('talks to an HTTP/2 cluster at router:50051', () => {
      const name = extProc.grpc_service.envoy_grpc?.cluster_name;
      expect(name).toBeDefined();
      const cluster = clusters.get(name ?? '');
      expect(cluster, `cluster ${name}`).toBeDefined();
      const options = cluster?.typed_extension_protocol_options?.[HTTP_OPTIONS_KEY] as HttpProtocolOptions;
      expect(typeOf(options)).toBe(HTTP_OPTIONS_KEY);
      expect(options.explicit_http_config?.http2_protocol_options).toBeDefined();
      const endpoints = cluster?.load_assignment.endpoints.flatMap((e) => e.lb_endpoints) ?? [];
      expect(endpoints.map((e) => e.endpoint.address.socket_address)).toEqual([
        { address: 'router', port_value: 50051 },
      ]);
    });

    it('keeps the gRPC stream alive at least as long as any route may run', () => {
      const grpcTimeout = durationMs(extProc.grpc_service.timeout);
      for (const route of routes) {
        expect(grpcTimeout, route.name).toBeGreaterThanOrEqual(durationMs(route.route?.timeout));
      }
    });
  });

  describe('routes', () => {
    it('send a request to the cluster the router names in x-router-cluster, first', () => {
      const [first] = routes;
      expect(first?.match).toEqual({
        prefix: '/',
        headers: [{ name: Headers.cluster, present_match: true }],
      });
      expect(first?.route?.cluster_header).toBe(Headers.cluster);
      expect(first?.route?.cluster).toBeUndefined();
    });

    it('have a cluster for the endpoint of every model of policies/default.yaml', () => {
      for (const model of readPolicyModels()) {
        expect(clusters.has(model.cluster), `${model.name} -> ${model.cluster}`).toBe(true);
      }
    });

    it('send every other route to a cluster that exists', () => {
      for (const route of routes.filter((r) => r.route?.cluster_header === undefined)) {
        expect(clusters.has(route.route?.cluster ?? ''), `${route.name} -> ${route.route?.cluster}`).toBe(
          true,
        );
      }
    });

    it('send requests without x-router-cluster to the small_model cluster, after the routed one', () => {
      expect(routes).toHaveLength(2);
      const last = routes.at(-1);
      expect(last?.match).toEqual({ prefix: '/' });
      expect(last?.route?.cluster).toBe('small_model');
    });

    it('give LLM requests a timeout far above the 15s default', () => {
      for (const route of routes) {
        expect(durationMs(route.route?.timeout), route.name).toBeGreaterThanOrEqual(60_000);
      }
    });

    it('ignore x-router-cluster and x-selected-model headers sent by the client', () => {
      const removed = (hcm.early_header_mutation_extensions ?? []).flatMap((ext) =>
        (ext.typed_config.mutations ?? []).map((m) => m.remove),
      );
      expect(removed).toContain(Headers.cluster);
      expect(removed).toContain(Headers.selectedModel);
    });
  });

  describe('clusters', () => {
    it('are STRICT_DNS with one endpoint each', () => {
      for (const cluster of clusters.values()) {
        expect(cluster.type, cluster.name).toBe('STRICT_DNS');
        expect(cluster.load_assignment.cluster_name, cluster.name).toBe(cluster.name);
        expect(
          cluster.load_assignment.endpoints.flatMap((e) => e.lb_endpoints),
          cluster.name,
        ).toHaveLength(1);
      }
    });

    it('reach the model backends over HTTP/1.1', () => {
      const modelClusters = new Set([
        ...readPolicyModels().map((model) => model.cluster),
        ...routes.flatMap((r) => (r.route?.cluster ? [r.route.cluster] : [])),
      ]);
      expect([...modelClusters].sort()).toEqual(['large_model', 'small_model']);
      for (const name of modelClusters) {
        const options = clusters.get(name)?.typed_extension_protocol_options?.[HTTP_OPTIONS_KEY] as
          | HttpProtocolOptions
          | undefined;
        if (!options) continue; // no protocol options: Envoy's default upstream protocol is HTTP/1.1
        expect(options.explicit_http_config?.http_protocol_options, name).toBeDefined();
        expect(options.explicit_http_config?.http2_protocol_options, name).toBeUndefined();
        expect(options.use_downstream_protocol_config, name).toBeUndefined();
        expect(options.auto_config, name).toBeUndefined();
      }
    });
  });
});
