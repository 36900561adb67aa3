/** The policy integration tests run against: every signal type and plugin, small enough to read. */
export const TEST_POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: integration }
settings:
  maxBodyBytes: 4096
models:
  - name: small
    endpoint: { cluster: small_cluster }
    pricing: { inputPerMillion: 1, outputPerMillion: 2 }
    contextWindow: 200
  - name: large
    endpoint: { cluster: large_cluster }
    upstreamModel: large-served-name
    pricing: { inputPerMillion: 10, outputPerMillion: 20 }
    contextWindow: 100000
signals:
  - { type: keyword, name: code, words: [python, rust] }
  - { type: keyword, name: banned, phrases: [forbidden topic] }
  - { type: context-length, name: long, min: 300 }
  - { type: header, name: premium, header: x-user-tier, equals: [premium] }
  - { type: model, name: asks-small, models: [small] }
decisions:
  - name: banned
    priority: 100
    when: keyword:banned
    models: [small]
    plugins:
      - { type: reject, status: 451, code: banned_topic, message: This topic is not served here. }
  - name: code
    priority: 10
    when: keyword:code
    models: [large]
    plugins:
      - { type: system-prompt, mode: insert-if-missing, text: You are a coding assistant. }
      - { type: headers, set: { x-team: platform } }
  - name: long
    priority: 5
    when: context-length:long
    models: [small, large]
  - name: premium
    when: { all: [header:premium, { not: model:asks-small }] }
    models: [large]
defaultDecision:
  models: [small]
`;
