import { extractFacts, valueOf, type Chain, type FileFacts, type Value } from "./extract.js";
import { lookupModel, type ModelCatalogue } from "./models.js";
import type { SyntaxNode } from "./parser.js";
import { importMatches, valueMatches, type CodeKind, type CodeLanguage, type CodeRule } from "./rules.js";
import { SYNTAX } from "./syntax.js";

/** One place in a file where AI is used, as the rules describe it. */
export interface CodeUsage {
  rule: string;
  kind: CodeKind;
  what: string;
  provider?: string;
  /** The call as written without arguments (`client.chat.completions.create`): identity across versions. */
  callee: string;
  line: number;
  column: number;
  model?: string;
  /** false when the model is an expression (`settings.model`), not a literal id. */
  modelLiteral?: boolean;
  /** Line of the model id when it is written inside the call. */
  modelLine?: number;
  modelColumn?: number;
  /** Notebook code cell, when the file is a notebook. */
  cell?: number;
  /** Text of the prompt argument, compared between base and head. */
  prompt?: string;
}

/** Calls that build a model handle from an id: `openai("gpt-4o")`, `anthropic.languageModel(...)`. */
const MODEL_FACTORIES = /^(openai|anthropic|google|vertex|mistral|azure|bedrock|amazonBedrock|groq|cohere|ollama|xai|deepseek|togetherai|fireworks|perplexity)(\.(chat|languageModel|textEmbeddingModel|embedding|responses|completion))?$/;

/** Rules with their call patterns split once and indexed by the name a pattern ends with. */
export interface CompiledRules {
  rules: readonly CodeRule[];
  /** Last pattern segment → [rule index, pattern parts]; `*` endings under "*". */
  byLastName: ReadonlyMap<string, ReadonlyArray<[number, readonly string[]]>>;
}

export function compileRules(rules: readonly CodeRule[]): CompiledRules {
  const byLastName = new Map<string, Array<[number, string[]]>>();
  rules.forEach((r, i) => {
    for (const pattern of r.calls ?? []) {
      const parts = pattern.split(".");
      const last = parts.at(-1)!;
      byLastName.set(last, [...(byLastName.get(last) ?? []), [i, parts]]);
    }
  });
  return { rules, byLastName };
}

export function matchUsages(root: SyntaxNode, language: CodeLanguage, compiled: CompiledRules, catalogue: ModelCatalogue): CodeUsage[] {
  const { rules } = compiled;
  const facts = extractFacts(root, language);
  const activeIndex = new Set<number>();
  const active = rules.filter(
    (r) =>
      (!r.languages || r.languages.includes(language)) &&
      (!r.imports || r.imports.some((p) => facts.imports.some((m) => importMatches(p, m)))),
  );
  rules.forEach((r, i) => {
    if (active.includes(r)) activeIndex.add(i);
  });
  const usages: Array<CodeUsage & { span?: [number, number] }> = [];
  const provider = (rule: CodeRule, model: string | undefined) =>
    rule.provider ?? (model !== undefined ? lookupModel(catalogue, model)?.provider : undefined);
  for (const chain of facts.chains) {
    for (const [rule, at] of chainMatches(chain, compiled, activeIndex)) {
      const arg = (key: string) => argument(chain, at, key, facts);
      if (rule.where && !Object.entries(rule.where).every(([k, allowed]) => {
        const v = arg(k);
        return v !== undefined && allowed.some((p) => valueMatches(p, v.text));
      })) continue;
      if (rule.files && !namesFile(chain, at, rule.files, facts)) continue;
      const model = firstOf(rule.model, arg);
      const prompt = firstOf(rule.prompt, arg);
      const node = chain.segments[at]!.call!.node;
      const inside = model && model.node.startIndex >= chain.node.startIndex && model.node.endIndex <= chain.node.endIndex;
      usages.push({
        rule: rule.id,
        kind: rule.kind,
        what: rule.what,
        ...optional("provider", provider(rule, model?.literal ? model.text : undefined)),
        callee: chain.segments.slice(0, at + 1).map((s) => s.name).join("."),
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        ...(model ? { model: model.text, modelLiteral: model.literal } : {}),
        ...(inside ? { modelLine: model.node.startPosition.row + 1, modelColumn: model.node.startPosition.column + 1 } : {}),
        ...(prompt ? { prompt: prompt.text } : {}),
        span: [chain.node.startIndex, chain.node.endIndex],
      });
      break;
    }
  }
  for (const rule of active) {
    if (rule.object) {
      const { key, values } = rule.object;
      for (const o of facts.objects) {
        const roleNode = [...o.pairs].find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
        if (!roleNode) continue;
        const role = valueOf(roleNode, facts).text;
        if (!values.some((p) => valueMatches(p, role))) continue;
        const prompt = rule.prompt?.map((k) => [...o.pairs].find(([name]) => name.toLowerCase() === k.toLowerCase())?.[1]).find(Boolean);
        if (rule.prompt && !prompt) continue;
        usages.push(objectUsage(rule, o.node, `{${key}: ${role}}`, prompt ? valueOf(prompt, facts).text : undefined));
      }
    }
    if (rule.tuple) {
      for (const t of facts.tuples) {
        const [first, second] = t.items;
        if (!first || !second || t.items.length !== 2) continue;
        const head = valueOf(first, facts);
        if (!head.literal || head.text !== rule.tuple) continue;
        usages.push(objectUsage(rule, t.node, `(${rule.tuple}, …)`, valueOf(second, facts).text));
      }
    }
  }
  // A request struct passed to a call of the same rule is one use (`CreateChatCompletion(ctx, ChatCompletionRequest{...})`).
  const kept = usages.filter(
    (u) => !usages.some((o) => o !== u && o.rule === u.rule && o.span && u.span && o.span[0] <= u.span[0] && u.span[1] <= o.span[1] && (o.span[0] < u.span[0] || o.span[1] > u.span[1])),
  );
  return kept.map(({ span: _span, ...u }) => u).sort((a, b) => a.line - b.line || a.column - b.column);
}

