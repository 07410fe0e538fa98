import type { CodeLanguage } from "./rules.js";
import type { SyntaxNode } from "./parser.js";

/**
 * What tree-sitter calls calls, member accesses, strings, imports and message objects in each
 * supported language: the only grammar knowledge the extractor needs.
 */

export interface CallShape {
  /** Field of the called expression; for Java's method_invocation, `object` plus `name`. */
  callee?: string;
  object?: string;
  name?: string;
  /** Field holding the arguments (argument list, object initializer or literal body). */
  args?: string[];
}

export interface LanguageSyntax {
  calls: Record<string, CallShape>;
  /** Member access node type → [object field, name field]. */
  members: Record<string, [string, string]>;
  /** Nodes that only wrap an expression (await, parentheses, generic arguments). */
  wrappers: ReadonlySet<string>;
  strings: ReadonlySet<string>;
  /** String parts that make a string dynamic (f-strings, template substitutions). */
  interpolations: ReadonlySet<string>;
  /** Key/value node types inside argument lists and objects → [key field, value field]. */
  pairs: Record<string, [string, string]>;
  objects: ReadonlySet<string>;
  tuples: ReadonlySet<string>;
  /** Constant definition node type → [name field, value field]. */
  constants: Record<string, [string, string]>;
  imports(node: SyntaxNode): string[] | undefined;
  comments: ReadonlySet<string>;
}

const text = (n: SyntaxNode | null | undefined) => (n ? n.text : "");

const STRINGS = new Set([
  "string",
  "concatenated_string",
  "template_string",
  "string_literal",
  "text_block",
  "interpreted_string_literal",
  "raw_string_literal",
  "verbatim_string_literal",
  "interpolated_string_expression",
]);
const INTERPOLATIONS = new Set(["interpolation", "template_substitution", "string_interpolation"]);
const COMMENTS = new Set(["comment", "line_comment", "block_comment"]);

export function unquote(raw: string): string {
  const m = /^[A-Za-z@$]*("""|'''|"|'|`)([\s\S]*)\1$/.exec(raw.trim());
  return m ? m[2]! : raw;
}

const python: LanguageSyntax = {
  calls: { call: { callee: "function", args: ["arguments"] }, decorator: {} },
  members: { attribute: ["object", "attribute"] },
  wrappers: new Set(["await", "parenthesized_expression"]),
  strings: STRINGS,
  interpolations: INTERPOLATIONS,
  pairs: { keyword_argument: ["name", "value"], pair: ["key", "value"] },
  objects: new Set(["dictionary"]),
  tuples: new Set(["tuple"]),
  constants: { assignment: ["left", "right"] },
  imports(node) {
    if (node.type === "import_statement") {
      return node.namedChildren.map((c) => text(c?.type === "aliased_import" ? c.childForFieldName("name") : c));
    }
    if (node.type === "import_from_statement") {
      const module = text(node.childForFieldName("module_name"));
      if (module.startsWith(".")) return [];
      const names = node.childrenForFieldName("name").map((c) => text(c?.type === "aliased_import" ? c.childForFieldName("name") : c));
      return [module, ...names.map((n) => `${module}.${n}`)];
    }
    return undefined;
  },
  comments: COMMENTS,
};

const javascript: LanguageSyntax = {
  calls: {
    call_expression: { callee: "function", args: ["arguments"] },
    new_expression: { callee: "constructor", args: ["arguments"] },
    decorator: {},
  },
  members: { member_expression: ["object", "property"] },
  wrappers: new Set(["await_expression", "parenthesized_expression", "non_null_expression"]),
  strings: STRINGS,
  interpolations: INTERPOLATIONS,
  pairs: { pair: ["key", "value"] },
  objects: new Set(["object"]),
  tuples: new Set(["array"]),
  constants: { variable_declarator: ["name", "value"] },
  imports(node) {
    if (node.type === "import_statement" || node.type === "export_statement") {
      const source = node.childForFieldName("source");
      return source ? [unquote(source.text)] : node.type === "import_statement" ? [] : undefined;
    }
    return undefined;
  },
  comments: COMMENTS,
};

const java: LanguageSyntax = {
  calls: {
    method_invocation: { object: "object", name: "name", args: ["arguments"] },
    object_creation_expression: { callee: "type", args: ["arguments"] },
    annotation: { callee: "name", args: ["arguments"] },
    marker_annotation: { callee: "name" },
  },
  members: { field_access: ["object", "field"], scoped_identifier: ["scope", "name"], scoped_type_identifier: ["", ""] },
  wrappers: new Set(["parenthesized_expression", "generic_type"]),
  strings: STRINGS,
  interpolations: INTERPOLATIONS,
  pairs: { element_value_pair: ["key", "value"] },
  objects: new Set(),
  tuples: new Set(),
  constants: { variable_declarator: ["name", "value"] },
  imports(node) {
    if (node.type !== "import_declaration") return undefined;
    const name = node.namedChildren.find((c) => c?.type === "scoped_identifier" || c?.type === "identifier");
    return name ? [name.text] : [];
  },
  comments: COMMENTS,
};

const go: LanguageSyntax = {
  calls: {
    call_expression: { callee: "function", args: ["arguments"] },
    composite_literal: { callee: "type", args: ["body"] },
  },
  members: { selector_expression: ["operand", "field"], qualified_type: ["package", "name"] },
  wrappers: new Set(["parenthesized_expression", "unary_expression", "pointer_type", "generic_type"]),
  strings: STRINGS,
  interpolations: INTERPOLATIONS,
  pairs: { keyed_element: ["key", "value"] },
  objects: new Set(["literal_value"]),
  tuples: new Set(),
  constants: { const_spec: ["name", "value"], var_spec: ["name", "value"] },
  imports(node) {
    if (node.type !== "import_spec") return undefined;
    return [unquote(text(node.childForFieldName("path")))];
  },
  comments: COMMENTS,
};

const csharp: LanguageSyntax = {
  calls: {
    invocation_expression: { callee: "function", args: ["arguments"] },
    object_creation_expression: { callee: "type", args: ["arguments", "initializer"] },
    attribute: { callee: "name", args: ["attribute_argument_list"] },
  },
  members: { member_access_expression: ["expression", "name"], qualified_name: ["qualifier", "name"] },
  wrappers: new Set(["await_expression", "parenthesized_expression", "generic_name"]),
  strings: STRINGS,
  interpolations: INTERPOLATIONS,
  pairs: { argument: ["name", ""], assignment_expression: ["left", "right"], attribute_argument: ["name", ""] },
  objects: new Set(["initializer_expression", "anonymous_object_creation_expression"]),
  tuples: new Set(),
  constants: { variable_declarator: ["name", ""] },
  imports(node) {
    if (node.type !== "using_directive") return undefined;
    const names = node.namedChildren.filter((c) => c?.type === "qualified_name" || c?.type === "identifier");
    return names.length ? [names.at(-1)!.text] : [];
  },
  comments: COMMENTS,
};

export const SYNTAX: Record<CodeLanguage, LanguageSyntax> = {
  python,
  javascript,
  typescript: javascript,
  java,
  go,
  csharp,
};
