import type { SyntaxNode } from "./parser.js";
import { SYNTAX, unquote, type CallShape, type LanguageSyntax } from "./syntax.js";
import type { CodeLanguage } from "./rules.js";

/**
 * Facts of one parsed source file: imports, call chains with their arguments, message objects,
 * tuples and string constants. Rules are matched against these facts, never against raw text, so
 * comments, docstrings and UI strings that mention a model are not usage.
 */

export interface CallArgs {
  node: SyntaxNode;
  positional: SyntaxNode[];
  named: Map<string, SyntaxNode>;
}

export interface Segment {
  name: string;
  call?: CallArgs;
}

export interface Chain {
  node: SyntaxNode;
  segments: Segment[];
}

export interface Pairs {
  node: SyntaxNode;
  pairs: Map<string, SyntaxNode>;
}

export interface FileFacts {
  language: CodeLanguage;
  imports: string[];
  chains: Chain[];
  objects: Pairs[];
  tuples: Array<{ node: SyntaxNode; items: SyntaxNode[] }>;
  constants: Map<string, string>;
  /** Names assigned a member reference or string more than once or outside a constant (`model = openai.GPT5`). */
  assigned: Map<string, string[]>;
}

/** A value as written: a literal string (or a constant holding one), else the expression's text. */
export interface Value {
  text: string;
  literal: boolean;
  node: SyntaxNode;
}

const MAX_EXPRESSION = 120;
const MAX_NODES = 400_000;

export function extractFacts(root: SyntaxNode, language: CodeLanguage): FileFacts {
  const syntax = SYNTAX[language];
  const facts: FileFacts = { language, imports: [], chains: [], objects: [], tuples: [], constants: new Map(), assigned: new Map() };
  const ambiguousConstants = new Set<string>();
  const consumed = new Set<number>();
  // A cursor walk touches only node types until a node is interesting: far cheaper than
  // materialising every node's children across the WebAssembly boundary.
  const cursor = root.walk();
  let visited = 0;
  const interesting = (type: string) =>
    IMPORT_TYPES.has(type) || syntax.calls[type] !== undefined || syntax.objects.has(type) || syntax.tuples.has(type) || syntax.constants[type] !== undefined || ASSIGNMENTS[type] !== undefined;
  for (;;) {
    const type = cursor.nodeType;
    let descend = cursor.nodeIsNamed && !syntax.comments.has(type) && visited++ < MAX_NODES;
    if (descend && interesting(type)) descend = visit(cursor.currentNode, type);
    if (descend && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        for (const name of ambiguousConstants) facts.constants.delete(name);
        return facts;
      }
    }
  }

  /** Record one node's facts; false when its subtree holds nothing more (an import). */
  function visit(node: SyntaxNode, type: string): boolean {
    const imported = syntax.imports(node);
    if (imported) {
      facts.imports.push(...imported.filter(Boolean));
      return false;
    }
    const shape = syntax.calls[type];
    if (shape && !consumed.has(node.id)) {
      const segments = chainSegments(node, syntax, consumed);
      facts.chains.push({ node, segments });
      const only = segments.length === 1 ? segments[0]! : undefined;
      // require("openai"), import("openai")
      if (only && (only.name === "require" || only.name === "import") && only.call?.positional[0]) {
        const source = only.call.positional[0];
        if (syntax.strings.has(source.type)) facts.imports.push(unquote(source.text));
      }
    }
    if (syntax.objects.has(type)) facts.objects.push({ node, pairs: pairsOf(node, syntax) });
    if (syntax.tuples.has(type)) facts.tuples.push({ node, items: node.namedChildren.filter(isNode).filter((c) => !syntax.comments.has(c.type)) });
    const constant = syntax.constants[type];
    if (constant) {
      const name = field(node, constant[0]);
      const value = field(node, constant[1]);
      const string = value ? firstString(value, syntax) : undefined;
      if (name && string !== undefined && /^[A-Za-z_$][\w$]*$/.test(name.text)) {
        if (facts.constants.has(name.text) && facts.constants.get(name.text) !== string) ambiguousConstants.add(name.text);
        facts.constants.set(name.text, string);
      }
    }
    const assignment = ASSIGNMENTS[type];
    if (assignment) {
      const left = node.childForFieldName(assignment[0]);
      const right = node.childForFieldName(assignment[1]);
      const name = left?.type === "expression_list" && left.namedChildCount === 1 ? left.namedChild(0) : left;
      const value = right?.type === "expression_list" && right.namedChildCount === 1 ? right.namedChild(0) : right;
      if (name && value && /^[A-Za-z_$][\w$]*$/.test(name.text)) {
        const text = syntax.strings.has(value.type) ? firstString(value, syntax) : /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(value.text) ? value.text : undefined;
        if (text !== undefined) facts.assigned.set(name.text, [...(facts.assigned.get(name.text) ?? []), text]);
      }
    }
    return true;
  }
}

