/**
 * Validates REST requests (and, for the fake server, responses) against GitHub's OpenAPI
 * description from @octokit/openapi, so tests fail when the app sends something GitHub would
 * reject, instead of passing against a mock that accepts anything.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

const require = createRequire(import.meta.url);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaNode = Record<string, unknown>;

interface ParameterSpec {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: SchemaNode;
  "x-multi-segment"?: boolean;
}

interface OperationSpec {
  operationId?: string;
  parameters?: Array<ParameterSpec | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, { schema?: SchemaNode }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: SchemaNode }> }>;
}

interface Spec {
  paths: Record<string, Record<string, OperationSpec>>;
  "x-webhooks"?: Record<string, { post?: OperationSpec }>;
  components: {
    parameters: Record<string, ParameterSpec>;
    responses: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
  } & Record<string, unknown>;
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch"] as const;

let spec: Spec | undefined;

/**
 * The parsed description, loaded once per module registry. It is read with fs rather than
 * require() so this copy is private and can be normalised in place without touching anyone
 * else's cached object.
 */
function loadSpec(): Spec {
  if (!spec) {
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Spec;
    normaliseNullable(parsed.components);
    normaliseNullable(parsed.paths);
    normaliseNullable(parsed["x-webhooks"]);
    spec = parsed;
  }
  return spec;
}

/**
 * OpenAPI 3.0 `nullable` is not JSON Schema. Ajv understands it only next to `type` (and then
 * still rejects null against an `enum` without null), so rewrite the other cases.
 */
function normaliseNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) normaliseNullable(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const obj = node as SchemaNode;
  for (const key of Object.keys(obj)) normaliseNullable(obj[key]);
  if (obj.nullable !== true) return;
  if (Array.isArray(obj.enum) && !obj.enum.includes(null)) obj.enum.push(null);
  if (obj.type === undefined) {
    const rest = { ...obj };
    delete rest.nullable;
    for (const key of Object.keys(obj)) delete obj[key];
    obj.anyOf = [rest, { type: "null" }];
  }
}

let ajv: Ajv | undefined;
function getAjv(): Ajv {
  if (!ajv) {
    const s = loadSpec();
    ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, validateSchema: false });
    // One document under a fixed $id: every `#/components/...` $ref inside resolves against it.
    ajv.addSchema({ $id: SPEC_ID, components: s.components, paths: s.paths, "x-webhooks": s["x-webhooks"] ?? {} });
  }
  return ajv;
}
const SPEC_ID = "github-openapi";