function objectUsage(rule: CodeRule, node: SyntaxNode, callee: string, prompt: string | undefined): CodeUsage {
  return {
    rule: rule.id,
    kind: rule.kind,
    what: rule.what,
    ...optional("provider", rule.provider),
    callee,
    line: node.startPosition.row + 1,
    column: node.startPosition.column + 1,
    ...(prompt !== undefined ? { prompt } : {}),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function firstOf(keys: readonly string[] | undefined, arg: (key: string) => Value | undefined): Value | undefined {
  for (const k of keys ?? []) {
    const v = arg(k);
    if (v) return v;
  }
  return undefined;
}

/**
 * Active rules whose call pattern ends on a call segment of the chain, in rule order, each with
 * the index of that segment (the first pattern of a rule that matches).
 */
function* chainMatches(chain: Chain, compiled: CompiledRules, active: ReadonlySet<number>): Generator<[CodeRule, number]> {
  const names = chain.segments;
  const found = new Map<number, number>();
  for (let end = 0; end < names.length; end++) {
    if (!names[end]!.call) continue;
    for (const [ruleIndex, parts] of [...(compiled.byLastName.get(names[end]!.name) ?? []), ...(compiled.byLastName.get("*") ?? [])]) {
      if (!active.has(ruleIndex) || found.has(ruleIndex) || parts.length > end + 1) continue;
      let ok = true;
      for (let k = 0; k < parts.length && ok; k++) {
        const p = parts[parts.length - 1 - k]!;
        ok = p === "*" || p === names[end - k]!.name;
      }
      if (ok) found.set(ruleIndex, end);
    }
  }
  for (const ruleIndex of [...found.keys()].sort((a, b) => a - b)) yield [compiled.rules[ruleIndex]!, found.get(ruleIndex)!];
}

/** `$0`: positional argument of the matched call; a name: a keyword, option key, builder setter or option function. */
function argument(chain: Chain, at: number, key: string, facts: FileFacts): Value | undefined {
  const positional = /^\$(\d)$/.exec(key);
  if (positional) {
    const node = chain.segments[at]!.call!.positional[Number(positional[1])];
    return node ? modelValue(node, facts) : undefined;
  }
  const order = [chain.segments[at]!, ...chain.segments.filter((_, i) => i !== at)];
  for (const s of order) {
    const node = s.call?.named.get(key);
    if (node) return modelValue(node, facts);
  }
  for (const s of chain.segments) {
    if (s.name === key && s.call?.positional[0]) return modelValue(s.call.positional[0], facts);
    for (const p of s.call?.positional ?? []) {
      const option = optionCall(p, facts.language);
      if (option?.name === key && option.arg) return modelValue(option.arg, facts);
    }
  }
  return undefined;
}

/** `openai.WithModel("x")` passed as an argument: the option's name and first argument. */
function optionCall(node: SyntaxNode, language: CodeLanguage): { name: string; arg?: SyntaxNode } | undefined {
  const shape = SYNTAX[language].calls[node.type];
  if (!shape?.callee || !shape.args) return undefined;
  const callee = node.childForFieldName(shape.callee);
  const args = node.childForFieldName(shape.args[0]!);
  if (!callee || !args || callee.text.length > 100) return undefined;
  const name = callee.text.split(".").at(-1)!;
  const arg = args.namedChildren.find((c) => c !== null && !SYNTAX[language].comments.has(c.type));
  return { name, ...(arg ? { arg: arg.type === "argument" ? (arg.namedChildren.at(-1) ?? arg) : arg } : {}) };
}

function modelValue(node: SyntaxNode, facts: FileFacts): Value {
  const value = valueOf(node, facts);
  if (value.literal) return value;
  const factory = optionCall(value.node, facts.language);
  if (factory?.arg && MODEL_FACTORIES.test(value.node.childForFieldName(SYNTAX[facts.language].calls[value.node.type]?.callee ?? "")?.text ?? "")) {
    const inner = valueOf(factory.arg, facts);
    if (inner.literal) return inner;
  }
  return value;
}

/** A string anywhere in the call's arguments names a file with one of the extensions. */
function namesFile(chain: Chain, at: number, extensions: readonly string[], facts: FileFacts): boolean {
  const args = chain.segments[at]!.call!;
  const strings = [...SYNTAX[facts.language].strings];
  const candidates = [...args.positional, ...args.named.values()];
  for (const node of candidates) {
    const found = SYNTAX[facts.language].strings.has(node.type) ? [node] : node.descendantsOfType(strings).slice(0, 50);
    for (const s of found) {
      const v = s ? valueOf(s, facts).text.toLowerCase() : "";
      if (extensions.some((e) => v.endsWith(`.${e}`))) return true;
    }
    if (node.type === "identifier") {
      const c = facts.constants.get(node.text)?.toLowerCase();
      if (c && extensions.some((e) => c.endsWith(`.${e}`))) return true;
    }
  }
  return false;
}