/** Node types whose import facts every language's `imports` reads. */
const IMPORT_TYPES = new Set(["import_statement", "import_from_statement", "export_statement", "import_declaration", "import_spec", "using_directive"]);

/** Assignment node types → [left field, right field]. */
const ASSIGNMENTS: Record<string, [string, string]> = {
  assignment: ["left", "right"],
  assignment_statement: ["left", "right"],
  short_var_declaration: ["left", "right"],
  assignment_expression: ["left", "right"],
  variable_declarator: ["name", "value"],
};

function isNode(n: SyntaxNode | null): n is SyntaxNode {
  return n !== null;
}

/** A field by name; "" means the last named child (C#'s argument and declarator). */
function field(node: SyntaxNode, name: string): SyntaxNode | null {
  if (name === "") return node.namedChildren.filter(isNode).at(-1) ?? null;
  return node.childForFieldName(name) ?? node.namedChildren.find((c) => c?.type === name) ?? null;
}

/** The literal string a constant holds: a plain string, or a one-element expression list of one. */
function firstString(value: SyntaxNode, syntax: LanguageSyntax): string | undefined {
  const node = value.type === "expression_list" && value.namedChildCount === 1 ? value.namedChild(0)! : value;
  if (!syntax.strings.has(node.type) || hasInterpolation(node, syntax)) return undefined;
  return stringText(node);
}

function hasInterpolation(node: SyntaxNode, syntax: LanguageSyntax): boolean {
  return node.namedChildren.some((c) => c !== null && syntax.interpolations.has(c.type));
}

function stringText(node: SyntaxNode): string {
  if (node.type === "concatenated_string") return node.namedChildren.filter(isNode).map((c) => unquote(c.text)).join("");
  return unquote(node.text);
}

/** Flatten `client.chat.completions.create(...)` or a builder chain into named segments. */
function chainSegments(node: SyntaxNode, syntax: LanguageSyntax, consumed: Set<number>): Segment[] {
  const shape = syntax.calls[node.type];
  if (shape) {
    consumed.add(node.id);
    const call = callArgs(node, shape, syntax);
    if (shape.name) {
      const object = node.childForFieldName(shape.object ?? "object");
      const before = object ? chainSegments(object, syntax, consumed) : [];
      return [...before, { name: node.childForFieldName(shape.name)?.text ?? "?", call }];
    }
    // A bare decorator (`@tool`) is a call without arguments; `@tool(...)` holds a call node.
    const callee = shape.callee ? node.childForFieldName(shape.callee) : node.namedChildren.find((c) => c !== null && !syntax.comments.has(c.type));
    if (!callee) return [{ name: "?", call }];
    if (!shape.callee && syntax.calls[callee.type]) return chainSegments(callee, syntax, consumed);
    const before = chainSegments(callee, syntax, consumed);
    const last = before.pop() ?? { name: "?" };
    return [...before, { name: last.name, call }];
  }
  const member = syntax.members[node.type];
  if (member && member[0]) {
    const object = node.childForFieldName(member[0]);
    const name = node.childForFieldName(member[1]);
    return [...(object ? chainSegments(object, syntax, consumed) : []), { name: name?.text ?? "?" }];
  }
  if (syntax.wrappers.has(node.type)) {
    const inner = node.namedChildren.find((c) => c !== null && !syntax.comments.has(c.type));
    return inner ? chainSegments(inner, syntax, consumed) : [{ name: "?" }];
  }
  const plain = node.text;
  if (plain.length <= 200 && /^[A-Za-z_$][\w$]*(\s*\.\s*[A-Za-z_$][\w$]*)*$/.test(plain)) {
    return plain.split(".").map((s) => ({ name: s.trim() }));
  }
  return [{ name: "?" }];
}