function pointer(...parts: string[]): string {
  return `${SPEC_ID}#/` + parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = getAjv().compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Path matching

interface Segment {
  /** Literal text, or a pattern like `{base}...{head}` when the segment mixes both. */
  literal?: string;
  pattern?: RegExp;
  names: string[];
  multi: boolean;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  patterns: Array<{ regex: RegExp; node: TrieNode }>;
  param?: TrieNode;
  multi?: TrieNode;
  template?: string;
}

interface TemplateInfo {
  template: string;
  names: string[];
}

const newNode = (): TrieNode => ({ literal: new Map(), patterns: [] });

let trie: TrieNode | undefined;
const templateInfo = new Map<string, TemplateInfo>();

function parseSegment(text: string, multiNames: Set<string>): Segment {
  const whole = /^\{([^}]+)\}$/.exec(text);
  if (whole?.[1]) return { names: [whole[1]], multi: multiNames.has(whole[1]) };
  if (!text.includes("{")) return { literal: text, names: [], multi: false };
  const names: string[] = [];
  const source = text
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (m?.[1]) {
        names.push(m[1]);
        return "(.+?)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return { pattern: new RegExp(`^${source}$`), names, multi: false };
}

/** The trie of every path template, built once: literal segments win over parameters. */
function getTrie(): TrieNode {
  if (trie) return trie;
  const root = newNode();
  for (const [template, item] of Object.entries(loadSpec().paths)) {
    const multiNames = new Set<string>();
    for (const op of Object.values(item)) {
      for (const p of op.parameters ?? []) {
        const param = resolveParameter(p);
        if (param?.["x-multi-segment"]) multiNames.add(param.name);
      }
    }
    let node = root;
    const names: string[] = [];
    for (const text of template.split("/").slice(1)) {
      const seg = parseSegment(text, multiNames);
      names.push(...seg.names);
      if (seg.literal !== undefined) {
        let next = node.literal.get(seg.literal);
        if (!next) node.literal.set(seg.literal, (next = newNode()));
        node = next;
      } else if (seg.pattern) {
        let entry = node.patterns.find((p) => p.regex.source === seg.pattern!.source);
        if (!entry) node.patterns.push((entry = { regex: seg.pattern, node: newNode() }));
        node = entry.node;
      } else if (seg.multi) {
        node = node.multi ??= newNode();
      } else {
        node = node.param ??= newNode();
      }
    }
    node.template = template;
    templateInfo.set(template, { template, names });
  }
  trie = root;
  return root;
}

/** Depth first, literal before pattern before parameter before multi-segment parameter. */
function walk(node: TrieNode, segs: string[], i: number, values: string[]): string | undefined {
  if (i === segs.length) return node.template;
  const seg = segs[i]!;
  const lit = node.literal.get(seg);
  if (lit) {
    const found = walk(lit, segs, i + 1, values);
    if (found) return found;
  }
  for (const { regex, node: next } of node.patterns) {
    const m = regex.exec(decode(seg));
    if (!m) continue;
    const mark = values.length;
    values.push(...m.slice(1));
    const found = walk(next, segs, i + 1, values);
    if (found) return found;
    values.length = mark;
  }
  if (node.param && seg !== "") {
    values.push(decode(seg));
    const found = walk(node.param, segs, i + 1, values);
    if (found) return found;
    values.pop();
  }
  if (node.multi) {
    // Shortest first, so literal segments after the parameter still win
    // (`commits/{sha}/pulls` over `commits/{ref}`); a trailing empty segment is the root.
    for (let end = i + 1; end <= segs.length; end++) {
      const joined = segs.slice(i, end).map(decode).join("/");
      if (joined === "" && end !== segs.length) continue;
      values.push(joined);
      const found = walk(node.multi, segs, end, values);
      if (found) return found;
      values.pop();
    }
  }
  return undefined;
}

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function resolveParameter(p: ParameterSpec | { $ref: string }): ParameterSpec | undefined {
  if ("$ref" in p) {
    const name = p.$ref.replace("#/components/parameters/", "");
    return loadSpec().components.parameters[name];
  }
  return p;
}

export interface MatchedOperation {
  /** The spec's path template, e.g. `/repos/{owner}/{repo}/check-runs/{check_run_id}`. */
  template: string;
  /** Lower-case method as in the spec (`head` is looked up as `get`). */
  method: (typeof HTTP_METHODS)[number];
  operationId: string;
  /** Decoded path parameter values by name. */
  params: Record<string, string>;
  /** The path without host, `/api/v3` or query. */
  path: string;
  query: URLSearchParams;
}

/** Splits any URL form Octokit or a test may hand us into the API path and its query. */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  let rest = url;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (abs) rest = rest.slice(abs[0].length);
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  const query = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : "");
  let path = q >= 0 ? rest.slice(0, q) : rest;
  if (!path.startsWith("/")) path = `/${path}`;
  if (path === "/api/v3" || path.startsWith("/api/v3/")) path = path.slice("/api/v3".length) || "/";
  return { path, query };
}

/**
 * The operation a request addresses, or a reason it addresses none. Path parameters are not
 * type-checked here; `validateRequest` does that.
 */
export function matchOperation(method: string, url: string): MatchedOperation | { error: string } {
  const { path, query } = splitUrl(url);
  const segs = path === "/" ? [] : path.split("/").slice(1);
  const values: string[] = [];
  const template = walk(getTrie(), segs, 0, values);
  const upper = method.toUpperCase();
  if (!template) return { error: `${upper} ${path}: no such path in GitHub's REST API` };
  const m = (upper === "HEAD" ? "get" : method.toLowerCase()) as MatchedOperation["method"];
  const op = HTTP_METHODS.includes(m) ? loadSpec().paths[template]?.[m] : undefined;
  if (!op) return { error: `${upper} ${path}: ${template} has no ${upper} operation` };
  const names = templateInfo.get(template)?.names ?? [];
  const params: Record<string, string> = {};
  names.forEach((name, i) => (params[name] = values[i] ?? ""));
  return { template, method: m, operationId: op.operationId ?? `${m} ${template}`, params, path, query };
}

// ---------------------------------------------------------------------------------------------
// Request and response validation

export interface RequestToValidate {
  method: string;
  /** Absolute URL, `/api/v3/...` or plain `/repos/...`; the query string is validated too. */
  url: string;
  /** Parsed JSON, or the raw text (parsed here when it is JSON). */
  body?: unknown;
  headers?: Record<string, string | string[] | number | undefined>;
}

function header(headers: RequestToValidate["headers"], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(", ") : v === undefined ? undefined : String(v);
  }
  return undefined;
}

function schemaType(schema: SchemaNode | undefined): string | undefined {
  if (!schema) return undefined;
  if (typeof schema.type === "string") return schema.type;
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = (loadSpec().components.schemas as Record<string, SchemaNode> | undefined)?.[name];
    return schemaType(target);
  }
  return undefined;
}

/** Query and path values arrive as text: convert them to the type the schema asks for. */
function coerce(values: string[], schema: SchemaNode | undefined): unknown {
  const type = schemaType(schema);
  const one = (v: string, t: string | undefined): unknown => {
    if ((t === "integer" || t === "number") && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (t === "boolean" && (v === "true" || v === "false")) return v === "true";
    return v;
  };
  if (type === "array") {
    const items = (schema?.items as SchemaNode | undefined) ?? undefined;
    const parts = values.length === 1 ? values[0]!.split(",") : values;
    return parts.map((v) => one(v, schemaType(items)));
  }
  return one(values[values.length - 1] ?? "", type);
}

function formatErrors(prefix: string, where: string, errors: ErrorObject[] | null | undefined): string[] {
  const out = new Set<string>();
  for (const e of errors ?? []) {
    const params = e.params as { allowedValues?: unknown[]; additionalProperty?: string };
    const extra = params.allowedValues ? ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")})` : "";
    out.add(`${prefix}: ${where}${e.instancePath} ${e.message ?? "is invalid"}${extra}`);
  }
  return [...out].slice(0, 12);
}

function parseBody(body: unknown, contentType: string | undefined): { value?: unknown; error?: string } {
  if (typeof body !== "string" && !Buffer.isBuffer(body)) return { value: body };
  const text = body.toString();
  if (text === "") return {};
  if (contentType && !/json/i.test(contentType)) return { value: text };
  try {
    return { value: JSON.parse(text) as Json };
  } catch {
    return contentType ? { error: "body is not valid JSON" } : { value: text };
  }
}

/**
 * Every way the request departs from GitHub's OpenAPI description; empty when it conforms.
 * Unknown query parameters are allowed (GitHub ignores them); unknown paths and methods are not.
 */
export function validateRequest(req: RequestToValidate): string[] {
  const match = matchOperation(req.method, req.url);
  if ("error" in match) return [match.error];
  const op = loadSpec().paths[match.template]![match.method]!;
  const prefix = `${req.method.toUpperCase()} ${match.path} (${match.operationId})`;
  const problems: string[] = [];

  (op.parameters ?? []).forEach((raw, index) => {
    const param = resolveParameter(raw);
    if (!param || (param.in !== "path" && param.in !== "query")) return;
    const values = param.in === "path" ? [match.params[param.name] ?? ""] : match.query.getAll(param.name);
    if (values.length === 0) {
      if (param.required) problems.push(`${prefix}: query parameter "${param.name}" is required`);
      return;
    }
    const ref =
      "$ref" in raw
        ? pointer("components", "parameters", raw.$ref.replace("#/components/parameters/", ""), "schema")
        : pointer("paths", match.template, match.method, "parameters", String(index), "schema");
    if (!param.schema) return;
    const validate = validatorFor(ref);
    if (!validate(coerce(values, param.schema))) {
      problems.push(...formatErrors(prefix, `${param.in} parameter "${param.name}"`, validate.errors));
    }
  });

  const contentType = header(req.headers, "content-type");
  const parsed = parseBody(req.body, contentType);
  if (parsed.error) problems.push(`${prefix}: ${parsed.error}`);
  const rb = op.requestBody;
  if (rb && match.method !== "get") {
    const jsonSchema = rb.content["application/json"]?.schema;
    const isJson = !contentType || /json/i.test(contentType);
    if (jsonSchema && isJson) {
      if (parsed.value === undefined && !parsed.error) {
        if (rb.required) {
          // An absent body is an empty object to GitHub: required properties still apply.
          const validate = validatorFor(pointer("paths", match.template, match.method, "requestBody", "content", "application/json", "schema"));
          if (!validate({})) problems.push(...formatErrors(prefix, "body", validate.errors));
        }
      } else if (parsed.value !== undefined) {
        const validate = validatorFor(pointer("paths", match.template, match.method, "requestBody", "content", "application/json", "schema"));
        if (!validate(parsed.value)) problems.push(...formatErrors(prefix, "body", validate.errors));
      }
    }
  }
  return problems;
}

export interface ResponseToValidate {
  method: string;
  url: string;
  status: number;
  body: unknown;
  /** Only JSON responses are checked; raw media types are skipped. */
  contentType?: string;
}

/** Departures of a JSON response from the schema the description gives for that status. */
export function validateResponse(res: ResponseToValidate): string[] {
  if (res.contentType !== undefined && !/json/i.test(res.contentType)) return [];
  const match = matchOperation(res.method, res.url);
  if ("error" in match) return [match.error];
  const s = loadSpec();
  const op = s.paths[match.template]![match.method]!;
  const key = op.responses?.[String(res.status)] ? String(res.status) : op.responses?.default ? "default" : undefined;
  const prefix = `${res.method.toUpperCase()} ${match.path} (${match.operationId}) → ${res.status}`;
  if (!key) {
    return res.status >= 400 ? [] : [`${prefix}: status ${res.status} is not documented`];
  }
  const entry = op.responses![key]!;
  let ref: string | undefined;
  if (entry.$ref) {
    const name = entry.$ref.replace("#/components/responses/", "");
    if (s.components.responses[name]?.content?.["application/json"]?.schema) {
      ref = pointer("components", "responses", name, "content", "application/json", "schema");
    }
  } else if (entry.content?.["application/json"]?.schema) {
    ref = pointer("paths", match.template, match.method, "responses", key, "content", "application/json", "schema");
  }
  if (!ref) return [];
  const validate = validatorFor(ref);
  return validate(res.body) ? [] : formatErrors(prefix, "response", validate.errors);
}

/**
 * Departures of a webhook payload from the description's schema of that event and action (its
 * `x-webhooks` section), e.g. `deployment-protection-rule-requested`.
 */
export function validateWebhookPayload(name: string, payload: unknown): string[] {
  const hook = loadSpec()["x-webhooks"]?.[name]?.post;
  if (!hook?.requestBody?.content["application/json"]?.schema) return [`webhook ${name} is not in the description`];
  const validate = validatorFor(pointer("x-webhooks", name, "post", "requestBody", "content", "application/json", "schema"));
  return validate(payload) ? [] : formatErrors(`webhook ${name}`, "payload", validate.errors);
}

// ---------------------------------------------------------------------------------------------
// nock integration

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/repos/o/r/check-runs?per_page=100`. */
  path: string;
  body: unknown;
}

export interface NockRecorder {
  requests: RecordedRequest[];
  violations: string[];
  /** Throws with every violation listed when any request departed from the description. */
  assertValid(): void;
  stop(): void;
}

type RequestListener = (req: { method?: string; path?: string; headers?: Record<string, unknown> }, interceptor: { basePath?: string }, body?: string) => void;
const nockListeners = new Set<RequestListener>();
const PATCHED = Symbol.for("aims-bot.openapi.nock-patched");

/**
 * Records every request a nock interceptor answers and validates it against the description.
 * nock 14's global emitter only reports unmatched requests; matched ones are emitted on their
 * scope, so the shared Scope prototype's `emit` is wrapped once to see every scope's requests.
 * nock is required lazily so importing this module (as the fake server does) never activates it.
 */
export function recordAndValidateNock(): NockRecorder {
  const nock = require("nock") as (basePath: string) => object;
  const proto = Object.getPrototypeOf(nock("http://openapi-recorder.invalid")) as {
    emit: (event: string | symbol, ...args: unknown[]) => boolean;
    [PATCHED]?: boolean;
  };
  if (!proto[PATCHED]) {
    const original = proto.emit;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === "request") {
        for (const listener of nockListeners) listener(...(args as Parameters<RequestListener>));
      }
      return original.call(this, event, ...args);
    };
    proto[PATCHED] = true;
  }

  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const listener: RequestListener = (req, interceptor, body) => {
    const method = (req.method ?? "GET").toUpperCase();
    const path = req.path ?? "/";
    const headers = (req.headers ?? {}) as RequestToValidate["headers"];
    const parsed = parseBody(body ?? "", header(headers, "content-type") ?? "application/json");
    requests.push({ method, path, body: parsed.value ?? (body || undefined) });
    violations.push(...validateRequest({ method, url: `${interceptor.basePath ?? ""}${path}`, body: body ?? "", headers }));
  };
  nockListeners.add(listener);
  return {
    requests,
    violations,
    assertValid() {
      if (violations.length > 0) {
        throw new Error(`requests departing from GitHub's OpenAPI description:\n  ${violations.join("\n  ")}`);
      }
    },
    stop() {
      nockListeners.delete(listener);
    },
  };
}