function callArgs(node: SyntaxNode, shape: CallShape, syntax: LanguageSyntax): CallArgs {
  const args: CallArgs = { node, positional: [], named: new Map() };
  for (const f of shape.args ?? []) {
    const list = field(node, f);
    if (!list) continue;
    if (syntax.objects.has(list.type) && f !== "arguments") {
      for (const [k, v] of pairsOf(list, syntax)) if (!args.named.has(k)) args.named.set(k, v);
      continue;
    }
    for (const child of list.namedChildren) {
      if (!child || syntax.comments.has(child.type)) continue;
      const pair = syntax.pairs[child.type];
      if (pair) {
        const key = pair[0] ? child.childForFieldName(pair[0]) : null;
        const value = field(child, pair[1]);
        if (key && value && key.id !== value.id) {
          const name = keyText(key);
          if (!args.named.has(name)) args.named.set(name, value);
          continue;
        }
        if (value) {
          addPositional(args, value, syntax);
          continue;
        }
      }
      addPositional(args, child, syntax);
    }
  }
  return args;
}

/** A positional argument; an options object or struct literal also lends its keys. */
function addPositional(args: CallArgs, value: SyntaxNode, syntax: LanguageSyntax): void {
  args.positional.push(value);
  let inner: SyntaxNode | null = value;
  if (inner.type === "unary_expression") inner = inner.namedChild(0);
  if (!inner) return;
  const body = syntax.objects.has(inner.type)
    ? inner
    : inner.type === "composite_literal"
      ? inner.childForFieldName("body")
      : inner.type === "object_creation_expression"
        ? field(inner, "initializer")
        : null;
  if (body) for (const [k, v] of pairsOf(body, syntax)) if (!args.named.has(k)) args.named.set(k, v);
}

function keyText(key: SyntaxNode): string {
  const k = key.type === "literal_element" ? (key.namedChild(0) ?? key) : key;
  return unquote(k.text).trim();
}

function pairsOf(node: SyntaxNode, syntax: LanguageSyntax): Map<string, SyntaxNode> {
  const pairs = new Map<string, SyntaxNode>();
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === "shorthand_property_identifier") {
      pairs.set(child.text, child);
      continue;
    }
    const shape = syntax.pairs[child.type];
    if (!shape || !shape[0]) continue;
    const key = child.childForFieldName(shape[0]);
    let value = field(child, shape[1]);
    if (value?.type === "literal_element") value = value.namedChild(0);
    if (key && value && key.id !== value.id) pairs.set(keyText(key), value);
  }
  return pairs;
}

/** The value of an argument as written, resolving a same-file string constant. */
export function valueOf(node: SyntaxNode, facts: FileFacts): Value {
  const syntax = SYNTAX[facts.language];
  let n = node;
  while (syntax.wrappers.has(n.type) && n.namedChildCount > 0) n = n.namedChild(0)!;
  if (n.type === "literal_element" && n.namedChildCount > 0) n = n.namedChild(0)!;
  if (syntax.strings.has(n.type)) {
    return hasInterpolation(n, syntax) ? { text: clip(n.text), literal: false, node: n } : { text: stringText(n), literal: true, node: n };
  }
  if (/^[A-Za-z_$][\w$]*$/.test(n.text)) {
    const constant = facts.constants.get(n.text);
    if (constant !== undefined) return { text: constant, literal: true, node: n };
    const assigned = facts.assigned.get(n.text);
    if (assigned) return { text: clip([...new Set(assigned)].join(" | ")), literal: false, node: n };
  }
  return { text: clip(n.text), literal: false, node: n };
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > MAX_EXPRESSION ? `${one.slice(0, MAX_EXPRESSION - 1)}…` : one;
}
